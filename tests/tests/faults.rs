//! Faults injected under the real host: its data directory full or read-only (a tmpfs of the
//! test's own). Expected: a clear error to the page and the CLI, the host keeps serving, and
//! nothing stored is lost.

use serde_json::json;
use syncshell_e2e::fixture::{FixtureServer, Received};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;
use syncshell_e2e::small_disk::SmallDisk;

fn stored_tags(env: &Env) -> Vec<String> {
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT tag FROM sync_registrations ORDER BY tag")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
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
