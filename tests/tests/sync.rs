//! Background Sync end to end: an unmodified outbox PWA in real WebKit, the worker shim injected
//! by the proxy, the scheduler and dispatcher in the real host, the fixture API as the judge.

use std::time::Duration;

use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};

/// Generous bound for a retry (2 s with the test parameters) plus a cold hidden window.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

fn posts(server: &FixtureServer) -> Vec<String> {
    server
        .received()
        .into_iter()
        .filter(|r| r.path == "/api/posts" && r.method == "POST")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect()
}

fn reports(server: &FixtureServer, event: &str) -> Vec<std::collections::HashMap<String, String>> {
    server
        .received()
        .into_iter()
        .filter(|r| r.path == "/report" && r.query.get("event").map(String::as_str) == Some(event))
        .map(|r| r.query)
        .collect()
}

/// Installs and opens the outbox fixture with short retry delays; returns once its worker is active.
fn outbox_app() -> (Env, FixtureServer) {
    let mut env = Env::new();
    env.set_env("SYNCSHELL_INITIAL_RETRY_DELAY", "2s");
    env.set_env("SYNCSHELL_RETRY_DELAY_FACTOR", "1");
    env.set_env("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", "1s");
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    env.start_host();
    env.run(&["network", "online"]).success();
    env.run(&["open", "outbox"]).success();
    let loaded = server.wait_for_report("loaded", PAGE_TIMEOUT);
    assert_eq!(
        loaded.query["syncManager"], "true",
        "the bridge defines SyncManager"
    );
    let ready = server.wait_for_report("sw-ready", PAGE_TIMEOUT);
    assert_eq!(ready.query["hasSync"], "true");
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
