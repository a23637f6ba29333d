//! The settings panel in the real host, driven with WebKitWebDriver: its IPC works from the
//! panel and nowhere else, under a strict Content-Security-Policy.

use serde_json::json;
use syncshell_e2e::fixture::FixtureServer;
use syncshell_e2e::harness::{Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;
use syncshell_e2e::session_bus::SessionBus;
use syncshell_e2e::webdriver::Panel;

#[test]
fn the_panels_commands_answer_the_panel_and_refuse_app_pages() {
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);
    let panel = Panel::start(&env);
    assert_eq!(panel.title(), "syncshell Settings");
    // Strict CSP: no eval, no inline script in the panel's own page.
    let csp = panel.execute(
        "try { eval('1'); return 'eval allowed'; } catch (e) { return e.name; }",
        json!([]),
    );
    assert_eq!(csp, "EvalError");
    let state = panel.invoke("panel_state", json!({})).unwrap();
    assert_eq!(state["apps"], json!([]));
    // Its launcher, "syncshell Settings", opens it.
    let launcher =
        std::fs::read_to_string(env.data_home().join("applications/syncshell.desktop")).unwrap();
    assert!(launcher.contains("Name=syncshell Settings\n"), "{launcher}");
    assert!(launcher.contains(" settings\n"), "{launcher}");
    assert_eq!(state["network"]["mode"], "auto");

    // An app page calling the panel's commands (as any script of an app could) is refused by
    // the grant, and nothing changes.
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    env.run(&["open", "outbox"]).success();
    server.wait_for_report("sw-ready", PAGE_TIMEOUT);
    for (cmd, args) in [
        ("panel_set_paused", json!({ "paused": true })),
        ("panel_state", json!({})),
        ("panel_log", json!({})),
    ] {
        let before = server.reports("error").len();
        server.instruct(json!({ "invoke": cmd, "args": args }));
        syncshell_e2e::harness::wait_until("the refusal", PAGE_TIMEOUT, || {
            server.reports("error").len() > before
        });
        let refusal = server.reports("error").pop().unwrap();
        assert!(
            refusal.query["text"].contains("not allowed"),
            "{cmd}: {:?}",
            refusal.query
        );
    }
    assert!(!env.run(&["status"]).success().stdout.contains("paused"));
    let state = panel.invoke("panel_state", json!({})).unwrap();
    assert_eq!(state["apps"][0]["id"], "outbox");
    assert_eq!(state["apps"][0]["windowOpen"], true);
    let _ = outbox::posts(&server);
}

/// Shows tab `name` and waits for its first load.
fn show_tab(panel: &Panel, name: &str) {
    panel.click_css(&format!("#tab-button-{name}"));
    panel.wait_for(
        &format!("the {name} tab"),
        "const p = document.getElementById(arguments[0]); return p && !p.hidden && p.dataset.ready === 'true';",
        json!([format!("tab-{name}")]),
    );
}

/// Whether the radio `setting` of `app`'s `permission` is checked in the panel.
fn checked_script() -> &'static str {
    "const box = document.querySelector(`[data-testid=\"permission-${arguments[0]}-${arguments[1]}\"] input[value=\"${arguments[2]}\"]`);
     return !!box && box.checked;"
}

/// Answers the GTK save dialog with `path`, as a user typing it and pressing Enter.
fn answer_save_dialog(env: &Env, path: &std::path::Path) {
    syncshell_e2e::harness::wait_until("the save dialog", PAGE_TIMEOUT, || {
        !env.x_tool(
            "xdotool",
            &[
                "search",
                "--onlyvisible",
                "--name",
                "^Save the background-services log$",
            ],
        )
        .stdout
        .trim()
        .is_empty()
    });
    let found = env.x_tool(
        "xdotool",
        &[
            "search",
            "--onlyvisible",
            "--name",
            "^Save the background-services log$",
        ],
    );
    let window = found.stdout.lines().next().unwrap().to_owned();
    env.x_tool("xdotool", &["windowfocus", "--sync", &window]);
    env.x_tool("xdotool", &["key", "--window", &window, "ctrl+a"]);
    env.x_tool(
        "xdotool",
        &["type", "--window", &window, &path.display().to_string()],
    );
    env.x_tool("xdotool", &["key", "--window", &window, "Return"]);
}

