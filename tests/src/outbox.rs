//! The outbox fixture PWA (`tests/fixtures/outbox/`), shared by the background-sync tests over
//! http and https: short retry delays, install, open, and what its API received.

use std::time::Duration;

use crate::fixture::{Canned, FixtureServer};
use crate::harness::{wait_until, Env, PAGE_TIMEOUT};

/// Retries after 2 s (not 5 and 15 min) and hidden windows that close after 1 s idle.
pub fn quick_retries(env: &mut Env) {
    env.set_env("SYNCSHELL_INITIAL_RETRY_DELAY", "2s");
    env.set_env("SYNCSHELL_RETRY_DELAY_FACTOR", "1");
    env.set_env("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", "1s");
}

/// Installs the outbox served by `server`, starts a host (online), opens the app, and returns
/// once its worker is active, checking that the bridge and the worker shim are in place.
pub fn install_and_open(env: &mut Env, server: &FixtureServer) {
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
    assert_eq!(
        ready.query["hasSync"], "true",
        "the worker shim was injected into the worker"
    );
}

/// Registers a one-off sync `tag` while offline, closes the window, and goes online: the sync
/// handler runs in a hidden window.
pub fn register_with_window_closed(env: &Env, server: &FixtureServer, tag: &str) {
    env.run(&["network", "offline"]).success();
    let before = server.reports("registered").len();
    server.instruct(serde_json::json!({ "register": tag }));
    wait_until("the registration", PAGE_TIMEOUT, || {
        server.reports("registered").len() > before
    });
    env.run(&["close", "outbox"]).success();
    env.run(&["network", "online"]).success();
}

/// Writes post `text` offline with the API hanging, closes the window and goes online; returns
/// once the handler, in a hidden window, has reached the API and hangs there (within `timeout`).
pub fn post_hanging_in_hidden_window(
    env: &Env,
    server: &FixtureServer,
    text: &str,
    timeout: Duration,
) {
    env.run(&["network", "offline"]).success();
    server.route("/api/posts", Canned::hang());
    server.instruct(serde_json::json!({ "post": text }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    env.run(&["close", "outbox"]).success();
    env.run(&["network", "online"]).success();
    wait_until(
        "the hidden window's handler to reach the API",
        timeout,
        || !posts(server).is_empty(),
    );
}

/// The bodies of the posts the outbox's API received.
pub fn posts(server: &FixtureServer) -> Vec<String> {
    server
        .received()
        .into_iter()
        .filter(|r| r.path == "/api/posts" && r.method == "POST")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect()
}
