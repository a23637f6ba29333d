//! End-to-end test support for syncshell: a recording fixture web server and a harness that runs
//! the real binary under Xvfb and dbus-run-session. The tests themselves are in `tests/`.

pub mod bench;
pub mod chromium;
pub mod fixture;
pub mod harness;
pub mod notification_server;
pub mod outbox;
pub mod own_network;
pub mod process_tree;
pub mod session_bus;
pub mod small_disk;
pub mod tls;
pub mod tray_watcher;
pub mod webdriver;
