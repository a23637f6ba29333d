//! Per-site permissions, pause, and the network facts apps see, end to end: the real host, the
//! outbox fixture in real WebKit, the CLI changing state, and what reaches the fixture server.

use std::time::Duration;

use serde_json::json;
use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;

/// The host's periodic minimum here; the app's engagement ("low") doubles it.
const INTERVAL: Duration = Duration::from_secs(3);
const EVENTS_TIMEOUT: Duration = Duration::from_secs(90);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The outbox installed and open, with quick retries and a 3 s periodic minimum.
fn outbox_open() -> (Env, FixtureServer) {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_MIN_PERIODIC_SYNC_EVENTS_INTERVAL", "3s");
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    (env, server)
}

/// Registers periodic tag `feed` from the page and waits until it is stored.
fn register_feed(server: &FixtureServer) {
    server.instruct(json!({ "periodic": "feed", "minInterval": 1000 }));
    server.wait_for_report("periodic-registered", PAGE_TIMEOUT);
}

/// The registrations as `syncshell sync list --json` gives them.
fn listed(env: &Env) -> Vec<serde_json::Value> {
    let out = env.run(&["sync", "list", "--json"]).success().stdout;
    serde_json::from_str(&out).unwrap()
}

fn listed_tag<'a>(list: &'a [serde_json::Value], tag: &str) -> Option<&'a serde_json::Value> {
    list.iter().find(|r| r["tag"] == tag)
}

/// Waits until the periodic registration `feed` has been due for two intervals.
fn wait_past_due(env: &Env) {
    let due = listed_tag(&listed(env), "feed").unwrap()["next_due"]
        .as_i64()
        .unwrap();
    wait_until("the feed to be overdue", EVENTS_TIMEOUT, || {
        now_ms() > due + 2 * INTERVAL.as_millis() as i64
    });
}

