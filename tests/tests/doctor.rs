//! `syncshell doctor` against a real session: with a notification server and a tray watcher of the
//! test's own and a running host everything is fine; without them it says what is missing; a
//! runtime directory others can enter is a failure with its fix.

use syncshell_e2e::fixture::FixtureServer;
use syncshell_e2e::harness::Env;
use syncshell_e2e::notification_server::NotificationServer;
use syncshell_e2e::session_bus::SessionBus;
use syncshell_e2e::tray_watcher::TrayWatcher;

fn line<'a>(out: &'a str, what: &str) -> &'a str {
    out.lines()
        .find(|l| l.get(6..).is_some_and(|rest| rest.starts_with(what)))
        .unwrap_or_else(|| panic!("no {what} line in:\n{out}"))
}

#[test]
fn doctor_says_what_the_desktop_has_and_what_to_fix() {
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);

    // A bare session: no host, no notification server, no tray.
    let bare = env.run(&["doctor"]);
    assert_eq!(bare.code, 0, "warnings only:\n{}", bare.stdout);
    assert!(line(&bare.stdout, "host:").starts_with("warn"));
    assert!(line(&bare.stdout, "notification server:").starts_with("warn"));
    assert!(line(&bare.stdout, "tray:").starts_with("warn"));
    assert!(bare.stdout.contains("AppIndicator"), "{}", bare.stdout);

    // The desktop a user should have: everything fine, and the host's proxy answering.
    let _desktop = NotificationServer::start(&bus, "body actions");
    let _tray = TrayWatcher::start(&bus);
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    env.start_host();
    let fine = env.run(&["doctor"]);
    assert_eq!(fine.code, 0, "{}", fine.stdout);
    for what in [
        "host:",
        "session bus:",
        "notification server:",
        "tray:",
        "start at login:",
        "trust store:",
        "data directory:",
        "runtime directory:",
        "local proxy:",
    ] {
        assert!(
            line(&fine.stdout, what).starts_with("ok"),
            "{what}\n{}",
            fine.stdout
        );
    }
    assert!(line(&fine.stdout, "notification server:").contains("actions"));

    // A runtime directory others can enter: a failure, with the command that fixes it.
    let runtime = env.runtime_dir().join("syncshell");
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let fails_with_its_fix = |what: &str, dir: &std::path::Path| {
        let broken = env.run(&["doctor"]);
        assert_eq!(broken.code, 1, "{}", broken.stdout);
        assert!(
            line(&broken.stdout, what).starts_with("FAIL"),
            "{}",
            broken.stdout
        );
        assert!(
            broken
                .stdout
                .contains(&format!("-> chmod 700 {}", dir.display())),
            "{}",
            broken.stdout
        );
    };
    fails_with_its_fix("runtime directory:", &runtime);

    // A data directory others can read (the apps' cookies, worker tokens, the CA key): the same.
    let data = env.data_home().join("syncshell");
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    fails_with_its_fix("data directory:", &data);
    // Moved to another disk and linked back: fine, when the real directory is private.
    let moved = env.home().join("other-disk/syncshell");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&data, &moved).unwrap();
    std::fs::set_permissions(&moved, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&moved, &data).unwrap();
    let linked = env.run(&["doctor"]);
    assert!(
        line(&linked.stdout, "data directory:").starts_with("ok"),
        "{}",
        linked.stdout
    );
}
