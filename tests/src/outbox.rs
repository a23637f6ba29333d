//! The outbox fixture PWA (`tests/fixtures/outbox/`), shared by the background-sync tests over
//! http and https: short retry delays, install, open, and what its API received.

use crate::fixture::FixtureServer;
use crate::harness::{Env, PAGE_TIMEOUT};

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

/// The bodies of the posts the outbox's API received.
pub fn posts(server: &FixtureServer) -> Vec<String> {
    server
        .received()
        .into_iter()
        .filter(|r| r.path == "/api/posts" && r.method == "POST")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect()
}
