//! Desktop notifications end to end: the real host on a session bus of the test's own with a real
//! notification server (python3-dbusmock's notification_daemon), the outbox fixture in real WebKit,
//! a worker showing notifications with its window closed, and clicks routed back.

use std::time::Duration;

use serde_json::json;
use syncshell_e2e::fixture::FixtureServer;
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::notification_server::NotificationServer;
use syncshell_e2e::outbox;
use syncshell_e2e::session_bus::SessionBus;

const EVENTS_TIMEOUT: Duration = Duration::from_secs(60);

/// The outbox installed and open on `bus`, with quick retries.
fn outbox_on(bus: &SessionBus) -> (Env, FixtureServer) {
    let mut env = Env::new();
    env.use_session_bus(bus);
    outbox::quick_retries(&mut env);
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    (env, server)
}

/// The outbox fixture's icon, which its worker's notifications show.
fn fixture_icon() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/outbox/app/icon-192.png")
}

/// The server's id of syncshell's notifications, oldest first, from the SQLite file.
fn server_ids(env: &Env) -> Vec<u32> {
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT server_id FROM notifications ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_worker_notification_with_the_window_closed_replaces_by_tag_and_its_click_opens_the_app() {
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions body-markup");
    let (env, server) = outbox_on(&bus);
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();

    outbox::register_with_window_closed(&env, &server, "notify-1");
    let calls = desktop.wait_for_calls(1, EVENTS_TIMEOUT);
    server.wait_for_report("notified", EVENTS_TIMEOUT);
    let first = &calls[0];
    // Attributed to the app, not to syncshell: its name, its launcher, its icon.
    assert_eq!(first.app_name, "Fixture Outbox");
    assert_eq!(first.hints["desktop-entry"], "syncshell-outbox");
    // The notification's own icon, fetched into a file (the fixture's icon is a PNG).
    assert!(
        first.icon.contains("notification-icons") && first.icon.ends_with(".png"),
        "{first:?}"
    );
    assert_eq!(
        std::fs::read(&first.icon).unwrap(),
        std::fs::read(fixture_icon()).unwrap()
    );
    // Fetched by the worker, in the app's context: with the app's cookie.
    let icon_requests = server.count(|r| {
        r.path == "/app/icon-192.png"
            && r.headers
                .get("cookie")
                .is_some_and(|c| c.contains("session=outbox-user"))
    });
    assert_eq!(icon_requests, 1, "{:?}", server.received());
    assert_eq!(first.summary, "Posted");
    assert_eq!(first.body, "Your post was published (notify-1)");
    assert_eq!(
        first.actions,
        ["default", "", "action-0", "Read", "action-1", "Mute"]
    );
    assert_eq!(first.replaces_id, 0);
    assert_eq!(first.timeout, -1);
    let status = env.run(&["status"]).success().stdout;
    assert!(status.contains("open windows: none"), "{status}");
    let first_id = server_ids(&env)[0];

    // The same tag again replaces it.
    env.run(&["open", "outbox"]).success();
    wait_until("the page again", PAGE_TIMEOUT, || {
        server.reports("sw-ready").len() == 2
    });
    outbox::register_with_window_closed(&env, &server, "notify-2");
    let calls = desktop.wait_for_calls(2, EVENTS_TIMEOUT);
    assert_eq!(calls[1].replaces_id, first_id);
    let ids = server_ids(&env);
    assert_eq!(ids.len(), 1, "the replaced one is forgotten");

    // The user clicks its second button: the worker gets the click and opens the app there.
    desktop.click(ids[0], "action-1");
    let click = server.wait_for_report("notification-click", EVENTS_TIMEOUT);
    assert_eq!(click.query["action"], "mute");
    assert_eq!(click.query["tag"], "post");
    assert_eq!(click.query["data"], r#"{"tag":"notify-2"}"#);
    server.wait_for(
        "the app's window at the notification's URL",
        EVENTS_TIMEOUT,
        |r| r.path == "/app/" && r.query.get("from").map(String::as_str) == Some("notification"),
    );
    wait_until("the window to be open", EVENTS_TIMEOUT, || {
        env.run(&["status"])
            .success()
            .stdout
            .contains("open windows: outbox")
    });
    // Really on screen: a mapped X window with the app's title.
    let visible = env
        .x_tool(
            "xdotool",
            &[
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                "^Fixture Outbox$",
            ],
        )
        .success();
    assert!(!visible.stdout.trim().is_empty());
    let opened = server.wait_for_report("opened", EVENTS_TIMEOUT);
    assert!(
        opened.query["result"].ends_with("/app/?from=notification"),
        "{:?}\nhost log:\n{}",
        opened.query,
        env.host_log(0)
    );
    let log = env.log_events(Some("notifications"));
    assert!(
        log.contains(&"Notification displayed".to_owned()),
        "{log:?}"
    );
    assert!(log.contains(&"Notification clicked".to_owned()), "{log:?}");

    // The user dismisses it: the worker hears of it and it is forgotten.
    desktop.dismiss(ids[0]);
    server.wait_for_report("notification-close", EVENTS_TIMEOUT);
    wait_until("the notification to be forgotten", EVENTS_TIMEOUT, || {
        server_ids(&env).is_empty()
    });
}

#[test]
fn without_permission_or_without_a_server_the_worker_and_the_cli_are_told_why() {
    let bus = SessionBus::start();
    let (env, server) = outbox_on(&bus);
    // Permission "ask" (the default): refused with the spec's TypeError.
    outbox::register_with_window_closed(&env, &server, "notify-denied");
    let error = server.wait_for_report("notify-error", EVENTS_TIMEOUT);
    assert_eq!(error.query["name"], "TypeError");
    assert_eq!(
        error.query["message"],
        "No notification permission has been granted for this origin."
    );

    // Allowed, but no notification server on the bus.
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    env.run(&["open", "outbox"]).success();
    wait_until("the page again", PAGE_TIMEOUT, || {
        server.reports("sw-ready").len() == 2
    });
    outbox::register_with_window_closed(&env, &server, "notify-no-server");
    wait_until("the second refusal", EVENTS_TIMEOUT, || {
        server.reports("notify-error").len() == 2
    });
    let error = &server.reports("notify-error")[1];
    assert_eq!(
        error.query["message"],
        "no notification server is running on the session bus"
    );
    env.run(&["status"]).success();
    let log = env.log_events(Some("notifications"));
    assert!(log.contains(&"Notification failed".to_owned()), "{log:?}");

    // The CLI's test notification says the same.
    let out = env.run(&["notify", "outbox", "Hello"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("no notification server"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_page_notification_reaches_the_desktop_as_the_app_and_its_click_reaches_the_page() {
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions");
    let (env, server) = outbox_on(&bus);
    // Without permission the page's notification fires `error`.
    server.instruct(json!({ "pageNotify": "Denied" }));
    server.wait_for_report("page-notification-error", PAGE_TIMEOUT);
    assert_eq!(
        server.reports("page-permission")[0].query["permission"],
        "default"
    );
    // Blocked: the same, and Notification.permission says so.
    env.run(&["permission", "outbox", "notifications", "block"])
        .success();
    server.instruct(json!({ "pageNotify": "Blocked" }));
    wait_until("the second error", EVENTS_TIMEOUT, || {
        server.reports("page-notification-error").len() == 2
    });
    assert_eq!(
        server.reports("page-permission")[1].query["permission"],
        "denied"
    );
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    server.instruct(json!({ "pageNotify": "Hi" }));
    server.wait_for_report("page-notification-shown", EVENTS_TIMEOUT);
    assert_eq!(
        server.reports("page-permission")[2].query["permission"],
        "granted",
        "Notification.permission follows the CLI"
    );
    let calls = desktop.wait_for_calls(1, EVENTS_TIMEOUT);
    assert_eq!(calls[0].app_name, "Fixture Outbox");
    assert_eq!(calls[0].summary, "Hi");
    assert_eq!(calls[0].body, "from the page");
    assert_eq!(calls[0].hints["desktop-entry"], "syncshell-outbox");
    assert_eq!(
        calls[0].actions,
        ["default", ""],
        "no buttons on a page notification"
    );
    let scope: Option<String> = env
        .db()
        .query_row("SELECT scope FROM notifications", [], |r| r.get(0))
        .unwrap();
    assert_eq!(scope, None, "stored as the page's");
    desktop.click(server_ids(&env)[0], "default");
    let click = server.wait_for_report("page-notification-click", EVENTS_TIMEOUT);
    assert_eq!(click.query["title"], "Hi");
    desktop.dismiss(server_ids(&env)[0]);
    server.wait_for_report("page-notification-close", EVENTS_TIMEOUT);

    // The page's registration.showNotification: persistent, listed, and its click goes to the
    // worker.
    server.instruct(json!({ "regNotify": "From the registration" }));
    let listed = server.wait_for_report("reg-notified", EVENTS_TIMEOUT);
    assert_eq!(listed.query["listed"], "1");
    assert_eq!(listed.query["title"], "From the registration");
    let calls = desktop.wait_for_calls(2, EVENTS_TIMEOUT);
    assert_eq!(calls[1].body, "from the registration");
    desktop.click(server_ids(&env)[0], "default");
    let click = server.wait_for_report("notification-click", EVENTS_TIMEOUT);
    assert_eq!(click.query["tag"], "reg");
    assert_eq!(click.query["action"], "");
}

/// Answers the permission prompt on the app's window with `key` (the buttons' mnemonics: alt+a
/// Allow, alt+b Block; Escape closes it), as a user at the keyboard would.
fn answer_prompt(env: &Env, key: &str) {
    let found = env
        .x_tool(
            "xdotool",
            &[
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                "^Notifications for Fixture Outbox$",
            ],
        )
        .success();
    let id = found.stdout.lines().next().expect("the prompt").to_owned();
    env.x_tool("xdotool", &["windowfocus", "--sync", &id])
        .success();
    if let Ok(shot) = std::env::var("SYNCSHELL_SCREENSHOT") {
        let _ = std::process::Command::new("import")
            .args(["-window", "root", &shot])
            .env("DISPLAY", env.display())
            .status();
    }
    env.x_tool("xdotool", &["key", key]).success();
}

#[test]
fn request_permission_asks_on_the_apps_window_and_remembers_the_answer() {
    let bus = SessionBus::start();
    let (env, server) = outbox_on(&bus);
    let results = || server.reports("permission-result");
    let stored = || {
        env.run(&["permission", "outbox", "notifications"])
            .success()
            .stdout
    };

    // Closed without an answer: still "default", nothing stored.
    server.instruct(json!({ "requestPermission": true }));
    answer_prompt(&env, "Escape");
    wait_until("the first answer", EVENTS_TIMEOUT, || results().len() == 1);
    assert_eq!(results()[0].query["result"], "default");
    assert_eq!(stored(), "notifications\task\n");

    // Allowed: remembered as if set from the CLI, and logged.
    server.instruct(json!({ "requestPermission": true }));
    answer_prompt(&env, "alt+a");
    wait_until("the second answer", EVENTS_TIMEOUT, || results().len() == 2);
    assert_eq!(results()[1].query["result"], "granted");
    assert_eq!(stored(), "notifications\tallow\n");
    assert!(env
        .log_events(Some("notifications"))
        .contains(&"Permission changed".to_owned()));

    // Asked again once allowed: answered at once, no prompt.
    server.instruct(json!({ "requestPermission": true }));
    wait_until("the third answer", EVENTS_TIMEOUT, || results().len() == 3);
    assert_eq!(results()[2].query["result"], "granted");

    // Back to ask, then blocked from the prompt.
    env.run(&["permission", "outbox", "notifications", "ask"])
        .success();
    server.instruct(json!({ "requestPermission": true }));
    answer_prompt(&env, "alt+b");
    wait_until("the fourth answer", EVENTS_TIMEOUT, || results().len() == 4);
    assert_eq!(results()[3].query["result"], "denied");
    assert_eq!(stored(), "notifications\tblock\n");
}

#[test]
fn another_app_cannot_close_or_list_this_apps_notifications() {
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions");
    let (env, server) = outbox_on(&bus);
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    env.run(&["notify", "outbox", "Private"]).success();
    desktop.wait_for_calls(1, EVENTS_TIMEOUT);
    let id: i64 = env
        .db()
        .query_row("SELECT id FROM notifications", [], |r| r.get(0))
        .unwrap();

    // A second app, on another origin, open in its own window.
    let other = FixtureServer::start(Some("outbox"));
    env.run(&["install", &other.url("/app/")]).success();
    let listed: serde_json::Value =
        serde_json::from_str(&env.run(&["list", "--json"]).success().stdout).unwrap();
    let other_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["origin"] == other.origin())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.run(&["open", &other_id]).success();
    other.wait_for_report("sw-ready", PAGE_TIMEOUT);

    other.instruct(json!({ "invoke": "close_notification", "args": { "id": id } }));
    let refused = other.wait_for_report("error", EVENTS_TIMEOUT);
    assert_eq!(refused.query["text"], "NotFoundError: no such notification");
    let scope = server.url("/app/");
    other.instruct(json!({ "invoke": "get_notifications", "args": { "scope": scope } }));
    wait_until("the second refusal", EVENTS_TIMEOUT, || {
        other.reports("error").len() == 2
    });
    assert_eq!(
        other.reports("error")[1].query["text"],
        "SecurityError: the scope is not of the caller's origin"
    );
    let left: i64 = env
        .db()
        .query_row("SELECT count(*) FROM notifications", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1, "the first app's notification is still there");
}

#[test]
fn a_worker_cannot_open_a_window_without_a_click() {
    let bus = SessionBus::start();
    let (env, server) = outbox_on(&bus);
    env.run(&["close", "outbox"]).success();
    env.run(&["open", "outbox"]).success();
    wait_until("the page again", PAGE_TIMEOUT, || {
        server.reports("sw-ready").len() == 2
    });
    server.instruct(json!({ "workerOpen": "/app/?unasked" }));
    let attempt = server.wait_for_report("open-attempt", EVENTS_TIMEOUT);
    assert_eq!(
        attempt.query["result"],
        "InvalidAccessError: Not allowed to open a window."
    );
    assert_eq!(
        server.count(|r| r.query.contains_key("unasked")),
        0,
        "nothing was loaded"
    );
}

#[test]
fn a_server_that_never_answers_costs_a_bounded_wait_and_blocks_nothing() {
    let bus = SessionBus::start();
    // Owns the name and never answers (no main loop): a frozen notification daemon.
    let _frozen = Frozen::start(&bus);
    let (env, server) = outbox_on(&bus);
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    outbox::register_with_window_closed(&env, &server, "notify-frozen");
    // While the worker waits, the host answers.
    env.run(&["status"]).success();
    env.run(&["sync", "list"]).success();
    let error = server.wait_for_report("notify-error", EVENTS_TIMEOUT);
    assert!(
        error.query["message"].contains("did not answer"),
        "{:?}",
        error.query
    );
    let out = env.run(&["notify", "outbox", "Hello"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("did not answer"), "{}", out.stderr);
}

/// A process that owns org.freedesktop.Notifications on `bus` and never answers a call.
struct Frozen(std::process::Child);

impl Frozen {
    fn start(bus: &SessionBus) -> Self {
        let child = std::process::Command::new("/usr/bin/python3")
            .args([
                "-c",
                "import dbus, sys, time\n\
                 bus = dbus.SessionBus()\n\
                 bus.request_name('org.freedesktop.Notifications')\n\
                 print('owned', flush=True)\n\
                 time.sleep(600)\n",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with dbus-python");
        let mut child = child;
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line.trim(), "owned");
        Self(child)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_cli_shows_a_test_notification_as_the_app() {
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions");
    let mut env = Env::new();
    env.use_session_bus(&bus);
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    env.start_host();
    let refused = env.run(&["notify", "outbox", "Hello"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("No notification permission"),
        "{}",
        refused.stderr
    );
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    let out = env
        .run(&["notify", "outbox", "Hello", "--body", "a <b>world</b>"])
        .success()
        .stdout;
    assert!(out.contains("Shown as Fixture Outbox"), "{out}");
    let calls = desktop.wait_for_calls(1, EVENTS_TIMEOUT);
    assert_eq!(calls[0].app_name, "Fixture Outbox");
    assert_eq!(calls[0].summary, "Hello");
    // No body-markup capability: the text goes as it is.
    assert_eq!(calls[0].body, "a <b>world</b>");
    assert_eq!(calls[0].hints["desktop-entry"], "syncshell-outbox");
}

#[test]
fn a_frame_of_the_apps_origin_shares_its_page_api_and_a_foreign_frame_gets_none() {
    let bus = SessionBus::start();
    let (env, server) = outbox_on(&bus);
    let foreign = FixtureServer::start(Some("outbox"));
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    server.instruct(json!({ "frames": foreign.url("/app/frame.html") }));

    // The app's own frame: its page's API, and the app's permission from the first script on.
    let own = server.wait_for_report("frame", PAGE_TIMEOUT);
    assert_eq!(own.query.get("error"), None, "{:?}", own.query);
    assert_eq!(own.query["syncManager"], "true");
    assert_eq!(own.query["permission"], "granted");
    assert_eq!(own.query["requested"], "granted");
    assert_eq!(own.query["registered"], "true");
    let fired = server.wait_for(
        "the frame's sync in the app's worker",
        EVENTS_TIMEOUT,
        |r| {
            r.is_report("sync-event")
                && r.query.get("tag").map(String::as_str) == Some("from-frame")
        },
    );
    assert_eq!(fired.query["lastChance"], "false");

    // A frame of another origin: WebKit's own API, no bridge to the host, its request denied
    // (as Chromium denies cross-origin frames) without a prompt.
    let other = foreign.wait_for_report("frame", PAGE_TIMEOUT);
    assert_eq!(other.query["syncManager"], "false", "{:?}", other.query);
    assert_eq!(other.query["permission"], "default");
    assert_eq!(other.query["requested"], "denied");
}
