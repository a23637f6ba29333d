//! A real notification server for end-to-end tests: Debian's `python3-dbusmock` with its
//! `notification_daemon` template on the test's own session bus. The test reads what the host
//! sent (`Notify` calls) and clicks or closes notifications by emitting the server's signals.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde::Deserialize;

use crate::harness::wait_until;
use crate::session_bus::SessionBus;

/// The system Python, where Debian installs dbusmock and dbus-python (a `python3` earlier in
/// PATH, e.g. pyenv's, has neither).
const PYTHON: &str = "/usr/bin/python3";

/// One `Notify` call as the server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Notified {
    /// `app_name`.
    pub app_name: String,
    /// `replaces_id`.
    pub replaces_id: u32,
    /// `app_icon`.
    pub icon: String,
    /// `summary`.
    pub summary: String,
    /// `body`.
    pub body: String,
    /// `actions`: key, label, key, label...
    pub actions: Vec<String>,
    /// Hints, as text (booleans as true/false).
    pub hints: serde_json::Map<String, serde_json::Value>,
    /// `expire_timeout`.
    pub timeout: i32,
}

/// A mock org.freedesktop.Notifications.
pub struct NotificationServer {
    address: String,
    mock: Child,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/notifications.py")
}

impl NotificationServer {
    /// Starts the mock on `bus` with `capabilities` (space-separated, e.g. "body actions") and
    /// returns once it owns the name.
    pub fn start(bus: &SessionBus, capabilities: &str) -> Self {
        let params = serde_json::json!({ "capabilities": capabilities }).to_string();
        let mock = Command::new(PYTHON)
            .args([
                "-m",
                "dbusmock",
                "--session",
                "-t",
                "notification_daemon",
                "-p",
                &params,
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-dbusmock must be installed (`make test` installs it)");
        let server = Self {
            address: bus.address.clone(),
            mock,
        };
        wait_until(
            "the mock notification server",
            Duration::from_secs(20),
            || server.try_calls().is_some(),
        );
        server
    }

    fn run(&self, args: &[&str]) -> Option<String> {
        let out = Command::new(PYTHON)
            .arg(script())
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn try_calls(&self) -> Option<Vec<Notified>> {
        serde_json::from_str(&self.run(&["calls"])?).ok()
    }

    /// Every `Notify` call so far, oldest first.
    pub fn calls(&self) -> Vec<Notified> {
        self.try_calls().expect("read the mock's Notify calls")
    }

    /// Waits (bounded) until `n` `Notify` calls arrived; returns them.
    pub fn wait_for_calls(&self, n: usize, timeout: Duration) -> Vec<Notified> {
        wait_until(&format!("{n} notification(s)"), timeout, || {
            self.calls().len() >= n
        });
        self.calls()
    }

    /// The user clicks notification `id`: `key` is `default` for its body, or a button's key.
    pub fn click(&self, id: u32, key: &str) {
        self.run(&["click", &id.to_string(), key])
            .expect("emit ActionInvoked");
    }

    /// The user dismisses notification `id`.
    pub fn dismiss(&self, id: u32) {
        self.run(&["closed", &id.to_string(), "2"])
            .expect("emit NotificationClosed");
    }
}

impl Drop for NotificationServer {
    fn drop(&mut self) {
        let _ = self.mock.kill();
        let _ = self.mock.wait();
    }
}
