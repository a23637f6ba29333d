//! The network as apps and the scheduler see it: online or not, metered or not, and the kind of
//! link (`navigator.connection.type`), as the system says (`network_watch.rs`) unless the user
//! overrides it with `syncshell network online|offline|metered|auto`.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use serde::Serialize;
use syncshell_core::sync::hold;

/// `NetworkInformation.type` values this host reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionType {
    /// Wi-Fi.
    Wifi,
    /// Wired.
    Ethernet,
    /// Mobile data.
    Cellular,
    /// No network.
    None,
    /// Up, kind not known (no NetworkManager, a VPN, a bridge).
    Unknown,
}

impl ConnectionType {
    /// The type for NetworkManager's `PrimaryConnectionType` (a connection setting name).
    pub fn from_network_manager(kind: &str) -> Self {
        match kind {
            "802-11-wireless" | "wifi" => Self::Wifi,
            "802-3-ethernet" | "ethernet" => Self::Ethernet,
            "gsm" | "cdma" | "bluetooth" | "wwan" => Self::Cellular,
            _ => Self::Unknown,
        }
    }

    fn to_u8(self) -> u8 {
        self as u8
    }

    fn from_u8(v: u8) -> Self {
        [
            Self::Wifi,
            Self::Ethernet,
            Self::Cellular,
            Self::None,
            Self::Unknown,
        ]
        .get(usize::from(v))
        .copied()
        .unwrap_or(Self::Unknown)
    }
}

/// What `navigator.connection` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The link.
    #[serde(rename = "type")]
    pub kind: ConnectionType,
    /// A metered connection: apps should save data.
    pub save_data: bool,
}

/// The network state the scheduler and the bridge consult.
#[derive(Debug)]
pub struct Network {
    /// What the monitor last said.
    monitor_online: AtomicBool,
    monitor_metered: AtomicBool,
    /// NetworkManager's primary connection type (a [`ConnectionType`] as u8).
    monitor_type: AtomicU8,
    /// The user's [`Mode`] as u8.
    forced: AtomicU8,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            monitor_online: AtomicBool::new(true),
            monitor_metered: AtomicBool::new(false),
            monitor_type: AtomicU8::new(ConnectionType::Unknown.to_u8()),
            forced: AtomicU8::new(0),
        }
    }
}

/// The user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Follow the desktop's network monitor.
    Auto,
    /// Treat the network as up and unmetered.
    Online,
    /// Treat the network as down.
    Offline,
    /// Treat the network as up and metered.
    Metered,
}

impl Network {
    /// Whether events may fire now.
    pub fn is_online(&self) -> bool {
        match self.mode() {
            Mode::Online | Mode::Metered => true,
            Mode::Offline => false,
            Mode::Auto => self.monitor_online.load(Ordering::SeqCst),
        }
    }

    /// Whether the connection is metered now.
    pub fn is_metered(&self) -> bool {
        match self.mode() {
            Mode::Metered => true,
            Mode::Online | Mode::Offline => false,
            Mode::Auto => self.monitor_metered.load(Ordering::SeqCst),
        }
    }

    /// The state the scheduler plans with.
    pub fn state(&self) -> hold::Network {
        hold::Network {
            online: self.is_online(),
            metered: self.is_metered(),
        }
    }

    /// What `navigator.connection` shows now.
    pub fn connection(&self) -> Connection {
        let kind = if !self.is_online() {
            ConnectionType::None
        } else {
            ConnectionType::from_u8(self.monitor_type.load(Ordering::SeqCst))
        };
        Connection {
            kind,
            save_data: self.is_online() && self.is_metered(),
        }
    }

    /// Records what the network monitor says; whether that changed anything. (NetworkManager and
    /// the kernel announce much that changes nothing here: each real change costs a scheduler
    /// decision and a push to every app window, so only those count.)
    pub fn set_monitor(&self, online: bool, metered: bool) -> bool {
        let was_online = self.monitor_online.swap(online, Ordering::SeqCst);
        let was_metered = self.monitor_metered.swap(metered, Ordering::SeqCst);
        was_online != online || was_metered != metered
    }

    /// Records NetworkManager's primary connection type; whether it changed.
    pub fn set_monitor_type(&self, kind: ConnectionType) -> bool {
        self.monitor_type.swap(kind.to_u8(), Ordering::SeqCst) != kind.to_u8()
    }

    /// Sets the user's override.
    pub fn set_mode(&self, mode: Mode) {
        let v = match mode {
            Mode::Auto => 0,
            Mode::Online => 1,
            Mode::Offline => 2,
            Mode::Metered => 3,
        };
        self.forced.store(v, Ordering::SeqCst);
    }

    /// The user's override.
    pub fn mode(&self) -> Mode {
        match self.forced.load(Ordering::SeqCst) {
            1 => Mode::Online,
            2 => Mode::Offline,
            3 => Mode::Metered,
            _ => Mode::Auto,
        }
    }

    /// What the monitor last said: (online, metered).
    pub fn monitor(&self) -> (bool, bool) {
        (
            self.monitor_online.load(Ordering::SeqCst),
            self.monitor_metered.load(Ordering::SeqCst),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_over_the_monitor() {
        let n = Network::default();
        assert!(n.set_monitor(false, false));
        assert!(!n.set_monitor(false, false), "the same again is no change");
        assert!(!n.is_online());
        n.set_mode(Mode::Online);
        assert!(n.is_online());
        assert!(n.set_monitor(true, true));
        n.set_mode(Mode::Offline);
        assert!(!n.is_online());
        n.set_mode(Mode::Auto);
        assert!(n.is_online() && n.is_metered());
        n.set_mode(Mode::Online);
        assert!(!n.is_metered(), "online means unmetered");
    }

    #[test]
    fn the_connection_apps_see_follows_the_state() {
        let n = Network::default();
        assert_eq!(
            n.connection(),
            Connection {
                kind: ConnectionType::Unknown,
                save_data: false
            }
        );
        assert!(n.set_monitor_type(ConnectionType::from_network_manager("802-11-wireless")));
        assert!(!n.set_monitor_type(ConnectionType::Wifi), "no change");
        n.set_mode(Mode::Metered);
        assert_eq!(
            n.connection(),
            Connection {
                kind: ConnectionType::Wifi,
                save_data: true
            }
        );
        n.set_mode(Mode::Offline);
        assert_eq!(n.connection().kind, ConnectionType::None);
        assert!(!n.connection().save_data);
        assert_eq!(
            serde_json::to_string(&Connection {
                kind: ConnectionType::Cellular,
                save_data: true
            })
            .unwrap(),
            r#"{"type":"cellular","saveData":true}"#
        );
        assert_eq!(
            ConnectionType::from_network_manager("vpn"),
            ConnectionType::Unknown
        );
        assert_eq!(
            ConnectionType::from_network_manager("gsm"),
            ConnectionType::Cellular
        );
    }
}
