//! Online or offline: the desktop's network monitor (GIO), unless the user overrides it with
//! `syncshell network online|offline`.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// The network state the scheduler consults.
#[derive(Debug)]
pub struct Network {
    /// What the monitor last said.
    monitor_online: AtomicBool,
    /// 0 = follow the monitor, 1 = forced online, 2 = forced offline.
    forced: AtomicU8,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            monitor_online: AtomicBool::new(true),
            forced: AtomicU8::new(0),
        }
    }
}

/// The user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Follow the desktop's network monitor.
    Auto,
    /// Treat the network as up.
    Online,
    /// Treat the network as down.
    Offline,
}

impl Network {
    /// Whether events may fire now.
    pub fn is_online(&self) -> bool {
        match self.forced.load(Ordering::SeqCst) {
            1 => true,
            2 => false,
            _ => self.monitor_online.load(Ordering::SeqCst),
        }
    }

    /// Records what the network monitor says.
    pub fn set_monitor(&self, online: bool) {
        self.monitor_online.store(online, Ordering::SeqCst);
    }

    /// Sets the user's override.
    pub fn set_mode(&self, mode: Mode) {
        let v = match mode {
            Mode::Auto => 0,
            Mode::Online => 1,
            Mode::Offline => 2,
        };
        self.forced.store(v, Ordering::SeqCst);
    }

    /// The user's override.
    pub fn mode(&self) -> Mode {
        match self.forced.load(Ordering::SeqCst) {
            1 => Mode::Online,
            2 => Mode::Offline,
            _ => Mode::Auto,
        }
    }

    /// What the monitor last said.
    pub fn monitor_online(&self) -> bool {
        self.monitor_online.load(Ordering::SeqCst)
    }
}

/// Follows GIO's network monitor (NetworkManager, or netlink routes), waking the scheduler on
/// every change. Must run on the main (GTK) thread.
pub fn watch(sync: std::sync::Arc<super::SyncHost>) {
    use webkit2gtk::gio::prelude::NetworkMonitorExt;
    let monitor = webkit2gtk::gio::NetworkMonitor::default();
    sync.network.set_monitor(monitor.is_network_available());
    monitor.connect_network_changed(move |_, available| {
        sync.network.set_monitor(available);
        sync.wake.notify_one();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_over_the_monitor() {
        let n = Network::default();
        n.set_monitor(false);
        assert!(!n.is_online());
        n.set_mode(Mode::Online);
        assert!(n.is_online());
        n.set_monitor(true);
        n.set_mode(Mode::Offline);
        assert!(!n.is_online());
        n.set_mode(Mode::Auto);
        assert!(n.is_online());
    }
}