#[test]
fn blocking_periodic_sync_unregisters_its_tags_and_blocking_sync_holds_until_allowed() {
    let (env, server) = outbox_open();
    register_feed(&server);
    env.run(&["close", "outbox"]).success();
    wait_until("a periodic event", EVENTS_TIMEOUT, || {
        !server.reports("periodic-event").is_empty()
    });
    wait_until("it to complete", EVENTS_TIMEOUT, || {
        env.log_events(Some("periodicsync"))
            .contains(&"periodicsync event completed".to_owned())
    });
    env.run(&["open", "outbox"]).success();
    wait_until("the page again", PAGE_TIMEOUT, || {
        server.reports("sw-ready").len() == 2
    });

    let out = env
        .run(&["permission", "outbox", "periodic-background-sync", "block"])
        .success()
        .stdout;
    assert!(out.contains("set to block (was allow)"), "{out}");
    assert!(out.contains("unregistered periodic sync: feed"), "{out}");
    assert!(listed_tag(&listed(&env), "feed").is_none());
    // Events stop: none in the two intervals after the block.
    let fired = server.reports("periodic-event").len();
    let blocked_at = now_ms();
    wait_until("two intervals after the block", EVENTS_TIMEOUT, || {
        now_ms() > blocked_at + 4 * INTERVAL.as_millis() as i64
    });
    assert_eq!(
        server.reports("periodic-event").len(),
        fired,
        "fired while blocked"
    );
    let log = env.log_events(Some("periodicsync"));
    assert!(
        log.ends_with(&[
            "Permission changed".to_owned(),
            "Unregistered periodicsync".to_owned()
        ]),
        "{log:?}"
    );
    // The page may not register again, and its status says so.
    server.instruct(json!({ "periodic": "feed" }));
    let error = server.wait_for_report("error", PAGE_TIMEOUT);
    assert_eq!(error.query["name"], "NotAllowedError");
    assert_eq!(error.query["message"], "Permission denied.");

    // A one-off sync made while offline waits; blocked, it keeps waiting online.
    server.route("/api/posts", Canned::status(201));
    env.run(&["network", "offline"]).success();
    server.instruct(json!({ "post": "held", "tag": "outbox" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    env.run(&["permission", "outbox", "background-sync", "block"])
        .success();
    env.run(&["network", "online"]).success();
    let held = &listed(&env)[0];
    assert_eq!(held["tag"], "outbox");
    assert_eq!(held["held"]["reason"], "blocked", "{held}");
    // The page is refused new registrations meanwhile.
    server.instruct(json!({ "register": "another" }));
    wait_until("the second refusal", PAGE_TIMEOUT, || {
        server.reports("error").len() == 2
    });
    let error = &server.reports("error")[1];
    assert_eq!(error.query["text"], "NotAllowedError: Permission denied.");
    // Nothing fires while blocked: the app's server sees no post until it is allowed, then one.
    let allowed_at = std::time::Instant::now();
    env.run(&["permission", "outbox", "background-sync", "allow"])
        .success();
    wait_until("the held post", EVENTS_TIMEOUT, || {
        outbox::posts(&server).len() == 1
    });
    let sent = server
        .received()
        .into_iter()
        .find(|r| r.path == "/api/posts")
        .unwrap();
    assert!(sent.at > allowed_at, "the post was sent while blocked");
    wait_until("the sync to complete", EVENTS_TIMEOUT, || {
        listed(&env).is_empty()
    });
    assert_eq!(outbox::posts(&server), [r#"{"text":"held"}"#]);
}

#[test]
fn offline_metered_and_paused_hold_periodic_sync_and_only_pause_holds_one_off_sync() {
    let (env, server) = outbox_open();
    register_feed(&server);
    let periodic = || server.reports("periodic-event");

    // Metered: the periodic event waits, a one-off sync does not.
    let out = env.run(&["network", "metered"]).success().stdout;
    assert!(out.contains("online, metered"), "{out}");
    server.instruct(json!({ "register": "quick" }));
    wait_until("the one-off sync on metered", EVENTS_TIMEOUT, || {
        !server.reports("sync-event").is_empty()
    });
    wait_past_due(&env);
    assert!(periodic().is_empty(), "periodic sync fired on metered");
    let feed = listed_tag(&listed(&env), "feed").unwrap().clone();
    assert_eq!(feed["held"]["reason"], "metered", "{feed}");

    // Offline: still held.
    env.run(&["network", "offline"]).success();
    assert_eq!(
        listed_tag(&listed(&env), "feed").unwrap()["held"]["reason"],
        "offline"
    );

    // Paused: nothing fires, even online and unmetered.
    let out = env.run(&["pause"]).success().stdout;
    assert!(out.contains("paused"), "{out}");
    env.run(&["network", "online"]).success();
    server.instruct(json!({ "register": "while-paused" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    wait_past_due(&env);
    assert!(periodic().is_empty(), "periodic sync fired while paused");
    assert!(
        !server
            .reports("sync-event")
            .iter()
            .any(|r| r.query["tag"] == "while-paused"),
        "a one-off sync fired while paused"
    );
    let log = env.log_events(Some("sync"));
    assert!(
        log.contains(&"Background activity paused".to_owned()),
        "{log:?}"
    );

    // Resumed: the overdue periodic event (once) and the one-off sync.
    env.run(&["resume"]).success();
    wait_until("both held events", EVENTS_TIMEOUT, || {
        !periodic().is_empty()
            && server
                .reports("sync-event")
                .iter()
                .any(|r| r.query["tag"] == "while-paused")
    });
    // Once, not once per interval missed while held (the next is an interval away).
    assert_eq!(periodic().len(), 1);
    let first = &periodic()[0];
    assert_eq!(first.query["saveData"], "false");
    let log = env.log_events(None);
    assert!(
        log.contains(&"Background activity resumed".to_owned()),
        "{log:?}"
    );
}

#[test]
fn permissions_and_the_connection_answer_in_page_and_worker_and_fire_change() {
    let (env, server) = outbox_open();
    server.instruct(json!({ "watch": "background-sync" }));
    let status = server.wait_for_report("permission", PAGE_TIMEOUT);
    assert_eq!(status.query["state"], "granted");
    assert_eq!(
        status.query["target"], "true",
        "a PermissionStatus is an EventTarget"
    );
    server.instruct(json!({ "watch": "notifications" }));
    let status = server.wait_for("the notifications status", PAGE_TIMEOUT, |r| {
        r.is_report("permission")
            && r.query.get("name").map(String::as_str) == Some("notifications")
    });
    assert_eq!(status.query["state"], "prompt");
    server.instruct(json!({ "connection": true }));
    let connection = server.wait_for_report("connection", PAGE_TIMEOUT);
    assert_eq!(connection.query["saveData"], "false");
    // No NetworkManager on the test bus: up, of unknown kind.
    assert_eq!(connection.query["type"], "unknown");
    assert_eq!(connection.query["iface"], "[object NetworkInformation]");

    // Changes from the CLI reach the open page as change events.
    env.run(&["permission", "outbox", "background-sync", "block"])
        .success();
    let change = server.wait_for_report("permission-change", PAGE_TIMEOUT);
    assert_eq!(change.query["name"], "background-sync");
    assert_eq!(change.query["state"], "denied");
    let change = server.wait_for_report("worker-permission-change", PAGE_TIMEOUT);
    assert_eq!(change.query["state"], "denied");
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    wait_until("the notifications change", PAGE_TIMEOUT, || {
        server
            .reports("permission-change")
            .iter()
            .any(|r| r.query["name"] == "notifications" && r.query["state"] == "granted")
    });
    env.run(&["network", "metered"]).success();
    let change = server.wait_for_report("connection-change", PAGE_TIMEOUT);
    assert_eq!(change.query["saveData"], "true");
    assert_eq!(change.query["type"], "unknown");
    // The page relays it to the worker, whose navigator.connection fires too.
    let change = server.wait_for_report("worker-connection-change", PAGE_TIMEOUT);
    assert_eq!(change.query["saveData"], "true");
    env.run(&["network", "offline"]).success();
    wait_until("the offline change", PAGE_TIMEOUT, || {
        server
            .reports("connection-change")
            .iter()
            .any(|r| r.query["type"] == "none")
    });

    // The worker answers the same.
    server.instruct(json!({ "workerProbe": true }));
    let worker = server.wait_for_report("worker-state", PAGE_TIMEOUT);
    let permissions: serde_json::Value =
        serde_json::from_str(&worker.query["permissions"]).unwrap();
    assert_eq!(
        permissions,
        json!({
            "background-sync": "denied",
            "periodic-background-sync": "granted",
            "notifications": "granted"
        })
    );
    assert_eq!(worker.query["type"], "none");
    assert_eq!(worker.query["saveData"], "false");
}

#[test]
fn the_permission_command_lists_shows_sets_and_refuses_bad_input_changing_nothing() {
    let mut env = Env::new();
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    // With no host running, the command works on the store directly.
    let out = env.run(&["permission", "outbox"]).success().stdout;
    assert_eq!(
        out,
        "background-sync\tallow\nperiodic-background-sync\tallow\nnotifications\task\n"
    );
    env.start_host();
    let json_out = env
        .run(&["permission", "outbox", "notifications", "--json"])
        .success()
        .stdout;
    let one: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(
        one,
        json!({ "name": "notifications", "setting": "ask", "state": "prompt" })
    );

    let refused = [
        (
            vec!["permission", "nosuchapp"],
            "no installed app has the id \"nosuchapp\"",
        ),
        (
            vec!["permission", "outbox", "camera", "allow"],
            "unknown permission \"camera\"",
        ),
        (
            vec!["permission", "outbox", "background-sync", "maybe"],
            "unknown state \"maybe\"",
        ),
        (
            vec!["permission", "outbox", "background-sync", "ask"],
            "background-sync cannot be set to ask (it can be: allow, block)",
        ),
    ];
    for (args, message) in refused {
        let out = env.run(&args);
        assert_ne!(out.code, 0, "{args:?}");
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        if args.len() > 2 {
            assert_eq!(out.code, 2, "{args:?}");
        }
    }
    let rows: i64 = env
        .db()
        .query_row("SELECT count(*) FROM site_settings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "a refused change stored nothing");
    assert!(!env
        .log_events(None)
        .contains(&"Permission changed".to_owned()));

    let out = env
        .run(&["permission", "outbox", "periodic-background-sync", "block"])
        .success()
        .stdout;
    assert!(out.contains("set to block (was allow)"), "{out}");
    let out = env
        .run(&["permission", "outbox", "periodic-background-sync", "block"])
        .success()
        .stdout;
    assert!(out.contains("is already block"), "{out}");
    let all: serde_json::Value = serde_json::from_str(
        &env.run(&["permission", "outbox", "--json"])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(all[1]["state"], "denied");
    assert_eq!(
        env.log_events(Some("periodicsync")),
        ["Permission changed"],
        "logged once"
    );
}
