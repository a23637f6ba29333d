//! The `syncshell` command is small (no GTK, no WebKit) and hands everything it cannot answer
//! through a running host to `syncshell-host`, in its own process. The host, the resident, links
//! no GTK or WebKit either: those are the window process's (`syncshell-windows`).

use std::process::Command;

use syncshell_e2e::harness::Env;
use syncshell_e2e::session_bus::SessionBus;

/// The shared libraries a binary needs, as the dynamic loader resolves them.
fn linked_libraries(binary: &std::path::Path) -> String {
    let out = Command::new("ldd").arg(binary).output().expect("ldd runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn neither_the_command_nor_the_resident_links_gtk_or_webkit() {
    for binary in ["syncshell", "syncshell-host"] {
        let linked = linked_libraries(&Env::binary().with_file_name(binary));
        for heavy in ["libgtk", "libwebkit2gtk", "libgdk", "libglib", "libsoup"] {
            assert!(!linked.contains(heavy), "{binary} links {heavy}:\n{linked}");
        }
    }
    // The same check finds them in the window process's binary.
    let windows = linked_libraries(&Env::binary().with_file_name("syncshell-windows"));
    assert!(windows.contains("libwebkit2gtk-4.1"), "{windows}");
    assert!(windows.contains("libgtk-3"), "{windows}");
}

#[test]
fn the_host_it_starts_is_the_same_process() {
    let bus = SessionBus::start();
    let mut env = Env::new();
    env.use_session_bus(&bus);
    let index = env.start_host();
    // `syncshell --background` replaced itself with the host (exec): the pid the launcher
    // started is the host's, so its signals and exit status are the host's.
    let pid = env.spawned_pid(index);
    assert_eq!(env.host_pid(), Some(pid));
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert_eq!(exe.file_name().unwrap(), "syncshell-host");
    let status = env.run(&["status"]).success().stdout;
    assert!(status.contains(&format!("(pid {pid})")), "{status}");
    env.run(&["quit"]).success();
}

#[test]
fn without_its_host_binary_it_answers_what_it_can_and_says_what_is_missing() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let lone = dir.path().join("syncshell");
    std::fs::copy(Env::binary(), &lone).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(&lone);
        cmd.args(args);
        env.apply_env(&mut cmd);
        cmd.output().unwrap()
    };
    let status = run(&["status"]);
    assert_eq!(status.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "syncshell host: not running\n"
    );
    let list = run(&["list"]);
    assert_eq!(list.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&list.stderr),
        format!(
            "syncshell: error: cannot start {}: No such file or directory (os error 2)\n",
            dir.path().join("syncshell-host").display()
        )
    );
    // Its own arguments are checked before anything is handed over.
    let bad = run(&["open"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("<APP_ID>"));
}
