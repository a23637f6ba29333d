//! A private D-Bus session bus for one test: the host and the test's own services (a mock
//! notification server) meet on it. Stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `dbus-daemon --session` of the test's own.
pub struct SessionBus {
    /// Its address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    daemon: Child,
}

impl SessionBus {
    /// Starts a session bus and returns once it prints its address.
    pub fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (`make test` installs dbus)");
        let stdout = daemon.stdout.take().expect("the daemon's stdout");
        let mut address = String::new();
        // The daemon prints its address as soon as it listens; the read ends with its line.
        BufReader::new(stdout)
            .read_line(&mut address)
            .expect("read the bus address");
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        Self { address, daemon }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
