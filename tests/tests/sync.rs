//! Background Sync end to end: an unmodified outbox PWA in real WebKit, the worker shim injected
//! by the proxy, the scheduler and dispatcher in the real host, the fixture API as the judge.

use std::time::Duration;

use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox::{self, posts};

/// Generous bound for a retry (2 s with the test parameters) plus a cold hidden window.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

fn reports(server: &FixtureServer, event: &str) -> Vec<std::collections::HashMap<String, String>> {
    server.reports(event).into_iter().map(|r| r.query).collect()
}

/// Installs and opens the outbox fixture with short retry delays; returns once its worker is active.
fn outbox_app() -> (Env, FixtureServer) {
    outbox_app_with(&[])
}

fn outbox_app_with(settings: &[(&str, &str)]) -> (Env, FixtureServer) {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    // After the quick retries, so a test can override them.
    for (k, v) in settings {
        env.set_env(k, v);
    }
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    (env, server)
}

#[test]
fn a_post_written_while_the_api_is_down_is_sent_after_the_window_closed() {
    let (env, server) = outbox_app();
    server.route("/api/posts", Canned::status(503));
    server.instruct(serde_json::json!({ "post": "hello from the outbox" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);

    // The first attempt fires at once (online) and fails against the refusing API.
    wait_until("the first attempt", SYNC_TIMEOUT, || {
        !posts(&server).is_empty()
    });
    let first = reports(&server, "sync-event");
    assert_eq!(first[0]["tag"], "outbox");
    assert_eq!(first[0]["lastChance"], "false");

    env.run(&["close", "outbox"]).success();
    server.route("/api/posts", Canned::status(201));
    wait_until("the retry to reach the API", SYNC_TIMEOUT, || {
        server.count(|r| r.path == "/api/posts") >= 2
    });
    let sent = posts(&server);
    assert_eq!(
        sent.len(),
        2,
        "one refused attempt, one delivered: {sent:?}"
    );
    assert_eq!(sent[1], r#"{"text":"hello from the outbox"}"#);
    // Delivered once: the registration is gone, so nothing fires again.
    wait_until("the registration to be gone", SYNC_TIMEOUT, || {
        env.db()
            .query_row("SELECT count(*) FROM sync_registrations", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            == 0
    });
    let status = env.run(&["status"]).success().stdout;
    assert!(
        status.contains("open windows: none"),
        "the retry ran in a hidden window: {status}"
    );
}

/// How the app's page goes away while the worker's event is in it.
enum PageGoes {
    Closed,
    Reloaded,
}

/// The page relaying an event goes away while the worker waits on the API. The event's outcome
/// can no longer come back; the host must not wait out the event's 3-minute limit but fail it at
/// once without counting the attempt, and the retry must deliver the post.
fn page_gone_mid_event(how: PageGoes, reason: &str) {
    let (env, server) = outbox_app();
    // Slow enough to close the window while the worker waits; refused, so the post stays queued
    // whatever the cut-off handler does after.
    server.route(
        "/api/posts",
        Canned {
            delay: Some(Duration::from_secs(2)),
            ..Canned::status(503)
        },
    );
    server.instruct(serde_json::json!({ "post": "cut short" }));
    wait_until("the first attempt", SYNC_TIMEOUT, || {
        !posts(&server).is_empty()
    });
    match how {
        PageGoes::Closed => {
            env.run(&["close", "outbox"]).success();
        }
        PageGoes::Reloaded => server.instruct(serde_json::json!({ "reload": true })),
    }
    server.route("/api/posts", Canned::status(201));
    // Well within the event's limit: a host still waiting for the lost outcome would take 190 s.
    wait_until("the retry to reach the API", SYNC_TIMEOUT, || {
        server.count(|r| r.path == "/api/posts") >= 2
    });
    let sent = posts(&server);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1], r#"{"text":"cut short"}"#);
    wait_until("the registration to complete", SYNC_TIMEOUT, || {
        registrations(&env).is_empty()
    });
    let failures = env.strings(
        "SELECT json_extract(metadata, '$.\"Failure Reason\"') FROM background_log \
         WHERE event = 'sync event failed'",
    );
    assert_eq!(failures, [format!("{reason}; this attempt does not count")],);
    // The cut-off attempt did not count: the retry was attempt 1 again.
    let attempts = env.strings(
        "SELECT CAST(json_extract(metadata, '$.attempt') AS TEXT) FROM background_log \
         WHERE event = 'Dispatched sync event'",
    );
    assert_eq!(attempts, ["1", "1"]);
}

#[test]
fn closing_the_window_mid_event_fails_it_at_once_and_the_retry_delivers() {
    page_gone_mid_event(
        PageGoes::Closed,
        "the app's window was closed during the event",
    );
}

#[test]
fn reloading_the_page_mid_event_fails_it_at_once_and_the_retry_delivers() {
    page_gone_mid_event(
        PageGoes::Reloaded,
        "the app's page was reloaded or left during the event",
    );
}

fn sync_events(server: &FixtureServer, tag: &str) -> Vec<String> {
    reports(server, "sync-event")
        .into_iter()
        .filter(|q| q["tag"] == tag)
        .map(|q| q["lastChance"].clone())
        .collect()
}

fn registrations(env: &Env) -> Vec<(String, String)> {
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT tag, state FROM sync_registrations ORDER BY tag")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_handler_that_fails_twice_succeeds_on_its_last_chance() {
    let (env, server) = outbox_app();
    server.route("/api/posts", Canned::status(503));
    server.instruct(serde_json::json!({ "post": "third time lucky" }));
    // Two failures recorded by the host, not merely two events started: the second attempt's
    // POST could otherwise meet the API after it came back, and succeed early.
    wait_until("two failed attempts", SYNC_TIMEOUT, || {
        env.log_events(None)
            .iter()
            .filter(|e| *e == "sync event failed")
            .count()
            == 2
    });
    server.route("/api/posts", Canned::status(201));
    wait_until("the third attempt", SYNC_TIMEOUT, || {
        sync_events(&server, "outbox").len() == 3
    });
    assert_eq!(sync_events(&server, "outbox"), ["false", "false", "true"]);
    wait_until("the registration to complete", SYNC_TIMEOUT, || {
        registrations(&env).is_empty()
    });
    let log = env.log_events(None);
    assert_eq!(
        log.iter().filter(|e| *e == "sync event failed").count(),
        2,
        "{log:?}"
    );
    assert_eq!(log.last().unwrap(), "sync event completed", "{log:?}");
    assert_eq!(posts(&server).len(), 3);
}

#[test]
fn after_the_last_failed_attempt_the_registration_is_dropped_and_logged() {
    let (env, server) = outbox_app();
    server.instruct(serde_json::json!({ "register": "always-fails" }));
    wait_until("the drop to be logged", SYNC_TIMEOUT, || {
        env.log_events(None)
            .contains(&"Registration dropped after the last attempt".to_owned())
    });
    assert_eq!(
        sync_events(&server, "always-fails"),
        ["false", "false", "true"]
    );
    assert!(registrations(&env).is_empty());
    let failure: String = env
        .db()
        .query_row("SELECT metadata FROM background_log WHERE event = 'sync event failed' ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert!(failure.contains("refused on purpose"), "{failure}");
}

#[test]
fn a_host_killed_mid_event_fires_the_registration_again_after_restart() {
    let (mut env, server) = outbox_app_with(&[("SYNCSHELL_MIN_SYNC_RECOVERY_TIME", "1s")]);
    server.route("/api/posts", Canned::hang());
    server.instruct(serde_json::json!({ "post": "survives a crash" }));
    wait_until("the event to be firing", SYNC_TIMEOUT, || {
        registrations(&env) == [("outbox".to_owned(), "firing".to_owned())]
    });
    // Killed while the handler's POST hangs at the API, not before it went out: then the post
    // must reach the API twice (once hung, once after the restart).
    wait_until("the handler's POST to reach the API", SYNC_TIMEOUT, || {
        !posts(&server).is_empty()
    });
    // A crash, then a relaunch once it is over (WebKit must not find the app's storage still held
    // by the crashed host's processes; see the note in the README's troubleshooting).
    env.crash_host(0);
    assert_eq!(env.run(&["status"]).code, 3);

    server.route("/api/posts", Canned::status(201));
    env.start_host();
    env.run(&["network", "online"]).success();
    // The registration was not lost: after the recovery delay it is dispatched again, in a hidden
    // window of the new host, and completes.
    wait_until(
        "the registration to complete after the restart",
        SYNC_TIMEOUT,
        || registrations(&env).is_empty(),
    );
    let log = env.log_events(None);
    let interrupted = log
        .iter()
        .position(|e| e.starts_with("Event interrupted"))
        .expect("the interruption is logged");
    assert_eq!(
        log[interrupted + 1..],
        ["Dispatched sync event", "sync event completed"],
        "{log:?}"
    );
    // The app's own IndexedDB kept the post through the kill: the handler after the restart
    // found it and sent it once more.
    let sent = posts(&server);
    assert_eq!(
        sent, [r#"{"text":"survives a crash"}"#; 2],
        "the hung attempt and the one after the restart"
    );
    assert!(env
        .log_events(None)
        .iter()
        .any(|e| e.starts_with("Event interrupted")));
}

#[test]
fn a_web_process_crash_mid_event_fails_it_at_once_and_the_retry_delivers() {
    // The event timeout stays at its 3-minute default, far beyond SYNC_TIMEOUT: only the crash
    // itself can explain a prompt failure. One hidden window at most, closed only after a long
    // idle time: the retry must reuse the crashed window's slot, not wait for it to be freed.
    let (env, server) = outbox_app_with(&[
        ("SYNCSHELL_MAX_HIDDEN_WEBVIEWS", "1"),
        ("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", "10m"),
    ]);
    outbox::post_hanging_in_hidden_window(&env, &server, "outlives a crash", SYNC_TIMEOUT);

    server.route("/api/posts", Canned::status(201));
    assert!(
        env.kill_web_processes() > 0,
        "WebKit web processes were running"
    );
    wait_until("the failure to be logged", SYNC_TIMEOUT, || {
        env.sync_failures_saying("web process") == 1
    });
    // The retry runs in a fresh hidden window, finds the post the app kept, and delivers it.
    wait_until("the retry to complete", SYNC_TIMEOUT, || {
        registrations(&env).is_empty()
    });
    assert_eq!(sync_events(&server, "outbox"), ["false", "false"]);
    assert_eq!(
        posts(&server),
        [
            r#"{"text":"outlives a crash"}"#,
            r#"{"text":"outlives a crash"}"#
        ]
    );
    assert_eq!(env.log_events(None).last().unwrap(), "sync event completed");
}

#[test]
fn a_worker_registers_from_inside_the_worker_as_workbox_does() {
    let (_env, server) = outbox_app();
    server.instruct(serde_json::json!({ "workerRegister": "from-worker" }));
    let registered = server.wait_for_report("worker-registered", PAGE_TIMEOUT);
    assert_eq!(
        registered.query["workbox"], "true",
        "'sync' in self.registration inside the worker"
    );
    wait_until("the worker's registration to fire", SYNC_TIMEOUT, || {
        !sync_events(&server, "from-worker").is_empty()
    });
}

#[test]
fn nothing_fires_offline_and_everything_ready_fires_back_online() {
    let (env, server) = outbox_app();
    server.route("/api/posts", Canned::status(201));
    assert!(env
        .run(&["network", "offline"])
        .success()
        .stdout
        .starts_with("network: offline"));
    server.instruct(serde_json::json!({ "post": "written offline" }));
    server.instruct(serde_json::json!({ "register": "second" }));
    wait_until("both registrations", PAGE_TIMEOUT, || {
        reports(&server, "registered").len() == 2
    });
    // A bounded look: the scheduler has had ample time to act on both registrations.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        reports(&server, "sync-event").is_empty(),
        "fired while offline"
    );
    assert_eq!(registrations(&env).len(), 2);

    env.run(&["network", "online"]).success();
    wait_until("both to fire", SYNC_TIMEOUT, || {
        reports(&server, "sync-event").len() >= 2
    });
    wait_until("the post", SYNC_TIMEOUT, || posts(&server).len() == 1);
    wait_until("both to complete", SYNC_TIMEOUT, || {
        registrations(&env).is_empty()
    });
}

fn next_error(server: &FixtureServer, count: usize) -> std::collections::HashMap<String, String> {
    wait_until("an error report", PAGE_TIMEOUT, || {
        reports(server, "error").len() >= count
    });
    reports(server, "error")[count - 1].clone()
}

#[test]
fn bad_calls_get_the_domexceptions_chrome_gives() {
    let (env, server) = outbox_app_with(&[("SYNCSHELL_MAX_REGISTRATIONS_PER_ORIGIN", "2")]);
    server.instruct(serde_json::json!({ "register": "x".repeat(10_241) }));
    assert_eq!(next_error(&server, 1)["name"], "InvalidAccessError");

    server.instruct(serde_json::json!({ "unactivated": true }));
    let e = next_error(&server, 2);
    assert_eq!(
        (e["name"].as_str(), e["message"].as_str()),
        (
            "InvalidStateError",
            "Registration failed - no active Service Worker"
        )
    );

    // Quota: two registrations fit, a third tag does not.
    server.route("/api/posts", Canned::hang());
    server.instruct(serde_json::json!({ "post": "a", "tag": "outbox" }));
    server.instruct(serde_json::json!({ "register": "always-fails" }));
    wait_until("two registrations", PAGE_TIMEOUT, || {
        reports(&server, "registered").len() == 2
    });
    server.instruct(serde_json::json!({ "register": "one-too-many" }));
    assert_eq!(next_error(&server, 3)["name"], "QuotaExceededError");

    // A guessed token gets nothing; another origin's tags cannot be read.
    server.instruct(serde_json::json!({ "forge": true }));
    assert_eq!(
        server.wait_for_report("forged", PAGE_TIMEOUT).query["status"],
        "403"
    );
    assert!(!registrations(&env).iter().any(|(tag, _)| tag == "forged"));
    server.instruct(serde_json::json!({ "invokeTags": "http://127.0.0.1:1/" }));
    assert!(
        next_error(&server, 4)["text"].starts_with("SecurityError"),
        "{:?}",
        reports(&server, "error")
    );

    // The user blocks the site: register is refused and the permission reads denied.
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.execute(
        "INSERT INTO site_settings (origin, background_sync) VALUES (?1, 0)",
        [server.origin()],
    )
    .unwrap();
    server.instruct(serde_json::json!({ "register": "blocked" }));
    let e = next_error(&server, 5);
    assert_eq!(
        (e["name"].as_str(), e["message"].as_str()),
        ("NotAllowedError", "Permission denied.")
    );
    server.instruct(serde_json::json!({ "permission": "background-sync" }));
    assert_eq!(
        server.wait_for_report("permission", PAGE_TIMEOUT).query["state"],
        "denied"
    );
}

#[test]
fn the_cli_lists_registrations_shows_the_log_and_fires_events_by_hand() {
    let (env, server) = outbox_app();
    env.run(&["network", "offline"]).success();
    server.instruct(serde_json::json!({ "register": "second" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);

    let list = env.run(&["sync", "list"]).success().stdout;
    assert_eq!(
        list,
        "APP\tKIND\tTAG\tSTATE\tATTEMPTS\tNEXT\tMIN-INTERVAL\tEVERY\tENGAGEMENT\tHELD\n\
         outbox\tsync\tsecond\tpending\t0\twhen online\t-\t-\t-\toffline\n"
    );
    let json: serde_json::Value = serde_json::from_str(
        &env.run(&["sync", "list", "outbox", "--json"])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(json[0]["tag"], "second");
    assert_eq!(json[0]["kind"], "sync");

    // Manual dispatch works offline, like DevTools', and reaches the app's handler.
    let fired = env
        .run(&["sync", "fire", "outbox", "by-hand", "--last-chance"])
        .success()
        .stdout;
    assert_eq!(fired, "sync event \"by-hand\" completed in outbox\n");
    assert_eq!(sync_events(&server, "by-hand"), ["true"]);
    let failed = env.run(&["sync", "fire", "outbox", "always-fails"]);
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("refused on purpose"),
        "{}",
        failed.stderr
    );

    let log = env.run(&["log", "outbox"]).success().stdout;
    assert!(
        log.contains("  outbox  sync  Registered sync  tag=second"),
        "{log}"
    );
    assert!(log.contains("sync event failed  tag=always-fails"), "{log}");
    let entries: serde_json::Value =
        serde_json::from_str(&env.run(&["log", "--json"]).success().stdout).unwrap();
    assert_eq!(entries[0]["event"], "Registered sync");
    assert!(
        reports(&server, "leaked").is_empty(),
        "control messages reached the app: {:?}",
        reports(&server, "leaked")
    );

    let unknown = env.run(&["log", "nosuch"]);
    assert_eq!(unknown.code, 1);
}

#[test]
fn at_most_the_configured_hidden_webviews_run_and_idle_ones_close() {
    let mut env = Env::new();
    env.set_env("SYNCSHELL_MAX_HIDDEN_WEBVIEWS", "1");
    env.set_env("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", "1s");
    env.set_env("SYNCSHELL_MAX_SYNC_EVENT_DURATION", "3s");
    let a = FixtureServer::start(Some("outbox"));
    let b = FixtureServer::start(Some("outbox"));
    env.run(&["install", &a.url("/app/")]).success();
    env.run(&["install", &b.url("/app/")]).success();
    env.start_host();
    env.run(&["network", "offline"]).success();
    for (server, id) in [(&a, "outbox"), (&b, "outbox-2")] {
        env.run(&["open", id]).success();
        server.wait_for_report("sw-ready", PAGE_TIMEOUT);
        // A's API hangs, so its event holds the one hidden webview until the event times out.
        server.route(
            "/api/posts",
            if id == "outbox" {
                Canned::hang()
            } else {
                Canned::status(201)
            },
        );
        server.instruct(serde_json::json!({ "post": id }));
        server.wait_for_report("registered", PAGE_TIMEOUT);
        env.run(&["close", id]).success();
    }
    env.run(&["network", "online"]).success();

    let mut most = 0;
    let deadline = std::time::Instant::now() + SYNC_TIMEOUT;
    while (sync_events(&a, "outbox").is_empty() || posts(&b).is_empty())
        && std::time::Instant::now() < deadline
    {
        let status = env.run(&["status"]).stdout;
        let line = status
            .lines()
            .find(|l| l.starts_with("background windows: "))
            .unwrap_or("")
            .to_owned();
        let count = if line.ends_with("none") {
            0
        } else {
            line.split(", ").count()
        };
        most = most.max(count);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !sync_events(&a, "outbox").is_empty() && !posts(&b).is_empty(),
        "both apps' events ran"
    );
    assert_eq!(most, 1, "never more hidden webviews than allowed");
    // A's event timed out (its API hangs) and was counted as a failure.
    wait_until("A's timeout to be logged", SYNC_TIMEOUT, || {
        env.sync_failures_saying("timed out") >= 1
    });
    wait_until("idle hidden webviews to close", SYNC_TIMEOUT, || {
        env.run(&["status"])
            .stdout
            .contains("background windows: none")
    });
}

#[test]
fn an_idle_background_window_is_parked_and_woken_without_its_web_process_or_growth() {
    let (env, server) = outbox_app();
    env.run(&["close", "outbox"]).success();
    wait_until("the app's web process to end", PAGE_TIMEOUT, || {
        env.web_processes() == 0
    });
    let mut kept_after_first = None;
    let watch = env.watch_web_processes();
    for round in 1..=3 {
        // No window is open: the event reaches the worker through the hidden window.
        let tag = format!("round-{round}");
        env.run(&["sync", "fire", "outbox", &tag]).success();
        assert_eq!(sync_events(&server, &tag).len(), 1);
        wait_until("the background window to be parked", SYNC_TIMEOUT, || {
            env.run(&["status"])
                .stdout
                .contains("background windows: none")
        });
        wait_until("its web process to end", SYNC_TIMEOUT, || {
            env.web_processes() == 0
        });
        let kept = env.webkit_shared_memory().len();
        let first = *kept_after_first.get_or_insert(kept);
        assert!(
            kept <= first,
            "round {round}: {kept} WebKit shared-memory descriptors, {first} after the first: \
             the background window was made anew instead of woken"
        );
    }
    // The worker runs in the dispatch page's process, and parking ends it with the page: no
    // second process is started for the worker (WebKit does if the page's process is ended
    // while the page is still the worker's client, and that one lingers 10 s).
    let seen = watch.finish();
    assert_eq!(
        seen.len(),
        3,
        "web processes started in 3 background wakes: {seen:?}"
    );
}
