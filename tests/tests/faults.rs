//! Faults injected under the real host: its data directory full or read-only (a tmpfs of the
//! test's own), WebKit web processes killed in a loop, an app server hanging mid-response.
//! Expected: a clear error to the page and the CLI, the host keeps serving, nothing stored is
//! lost, nothing spins.

use serde_json::json;
use syncshell_e2e::fixture::{Canned, FixtureServer, Received};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;
use syncshell_e2e::small_disk::SmallDisk;

/// A few retries 2 s apart and a cold hidden window each, with room to spare.
const SYNC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

fn stored_tags(env: &Env) -> Vec<String> {
    env.strings("SELECT tag FROM sync_registrations ORDER BY tag")
}

/// Why each failed attempt failed, oldest first.
fn failures(env: &Env) -> Vec<String> {
    env.strings("SELECT metadata FROM background_log WHERE event = 'sync event failed' ORDER BY id")
}

/// Asks the page to register `tag` and returns its answer: `Ok(())` or the error it reported.
fn register(server: &FixtureServer, tag: &str) -> Result<(), Box<Received>> {
    let (registered, errors) = (
        server.reports("registered").len(),
        server.reports("error").len(),
    );
    server.instruct(json!({ "register": tag }));
    let mut answer = None;
    wait_until("the page's answer", PAGE_TIMEOUT, || {
        if server.reports("registered").len() > registered {
            answer = Some(Ok(()));
        } else if let Some(e) = server.reports("error").get(errors) {
            answer = Some(Err(Box::new(e.clone())));
        }
        answer.is_some()
    });
    answer.unwrap()
}

#[test]
fn a_full_or_read_only_data_directory_gets_clear_errors_and_loses_nothing() {
    let mut env = Env::new();
    let disk = SmallDisk::mount(&env.data_home().join("syncshell"), 64);
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    // Offline, so registrations stay to be counted.
    env.run(&["network", "offline"]).success();
    register(&server, "before").expect("a registration with room to spare");

    // Full. SQLite may still fit a few writes in its journal's room; long tags use it up.
    disk.fill();
    let mut kept = vec!["before".to_owned()];
    let mut refused = None;
    for n in 0..40 {
        let tag = format!("full-{n:02}-{}", "x".repeat(8000));
        match register(&server, &tag) {
            Ok(()) => kept.push(tag),
            Err(report) => {
                refused = Some(report);
                break;
            }
        }
    }
    let refused = refused.expect("a write refused once the disk is full");
    println!(
        "disk full: {} registrations still fitted, then: {}",
        kept.len() - 1,
        refused.query["message"]
    );
    assert_eq!(refused.query["name"], "UnknownError", "{:?}", refused.query);
    assert!(
        refused.query["message"].starts_with("Registration failed - storage error:")
            && refused.query["message"].contains("full"),
        "{:?}",
        refused.query
    );
    // The CLI says so too, in words, and the host keeps answering.
    let cli = env.run(&["permission", "outbox", "notifications", "allow"]);
    assert_eq!(cli.code, 1, "{}", cli.stdout);
    println!("disk full, the CLI: {}", cli.stderr.trim());
    assert!(
        cli.stderr.starts_with(
            "syncshell: error: the disk holding syncshell's data is full (database or disk is full)"
        ),
        "{}",
        cli.stderr
    );
    assert!(env.run(&["status"]).success().stdout.contains("running"));
    env.run(&["sync", "list"]).success();

    // Room again: what was accepted is all there, and writes work.
    disk.free();
    register(&server, "after-full").expect("a registration once there is room");
    kept.push("after-full".to_owned());
    kept.sort();
    assert_eq!(stored_tags(&env), kept);

    // Read-only. Linux will not make a file system read-only under a process writing to it, so
    // this is a data directory found read-only when syncshell starts (a read-only home, a
    // live system): once the host and its WebKit processes are gone, the disk goes read-only.
    env.run(&["quit"]).success();
    wait_until("the disk to go read-only", PAGE_TIMEOUT, || {
        disk.read_only(true).is_ok()
    });
    let host = env.spawn_host(&["--background"]);
    wait_until("the host to give up", PAGE_TIMEOUT, || {
        env.host_exit(host).is_some()
    });
    assert_eq!(env.host_exit(host), Some(1));
    let log = env.host_log(host);
    assert!(
        log.contains("syncshell: error: cannot make the data directory")
            && log.contains("Read-only file system"),
        "{log}"
    );
    let list = env.run(&["list"]);
    assert_eq!(list.code, 1);
    assert!(
        list.stderr.contains("Read-only file system"),
        "{}",
        list.stderr
    );

    // Writable again: the host starts and everything accepted before is there.
    disk.read_only(false).unwrap();
    env.start_host();
    assert_eq!(stored_tags(&env), kept);
    env.run(&["network", "online"]).success();
}

