//! The tray end to end, as a desktop shell sees it: a StatusNotifierWatcher of the test's own on
//! the test's session bus, the host's item and its dbusmenu read and clicked over D-Bus, and what
//! each click did checked with the CLI, the fixture app's server and X.

use serde_json::json;
use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;
use syncshell_e2e::session_bus::SessionBus;
use syncshell_e2e::tray_watcher::{MenuNode, TrayWatcher, TRAY_TIMEOUT};

const APP: &str = "Fixture Outbox";

/// `syncshell permission outbox --json`, as {name: state}.
fn permissions(env: &Env) -> serde_json::Map<String, serde_json::Value> {
    let out = env
        .run(&["permission", "outbox", "--json"])
        .success()
        .stdout;
    let all: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    all.into_iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["state"].clone()))
        .collect()
}

fn checked(menu: &MenuNode, path: &[&str]) -> bool {
    menu.find(path)
        .unwrap_or_else(|| panic!("no {path:?} in {:?}", menu.labels()))
        .checked()
}

/// `syncshell sync list --json`.
fn listed(env: &Env) -> Vec<serde_json::Value> {
    let out = env.run(&["sync", "list", "--json"]).success().stdout;
    serde_json::from_str(&out).unwrap()
}

#[test]
fn each_app_has_its_switches_and_background_sync_off_holds_a_pending_sync_until_on() {
    let bus = SessionBus::start();
    let watcher = TrayWatcher::start(&bus);
    let mut env = Env::new();
    env.use_session_bus(&bus);
    outbox::quick_retries(&mut env);
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);

    let menu = watcher.wait_for_menu("the app in the menu", |m| m.find(&[APP]).is_some());
    assert_eq!(
        menu.labels(),
        [
            APP,
            "---",
            "Pause background activity",
            "Settings…",
            "Quit syncshell"
        ]
    );
    assert_eq!(
        menu.find(&[APP]).unwrap().labels(),
        ["Open", "Background sync", "Notifications"]
    );
    assert!(checked(&menu, &[APP, "Background sync"]));
    assert!(!checked(&menu, &[APP, "Notifications"]), "ask is not on");
    assert!(!checked(&menu, &["Pause background activity"]));
    assert_eq!(
        watcher.tooltip(),
        ("syncshell".to_owned(), "1 app, all synced".to_owned())
    );
    assert_eq!(watcher.status(), "Active");
    let sizes: Vec<(i32, i32)> = watcher
        .icon_pixmaps()
        .iter()
        .map(|(w, h, data)| {
            assert_eq!(data.len(), (w * h * 4) as usize);
            (*w, *h)
        })
        .collect();
    assert_eq!(sizes, [(32, 32), (64, 64)]);

    // A post written offline waits: the tray says so.
    server.route("/api/posts", Canned::status(201));
    env.run(&["network", "offline"]).success();
    server.instruct(json!({ "post": "from the tray test", "tag": "outbox" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    wait_until("the tray to count the waiting sync", TRAY_TIMEOUT, || {
        watcher.tooltip().1 == "1 sync waiting"
    });
    assert_eq!(watcher.status(), "NeedsAttention");

    // Background sync off: both sync permissions blocked, the pending sync kept and held.
    watcher.click(&[APP, "Background sync"]);
    watcher.wait_for_menu("the switch off", |m| !checked(m, &[APP, "Background sync"]));
    let stored = permissions(&env);
    assert_eq!(stored["background-sync"], "denied");
    assert_eq!(stored["periodic-background-sync"], "denied");
    env.run(&["network", "online"]).success();
    wait_until("the sync to be held as blocked", TRAY_TIMEOUT, || {
        listed(&env)
            .first()
            .is_some_and(|r| r["held"]["reason"] == "blocked")
    });
    assert!(outbox::posts(&server).is_empty(), "nothing sent while off");

    // On again: it fires, once.
    watcher.click(&[APP, "Background sync"]);
    watcher.wait_for_menu("the switch on", |m| checked(m, &[APP, "Background sync"]));
    assert_eq!(permissions(&env)["background-sync"], "granted");
    wait_until("the held post", PAGE_TIMEOUT, || {
        outbox::posts(&server).len() == 1
    });
    wait_until("the tray to show it done", TRAY_TIMEOUT, || {
        watcher.tooltip().1 == "1 app, all synced"
    });
    assert_eq!(watcher.status(), "Active");
    assert_eq!(
        outbox::posts(&server),
        [json!({ "text": "from the tray test" }).to_string()]
    );

    // Notifications: a click allows them, the CLI agrees; the CLI's block shows in the tray.
    watcher.click(&[APP, "Notifications"]);
    watcher.wait_for_menu("notifications on", |m| checked(m, &[APP, "Notifications"]));
    assert_eq!(permissions(&env)["notifications"], "granted");
    env.run(&["permission", "outbox", "notifications", "block"])
        .success();
    watcher.wait_for_menu("the CLI's change", |m| !checked(m, &[APP, "Notifications"]));

    // Pause holds every app; the tooltip says so; a second click resumes.
    watcher.click(&["Pause background activity"]);
    watcher.wait_for_menu("paused", |m| checked(m, &["Pause background activity"]));
    assert!(env.run(&["status"]).success().stdout.contains("paused"));
    assert_eq!(watcher.tooltip().1, "Background activity paused");
    watcher.click(&["Pause background activity"]);
    watcher.wait_for_menu("resumed", |m| !checked(m, &["Pause background activity"]));
}

#[test]
fn install_and_uninstall_change_the_menu_settings_opens_the_panel_and_quit_ends_the_host() {
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);
    // The desktop's panel starts after the host (login order): the item registers when it comes.
    let host = env.start_host();
    let mut watcher = TrayWatcher::start(&bus);
    let menu = watcher.wait_for_menu("the empty menu", |m| !m.children.is_empty());
    let none = &menu.children[0];
    assert_eq!(none.label, "No apps installed");
    assert!(!none.enabled);

    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    watcher.wait_for_menu("the installed app", |m| m.find(&[APP]).is_some());
    env.run(&["uninstall", "outbox"]).success();
    watcher.wait_for_menu("the app gone", |m| m.find(&[APP]).is_none());

    // A panel that restarts: the item registers with the new watcher.
    watcher.leave();
    watcher.come_back();
    watcher.wait_for_menu("the menu again", |m| !m.children.is_empty());

    // "Settings…" opens the panel; a click on the icon raises the same one.
    watcher.click(&["Settings…"]);
    let panel_windows = || {
        let out = env.x_tool(
            "xdotool",
            &["search", "--onlyvisible", "--name", "^syncshell Settings$"],
        );
        out.stdout.lines().count()
    };
    wait_until("the settings window", PAGE_TIMEOUT, || panel_windows() == 1);
    watcher.activate();
    wait_until(
        "the host to answer after the icon click",
        PAGE_TIMEOUT,
        || env.run(&["status"]).code == 0,
    );
    assert_eq!(panel_windows(), 1, "raised, not opened twice");

    watcher.click(&["Quit syncshell"]);
    wait_until("the host to end", TRAY_TIMEOUT, || {
        env.host_exit(host).is_some()
    });
    assert_eq!(env.host_exit(host), Some(0));
}
