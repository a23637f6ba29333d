//! The resident and the window process: the host that stays (`syncshell-host`) holds no GTK or
//! WebKit and starts the window process (`syncshell-windows`) only while a window is needed; the
//! window process ends once it has had no window for `window_process_linger`, and one that dies
//! fails what was in it, which is retried in a new one.

use std::time::Duration;

use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::notification_server::NotificationServer;
use syncshell_e2e::outbox::{self, posts};
use syncshell_e2e::session_bus::SessionBus;

/// Generous bound for a retry (2 s with the test parameters) plus a cold window process.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

/// The outbox app installed and open, with quick retries and a window process that lingers 1 s;
/// the host logs its steps (`SYNCSHELL_TIMING`), each start of the window process among them.
fn outbox_app() -> (Env, FixtureServer) {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_WINDOW_PROCESS_LINGER", "1s");
    env.set_env("SYNCSHELL_TIMING", "1");
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    (env, server)
}

/// Waits until no window process runs.
fn wait_for_no_window_process(env: &Env) {
    wait_until("the window process to end", SYNC_TIMEOUT, || {
        env.window_process_pid().is_none()
    });
}

#[test]
fn the_window_process_runs_while_a_window_is_open_and_ends_after_its_linger() {
    let (env, server) = outbox_app();
    let first = env
        .window_process_pid()
        .expect("a window process for the open app");
    // Open, it stays, however long.
    let status = env.run(&["status"]).success().stdout;
    assert!(status.contains("open windows: outbox"), "{status}");
    // Closed, it ends after its linger time (1 s here); the resident stays.
    env.run(&["close", "outbox"]).success();
    wait_for_no_window_process(&env);
    let status = env.run(&["status"]).success().stdout;
    assert!(status.contains("open windows: none"), "{status}");
    // Opening the app again starts a new one, and the page comes back.
    env.run(&["open", "outbox"]).success();
    wait_until("the app to load again", PAGE_TIMEOUT, || {
        server.reports("loaded").len() == 2
    });
    let second = env.window_process_pid().expect("a new window process");
    assert_ne!(first, second);
}

