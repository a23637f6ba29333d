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
