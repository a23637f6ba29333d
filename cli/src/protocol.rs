//! The control protocol between a `syncshell` command and the running host: one JSON request
//! line, one JSON reply line, over the owner-only Unix socket.

use serde::{Deserialize, Serialize};

/// A command for the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", content = "params", rename_all = "kebab-case")]
pub enum Request {
    /// Install (or update) the app at `url`.
    Install {
        /// The page URL as the user typed it.
        url: String,
    },
    /// List installed apps.
    List {
        /// Machine-readable output.
        json: bool,
    },
    /// Open (or focus) the app's window.
    Open {
        /// App id.
        id: String,
    },
    /// Close the app's window (the host keeps running).
    Close {
        /// App id.
        id: String,
    },
    /// Uninstall the app.
    Uninstall {
        /// App id.
        id: String,
        /// Keep its WebKit data and site settings (for a later install).
        #[serde(default)]
        keep_data: bool,
    },
    /// Serve, install and open the bundled demo app.
    Demo,
    /// List background sync registrations (of one app).
    SyncList {
        /// App id, or all apps.
        app: Option<String>,
        /// Machine-readable output.
        json: bool,
    },
    /// Fire a sync or periodicsync event at an app's worker now, as DevTools does.
    SyncFire {
        /// App id.
        app: String,
        /// Event tag.
        tag: String,
        /// `SyncEvent.lastChance`.
        last_chance: bool,
        /// Fire `periodicsync` instead of `sync`.
        periodic: bool,
    },
    /// Show the background-services log (of one app).
    Log {
        /// App id, or all apps.
        app: Option<String>,
        /// Machine-readable output.
        json: bool,
    },
    /// List, show or set an app's permissions.
    Permission {
        /// App id.
        app: String,
        /// `background-sync`, `periodic-background-sync` or `notifications`; `None` lists all.
        name: Option<String>,
        /// `allow`, `block` or `ask`; `None` shows the permission.
        setting: Option<String>,
        /// Machine-readable output.
        json: bool,
    },
    /// Show a test notification as if from the app.
    Notify {
        /// App id.
        app: String,
        /// Title.
        title: String,
        /// Body.
        body: Option<String>,
    },
    /// Hold every background event (per-site settings untouched).
    Pause,
    /// Let background events fire again.
    Resume,
    /// Override the network state (`online`, `offline`, `metered`) or follow the desktop (`auto`); `None` reports it.
    Network {
        /// The new mode.
        mode: Option<NetworkMode>,
    },
    /// Open (or raise) the settings panel.
    Settings,
    /// Report the host's state (pid, open windows).
    Status,
    /// Stop the host.
    Quit,
}

/// What `syncshell network MODE` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// Treat the network as up and unmetered, whatever the desktop says.
    Online,
    /// Treat the network as up and metered (periodic sync waits, `saveData` is true).
    Metered,
    /// Treat the network as down.
    Offline,
    /// Follow the desktop's network monitor.
    Auto,
}

/// The host's answer: what the command prints and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Exit status for the command.
    pub code: i32,
    /// Text for standard output.
    pub stdout: String,
    /// Text for standard error.
    pub stderr: String,
}

impl Reply {
    /// Success with this output.
    pub fn ok(stdout: impl Into<String>) -> Self {
        Self {
            code: 0,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    /// Failure with this one-line message.
    pub fn error(message: impl std::fmt::Display) -> Self {
        Self {
            code: 1,
            stdout: String::new(),
            stderr: format!("syncshell: error: {message}\n"),
        }
    }

    /// Prints the reply and returns its exit status.
    pub fn print(&self) -> i32 {
        use std::io::Write;
        print!("{}", self.stdout);
        eprint!("{}", self.stderr);
        let _ = std::io::stdout().flush();
        self.code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_a_stable_wire_form() {
        let json = serde_json::to_string(&Request::Install {
            url: "https://a.test/".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"cmd":"install","params":{"url":"https://a.test/"}}"#
        );
        assert_eq!(
            serde_json::to_string(&Request::Demo).unwrap(),
            r#"{"cmd":"demo"}"#
        );
        let back: Request =
            serde_json::from_str(r#"{"cmd":"open","params":{"id":"notes"}}"#).unwrap();
        assert_eq!(back, Request::Open { id: "notes".into() });
    }

    #[test]
    fn network_modes_travel_as_their_names() {
        let json = serde_json::to_string(&Request::Network {
            mode: Some(NetworkMode::Offline),
        })
        .unwrap();
        assert_eq!(json, r#"{"cmd":"network","params":{"mode":"offline"}}"#);
        assert!(
            serde_json::from_str::<Request>(r#"{"cmd":"network","params":{"mode":"maybe"}}"#)
                .is_err()
        );
    }

    #[test]
    fn unknown_commands_do_not_parse() {
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"rm-rf"}"#).is_err());
    }
}