#[test]
fn a_post_waiting_for_the_network_keeps_the_window_process_and_it_ends_once_sent() {
    let (env, server) = outbox_app();
    server.route("/api/posts", Canned::status(201));
    env.run(&["network", "offline"]).success();
    server.instruct(serde_json::json!({ "post": "sent the moment the network is back" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    let warm = env.window_process_pid().expect("the window process");
    env.run(&["close", "outbox"]).success();
    // A bounded look, past its linger time (1 s) and the hidden window's idle time (1 s): with a
    // post waiting for the network, the window process stays, with no window.
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(env.window_process_pid(), Some(warm));
    assert!(env
        .run(&["status"])
        .success()
        .stdout
        .contains("open windows: none"));

    // Back online: the post goes out from the process that was kept, which then ends.
    env.run(&["network", "online"]).success();
    wait_until("the post", SYNC_TIMEOUT, || posts(&server).len() == 1);
    let log = env.host_log(0);
    assert_eq!(
        log.matches("window-process-start").count(),
        1,
        "one start, for the app's window, and none after: {log}"
    );
    wait_for_no_window_process(&env);
    assert_eq!(env.log_events(None).last().unwrap(), "sync event completed");
}

#[test]
fn a_retry_due_with_no_window_process_starts_one() {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_INITIAL_RETRY_DELAY", "6s");
    env.set_env("SYNCSHELL_WINDOW_PROCESS_LINGER", "1s");
    env.set_env("SYNCSHELL_TIMING", "1");
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    server.route("/api/posts", Canned::status(503));
    server.instruct(serde_json::json!({ "post": "retried from a cold start" }));
    wait_until("the first attempt", SYNC_TIMEOUT, || {
        posts(&server).len() == 1
    });
    env.run(&["close", "outbox"]).success();
    server.route("/api/posts", Canned::status(201));
    // Online, the retry 6 s away: nothing keeps the window process.
    wait_for_no_window_process(&env);
    assert_eq!(posts(&server).len(), 1, "the retry came early");
    wait_until("the retry to deliver", SYNC_TIMEOUT, || {
        posts(&server).len() == 2
    });
    assert!(
        env.host_log(0).matches("window-process-start").count() >= 2,
        "the retry started a new window process"
    );
    wait_until("the log to say so", SYNC_TIMEOUT, || {
        env.log_events(None).last().map(String::as_str) == Some("sync event completed")
    });
}

#[test]
fn a_window_process_killed_mid_event_fails_it_and_the_retry_delivers_in_a_new_one() {
    let (env, server) = outbox_app();
    outbox::post_hanging_in_hidden_window(
        &env,
        &server,
        "outlives its window process",
        SYNC_TIMEOUT,
    );
    let doomed = env.window_process_pid().expect("the window process");

    server.route("/api/posts", Canned::status(201));
    // SAFETY: kill(2) on the window process of our own host.
    assert_eq!(unsafe { libc::kill(doomed as i32, libc::SIGKILL) }, 0);
    wait_until("the failure to be logged", SYNC_TIMEOUT, || {
        env.sync_failures_saying("the window process ended") == 1
    });
    // The resident lives on; the retry starts a new window process and delivers.
    wait_until("the retry to deliver", SYNC_TIMEOUT, || {
        posts(&server).len() == 2
    });
    assert_eq!(
        posts(&server),
        [
            r#"{"text":"outlives its window process"}"#,
            r#"{"text":"outlives its window process"}"#
        ]
    );
    wait_until("the log to say so", SYNC_TIMEOUT, || {
        env.log_events(None).last().map(String::as_str) == Some("sync event completed")
    });
    assert!(env.run(&["status"]).success().stdout.contains("running"));
}

#[test]
fn a_notification_click_with_no_window_process_reaches_the_worker_and_opens_the_app() {
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions");
    let mut env = Env::new();
    env.use_session_bus(&bus);
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_WINDOW_PROCESS_LINGER", "1s");
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    // The worker notifies from a sync event run with the window closed.
    outbox::register_with_window_closed(&env, &server, "notify-cold");
    let calls = desktop.wait_for_calls(1, SYNC_TIMEOUT);
    assert_eq!(calls[0].app_name, "Fixture Outbox");
    // Everything with a window is gone; the notification stays on the desktop.
    wait_for_no_window_process(&env);
    let id: u32 = env
        .db()
        .query_row("SELECT server_id FROM notifications", [], |r| r.get(0))
        .unwrap();
    // The click starts a window process, reaches the worker, and its openWindow opens the app.
    desktop.click(id, "default");
    server.wait_for_report("notification-click", SYNC_TIMEOUT);
    wait_until("the app's window", SYNC_TIMEOUT, || {
        env.run(&["status"])
            .success()
            .stdout
            .contains("open windows: outbox")
    });
    assert!(env.window_process_pid().is_some());
}

#[test]
fn the_settings_panel_starts_a_window_process_and_quitting_ends_both() {
    let mut env = Env::new();
    env.set_env("SYNCSHELL_WINDOW_PROCESS_LINGER", "1s");
    let host = env.start_host();
    assert_eq!(env.window_process_pid(), None);
    env.run(&["settings"]).success();
    let windows = env
        .window_process_pid()
        .expect("a window process for the panel");
    // The panel is a window: the process stays while it is open.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(env.window_process_pid(), Some(windows));
    env.run(&["quit"]).success();
    wait_until("the host to exit", SYNC_TIMEOUT, || {
        env.host_exit(host).is_some()
    });
    wait_until("the window process to end with it", SYNC_TIMEOUT, || {
        !std::path::Path::new(&format!("/proc/{windows}")).exists()
    });
}