#[test]
fn the_panel_installs_sets_permissions_fires_saves_and_clears_the_log_and_uninstalls() {
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);
    outbox::quick_retries(&mut env);
    let server = FixtureServer::start(Some("outbox"));
    server.route("/api/posts", syncshell_e2e::fixture::Canned::status(201));
    let panel = Panel::start(&env);

    // Apps: empty, then a bad address gets the CLI's own words, then an install with its steps.
    show_tab(&panel, "apps");
    panel.find("[data-testid=apps-empty]:not([hidden])");
    let url_field = panel.find("[data-testid=install-url]");
    panel.type_into(&url_field, "ftp://127.0.0.1/app/");
    panel.click_css("[data-testid=install-button]");
    let shown = panel.wait_for(
        "the install error",
        "const e = document.querySelector('[data-testid=install-error]'); return e && !e.hidden && e.textContent;",
        json!([]),
    );
    let cli = env.run(&["install", "ftp://127.0.0.1/app/"]);
    let cli_words = cli.stderr.trim().trim_start_matches("syncshell: error: ");
    assert!(
        shown.as_str().unwrap().contains(cli_words),
        "{shown} vs {cli_words}"
    );
    panel.type_into(&url_field, &server.url("/app/"));
    panel.click_css("[data-testid=install-button]");
    panel.find("[data-testid=app-row][data-app=outbox]");
    let steps = panel.wait_for(
        "every install step done",
        "const s = [...document.querySelectorAll('[data-testid=install-steps] li')];
         return s.length === 4 && s.every((li) => li.dataset.state === 'done') && s.map((li) => li.dataset.step).join(',');",
        json!([]),
    );
    assert_eq!(steps, "page,manifest,icon,launcher");
    assert!(env.run(&["list"]).success().stdout.contains("outbox"));

    // Permissions: a click is stored (the CLI agrees); the CLI's change shows in the open panel.
    show_tab(&panel, "permissions");
    panel.click_css("[data-testid=permission-outbox-background-sync] input[value=block]");
    syncshell_e2e::harness::wait_until("the block stored", PAGE_TIMEOUT, || {
        env.run(&["permission", "outbox", "background-sync"])
            .stdout
            .contains("block")
    });
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    panel.wait_for(
        "the CLI's change in the panel",
        checked_script(),
        json!(["outbox", "notifications", "allow"]),
    );
    panel.click_css("[data-testid=permission-outbox-background-sync] input[value=allow]");
    panel.wait_for(
        "allowed again",
        checked_script(),
        json!(["outbox", "background-sync", "allow"]),
    );
    panel.click_css("[data-testid=pause]");
    syncshell_e2e::harness::wait_until("paused from the panel", PAGE_TIMEOUT, || {
        env.run(&["status"]).stdout.contains("paused")
    });
    panel.click_css("[data-testid=pause]");
    syncshell_e2e::harness::wait_until("resumed from the panel", PAGE_TIMEOUT, || {
        env.run(&["status"])
            .stdout
            .contains("background activity: running")
    });

    // Registrations: a sync made offline shows up live; "Fire" with Last chance reaches the worker.
    env.run(&["open", "outbox"]).success();
    server.wait_for_report("sw-ready", PAGE_TIMEOUT);
    // The Apps tab says the window is open, without a reload.
    panel.wait_for(
        "the window-open badge",
        "return [...document.querySelectorAll('[data-testid=app-row][data-app=outbox] .badge:not([hidden])')]
           .some((b) => b.textContent === 'Window open');",
        json!([]),
    );
    env.run(&["network", "offline"]).success();
    server.instruct(json!({ "register": "later" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    show_tab(&panel, "registrations");
    panel.find("[data-testid=registration-row][data-tag=later]");
    panel.click_css("[data-testid=last-chance]");
    panel.click_css("[data-testid=registration-row][data-tag=later] [data-testid=fire]");
    let fired = server.wait_for("the fired event", PAGE_TIMEOUT, |r| {
        r.is_report("sync-event") && r.query.get("tag").map(String::as_str) == Some("later")
    });
    assert_eq!(fired.query["lastChance"], "true");
    env.run(&["network", "online"]).success();

    // The log: filtered by service, saved as JSON where the user says, then cleared.
    show_tab(&panel, "log");
    // The fired event is in the log, as DevTools shows it (with lastChance in its details).
    panel.wait_for(
        "the fired event in the log",
        "return [...document.querySelectorAll('[data-testid=log-row]')].some((r) =>
           r.textContent.includes('Dispatched sync event') && r.textContent.includes('later'));",
        json!([]),
    );
    panel.execute(
        "const s = document.querySelector('[data-testid=log-service-filter]');
         s.value = 'notifications'; s.dispatchEvent(new Event('change'));",
        json!([]),
    );
    let events = panel.wait_for(
        "only notifications entries",
        "const rows = [...document.querySelectorAll('[data-testid=log-row]')];
         return rows.length > 0 && rows.every((r) => r.textContent.includes('Notifications')) && rows.length;",
        json!([]),
    );
    let saved = env.home().join("notifications-log.json");
    panel.click_css("[data-testid=log-save]");
    answer_save_dialog(&env, &saved);
    panel.wait_for(
        "the saved confirmation",
        "return document.getElementById('status').textContent.includes(arguments[0]);",
        json!([saved.display().to_string()]),
    );
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(json.len() as u64, events.as_u64().unwrap());
    assert!(json.iter().all(|e| e["service"] == "notifications"));
    assert_eq!(json[0]["event"], "Permission changed");
    panel.click_css("[data-testid=log-clear]");
    panel.click_css("[data-testid=log-clear-confirm]");
    panel.find("[data-testid=log-empty]:not([hidden])");
    assert!(env
        .run(&["log"])
        .success()
        .stdout
        .contains("The background-services log is empty"));

    // Uninstall, deleting its data: an app installed meanwhile goes from the panel, the CLI's
    // list and the disk. (Not the outbox: its window ran, so uninstalling it ends its WebKit
    // network process, and WebKit ends a WebDriver session when any network process ends,
    // measured; `install.rs` tests that path and that other apps' pages carry on.)
    let notes = FixtureServer::start(Some("notes"));
    env.run(&["install", &notes.url("/app/")]).success();
    show_tab(&panel, "apps");
    panel.click_css("[data-testid=app-row][data-app=notes] [data-testid=uninstall-app]");
    panel.click_css("[data-testid=uninstall-delete-data]");
    panel.click_css("[data-testid=uninstall-confirm]");
    panel.wait_for(
        "the app gone from the panel",
        "return !document.querySelector('[data-testid=app-row][data-app=notes]')
           && !!document.querySelector('[data-testid=app-row][data-app=outbox]');",
        json!([]),
    );
    assert!(!env.run(&["list"]).success().stdout.contains("notes"));
    let app_dir = env.data_home().join("syncshell/apps/notes");
    assert!(
        !app_dir.exists(),
        "left behind: {:?}",
        syncshell_e2e::harness::files_under(&app_dir)
    );
}

#[test]
fn the_panel_is_usable_from_the_keyboard() {
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    let panel = Panel::start(&env);
    show_tab(&panel, "apps");
    let selected = || {
        panel.execute(
            "return document.querySelector('[role=tab][aria-selected=true]').dataset.tab;",
            json!([]),
        )
    };
    // Arrow keys move along the tabs (vertical tab list: Down and Up), End and Home to the ends.
    let apps = panel.find("#tab-button-apps");
    panel.keys(&apps, "\u{E015}"); // ArrowDown
    assert_eq!(selected(), "permissions");
    let permissions = panel.find("#tab-button-permissions");
    panel.keys(&permissions, "\u{E010}"); // End
    assert_eq!(selected(), "about");
    let about = panel.find("#tab-button-about");
    panel.keys(&about, "\u{E011}"); // Home
    assert_eq!(selected(), "apps");
    // Enter on "Uninstall…" opens its dialog, Escape closes it without uninstalling, and the
    // focus goes back to the button.
    let uninstall =
        panel.find("[data-testid=app-row][data-app=outbox] [data-testid=uninstall-app]");
    panel.keys(&uninstall, "\u{E007}"); // Enter
    panel.wait_for(
        "the dialog open",
        "return document.querySelector('[data-testid=uninstall-dialog]').open;",
        json!([]),
    );
    let dialog_box = panel.find("[data-testid=uninstall-delete-data]");
    panel.keys(&dialog_box, "\u{E00C}"); // Escape
    panel.wait_for(
        "the dialog closed, the focus back",
        "return !document.querySelector('[data-testid=uninstall-dialog]').open
           && document.activeElement.dataset.testid === 'uninstall-app';",
        json!([]),
    );
    assert!(env.run(&["list"]).success().stdout.contains("outbox"));
    // Every form control shown has a label (its accessible name comes from a label, aria-label or
    // its text); a closed dialog's are not shown.
    let unlabelled = panel.execute(
        "return [...document.querySelectorAll('input, select, button')].filter((c) => {
           if (c.type === 'hidden' || c.closest('dialog:not([open])')) return false;
           const byLabel = c.labels && c.labels.length > 0;
           const byAria = c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
           const byText = c.tagName === 'BUTTON' && c.textContent.trim() !== '';
           return !(byLabel || byAria || byText);
         }).map((c) => c.outerHTML.slice(0, 80));",
        json!([]),
    );
    assert_eq!(unlabelled, json!([]), "controls without a name");
}
