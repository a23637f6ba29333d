//! Screenshots of the settings panel's tabs, light and dark (and one at 2x), with two fixture apps
//! installed, registrations waiting and a log: `make screenshots` (or `cargo run -p
//! syncshell-e2e --example panel_screenshots -- docs`). Runs the real host under Xvfb, driven by
//! WebKitWebDriver, as the panel's end-to-end tests do.

use std::path::PathBuf;

use serde_json::json;
use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;
use syncshell_e2e::session_bus::SessionBus;
use syncshell_e2e::webdriver::Panel;

const TABS: [&str; 5] = ["apps", "permissions", "registrations", "log", "about"];

fn shoot(panel: &Panel, dir: &std::path::Path, tab: &str, suffix: &str) {
    panel.click_css(&format!("#tab-button-{tab}"));
    panel.wait_for(
        &format!("the {tab} tab"),
        "const p = document.getElementById(arguments[0]); return p && !p.hidden && p.dataset.ready === 'true';",
        json!([format!("tab-{tab}")]),
    );
    if tab == "log" {
        // The tab reads the log when shown: wait for the entries; a selected one shows its
        // details, as a developer would look at it.
        panel.wait_for(
            "the log's entries",
            "return document.querySelectorAll('[data-testid=log-row]').length > 0;",
            json!([]),
        );
        panel.click_css("[data-testid=log-row]:last-of-type td");
    }
    let file = dir.join(format!("panel-{tab}-{suffix}.png"));
    std::fs::write(&file, panel.screenshot()).unwrap();
    println!("{}", file.display());
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs".into()));
    std::fs::create_dir_all(&dir).unwrap();
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);
    outbox::quick_retries(&mut env);
    let notes = FixtureServer::start(Some("notes"));
    env.run(&["install", &notes.url("/app/")]).success();
    let server = FixtureServer::start(Some("outbox"));
    server.route("/api/posts", Canned::status(503));

    // A world to look at: an app with a post waiting (its API is down), a periodic feed, a
    // blocked permission, and the log of all that.
    {
        let panel = Panel::start(&env);
        env.run(&["install", &server.url("/app/")]).success();
        env.run(&["open", "outbox"]).success();
        server.wait_for_report("sw-ready", PAGE_TIMEOUT);
        env.run(&["permission", "outbox", "notifications", "allow"])
            .success();
        env.run(&["permission", "notes", "periodic-background-sync", "block"])
            .success();
        server.instruct(json!({ "periodic": "news", "minInterval": 3_600_000 }));
        server.wait_for_report("periodic-registered", PAGE_TIMEOUT);
        server.instruct(json!({ "post": "Hello from the train", "tag": "outbox" }));
        server.wait_for_report("registered", PAGE_TIMEOUT);
        server.wait_for_report("sync-event", PAGE_TIMEOUT);
        // The app's window would cover the panel (no window manager under Xvfb), and WebKit
        // does not repaint a covered page: close it.
        env.run(&["close", "outbox"]).success();
        panel.set_size(1100, 720);
        for tab in TABS {
            shoot(&panel, &dir, tab, "light");
        }
        env.run(&["quit"]);
    }
    env.set_env("GTK_THEME", "Adwaita:dark");
    {
        let panel = Panel::start(&env);
        panel.set_size(1100, 720);
        for tab in TABS {
            shoot(&panel, &dir, tab, "dark");
        }
        env.run(&["quit"]);
    }
    env.set_env("GTK_THEME", "Adwaita");
    env.set_env("GDK_SCALE", "2");
    {
        let panel = Panel::start(&env);
        shoot(&panel, &dir, "permissions", "2x");
        env.run(&["quit"]);
    }
}