/// A WebKit web process that dies again and again (a page that crashes the engine, the OOM
/// killer): a hidden window's event fails at once each time and backs off by the retry policy
/// until it is dropped, with no storm of new processes; an app window reloads once, and when the
/// page crashes again within 10 s it shows a notice with a Reload link instead of looping.
#[test]
fn a_web_process_crashing_in_a_loop_backs_off_and_does_not_spin() {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    env.run(&["network", "offline"]).success();
    // A post whose sending hangs: each attempt is still running when its process is killed.
    server.route("/api/posts", Canned::hang());
    let registered = server.reports("registered").len();
    server.instruct(json!({ "post": "never sent" }));
    wait_until("the post to be written", PAGE_TIMEOUT, || {
        server.reports("registered").len() > registered
    });
    env.run(&["close", "outbox"]).success();

    // Every web process the host starts is killed as soon as it is seen, until the event is
    // dropped after its last attempt.
    let done = std::sync::atomic::AtomicBool::new(false);
    /// Stops the killer however the scope ends (a failed wait panics, and a scope waits for its
    /// threads before it lets a panic through).
    struct Stop<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let kills = std::thread::scope(|scope| {
        let _stop = Stop(&done);
        let killer = scope.spawn(|| {
            // Killed once it has been up for a moment: WebKitGTK aborts its UI process (the
            // host) with "readPIDFromPeer: Unexpected short read" when a web process dies before
            // it has reported its pid (measured), which no real page can cause.
            let mut seen = std::collections::HashMap::new();
            let mut kills = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                for (pid, comm) in env.host_children() {
                    if !comm.starts_with("WebKitWebProces") {
                        continue;
                    }
                    let first = *seen.entry(pid).or_insert_with(std::time::Instant::now);
                    if first.elapsed() >= std::time::Duration::from_millis(300) {
                        // SAFETY: kill(2) on a WebKit child of the test's own host.
                        if unsafe { libc::kill(pid as i32, libc::SIGKILL) } == 0 {
                            kills += 1;
                        }
                        seen.insert(
                            pid,
                            std::time::Instant::now() + std::time::Duration::from_secs(3600),
                        );
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            kills
        });
        env.run(&["network", "online"]).success();
        // Three attempts, 2 s apart, each with a window that may be killed while loading.
        let deadline = std::time::Instant::now() + 3 * SYNC_TIMEOUT;
        while !env
            .log_events(None)
            .iter()
            .any(|e| e == "Registration dropped after the last attempt")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "not dropped: {:?}\n{}",
                env.log_events(None),
                env.host_log(0)
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        killer.join().unwrap()
    });
    let failures = failures(&env);
    println!("hidden window crash loop: {kills} web processes killed, {failures:?}");
    assert_eq!(failures.len(), 3, "max_sync_attempts, then dropped");
    // Killed while its event ran, or while its dispatch page was still loading.
    assert!(
        failures
            .iter()
            .all(|f| f.contains("web process") || f.contains("did not load")),
        "{failures:?}"
    );
    // One hidden window an attempt, each with at most a few web processes (measured: 2).
    assert!(
        (3..=9).contains(&kills),
        "{kills} web processes for 3 attempts"
    );

    // The app window: one reload after a crash, then a notice.
    let loads = server.reports("loaded").len();
    env.run(&["open", "outbox"]).success();
    wait_until("the page", PAGE_TIMEOUT, || {
        server.reports("loaded").len() == loads + 1
    });
    assert!(env.kill_web_processes() > 0);
    wait_until("the reload", PAGE_TIMEOUT, || {
        server.reports("loaded").len() == loads + 2
    });
    assert!(env.kill_web_processes() > 0);
    wait_until("the host to stop reloading", PAGE_TIMEOUT, || {
        env.host_log(0)
            .contains("its page crashed twice within 10 s")
    });
    // The notice is up (in a web process of its own), and it loads nothing of the app's.
    wait_until("the notice's web process", PAGE_TIMEOUT, || {
        env.host_children()
            .iter()
            .any(|(_, comm)| comm.starts_with("WebKitWebProces"))
    });
    assert!(env
        .run(&["status"])
        .success()
        .stdout
        .contains("open windows: outbox"));
    assert_eq!(
        server.reports("loaded").len(),
        loads + 2,
        "not reloaded again"
    );
}

/// An app's server that sends the start of its answer and then hangs: the worker reading it is
/// held until the event's time limit, the event fails and is retried, and meanwhile the host and
/// its proxy keep serving another app and the CLI.
#[test]
fn an_app_server_hanging_mid_response_costs_one_attempt_and_blocks_nobody() {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_MAX_SYNC_EVENT_DURATION", "3s");
    let server = FixtureServer::start(Some("outbox"));
    let notes = FixtureServer::start(Some("notes"));
    env.run(&["install", &notes.url("/app/")]).success();
    outbox::install_and_open(&mut env, &server);
    env.run(&["network", "offline"]).success();
    let registered = server.reports("registered").len();
    server.instruct(json!({ "post": "held by a hung server" }));
    wait_until("the post to be written", PAGE_TIMEOUT, || {
        server.reports("registered").len() > registered
    });
    env.run(&["close", "outbox"]).success();
    server.route(
        "/api/posts",
        Canned {
            stall: true,
            ..Canned::ok("application/json", r#"{"id": 1, "tex"#)
        },
    );
    env.run(&["network", "online"]).success();
    wait_until("the POST to reach the hung server", SYNC_TIMEOUT, || {
        !outbox::posts(&server).is_empty()
    });

    // While the outbox's answer hangs: another app opens and loads through the same proxy, and
    // the CLI is answered.
    env.run(&["open", "notes"]).success();
    notes.wait_for_report("loaded", PAGE_TIMEOUT);
    assert!(env
        .run(&["status"])
        .success()
        .stdout
        .contains("open windows: notes"));

    // The event runs out of time, fails, and the retry (the server answering now) delivers.
    wait_until("the attempt to time out", SYNC_TIMEOUT, || {
        !failures(&env).is_empty()
    });
    let failure = failures(&env).remove(0);
    println!("hung server: {failure}");
    assert!(
        failure.contains("3s") || failure.contains("time"),
        "{failure}"
    );
    server.route("/api/posts", Canned::status(201));
    wait_until("the retry to deliver", SYNC_TIMEOUT, || {
        stored_tags(&env).is_empty()
    });
    assert_eq!(
        outbox::posts(&server),
        [r#"{"text":"held by a hung server"}"#; 2]
    );
    assert_eq!(env.log_events(None).last().unwrap(), "sync event completed");
}
