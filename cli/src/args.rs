//! The `syncshell` command line, shared by `syncshell` and `syncshell-host`.

use clap::{Parser, Subcommand};

use crate::protocol::{NetworkMode, Request};

/// Runs Progressive Web Apps as desktop apps, with Background Sync that works while they are closed.
#[derive(Debug, Parser)]
#[command(name = "syncshell", version, about, long_about = None)]
pub struct Cli {
    /// Start the host with no window (it lives in the system tray).
    #[arg(long)]
    pub background: bool,

    /// What to do; talks to the running host, starting one when the command needs it.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install a web app from its URL (updates it if already installed).
    Install {
        /// The app's page, e.g. https://app.example/
        url: String,
    },
    /// List installed apps.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Open an installed app in its own window. With no host running, this command becomes the
    /// host and keeps the terminal (as a launcher needs); run `syncshell --background` first to get
    /// the prompt back.
    Open {
        /// The app id shown by `list`.
        app_id: String,
    },
    /// Close an app's window (the host keeps running in the tray).
    Close {
        /// The app id shown by `list`.
        app_id: String,
    },
    /// Uninstall an app: its launcher, icon, data and settings.
    Uninstall {
        /// The app id shown by `list`.
        app_id: String,
        /// Keep its data (cookies, storage) and its site's permissions, so that installing it
        /// again finds the user signed in.
        #[arg(long)]
        keep_data: bool,
    },
    /// Serve, install and open the bundled demo app.
    Demo,
    /// Background sync registrations: list them, or fire an event now.
    Sync {
        /// `list` or `fire`.
        #[command(subcommand)]
        action: SyncAction,
    },
    /// Show the background-services log (what was registered, dispatched, failed, dropped).
    Log {
        /// Only this app.
        app_id: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show or change an app's permissions: `background-sync` and `periodic-background-sync`
    /// (allow, block), `notifications` (ask, allow, block).
    Permission {
        /// The app id shown by `list`.
        app_id: String,
        /// One permission; all three when omitted.
        name: Option<String>,
        /// Set it to `allow`, `block` or `ask`.
        state: Option<String>,
        /// Print JSON instead of text (when reading).
        #[arg(long, conflicts_with = "state")]
        json: bool,
    },
    /// Show a test notification as if from the app (checks the desktop's notification setup; the
    /// app's `notifications` permission must be `allow`).
    Notify {
        /// The app id shown by `list`.
        app_id: String,
        /// The notification's title.
        title: String,
        /// Its body.
        #[arg(long)]
        body: Option<String>,
    },
    /// Hold every background sync and periodic sync event until `resume` (the tray's "Pause
    /// background activity"); per-app permissions are left as they are.
    Pause,
    /// Let background events fire again after `pause`.
    Resume,
    /// Show or override the network state background sync sees.
    Network {
        /// `online`, `offline` or `metered` to override the desktop's network monitor, `auto` to
        /// follow it.
        #[arg(value_enum)]
        mode: Option<NetworkMode>,
    },
    /// Open the settings panel (apps, permissions, registrations, the background-services log).
    /// With no host running, this command becomes the host, as `open` does.
    Settings,
    /// Check what syncshell needs from the desktop (notification server, tray, start at login,
    /// trust store, directories' permissions, the host and its proxy) and say what to fix.
    Doctor,
    /// Tell whether the host is running.
    Status,
    /// Stop the running host.
    Quit,
}

/// `syncshell sync ...`.
#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// List registrations: app, kind, tag, state, attempts, next attempt.
    List {
        /// Only this app.
        app_id: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Fire an event at the app's service worker now (needs the host), as DevTools does.
    Fire {
        /// The app id shown by `list`.
        app_id: String,
        /// The event's tag.
        tag: String,
        /// Set `lastChance` on the sync event.
        #[arg(long, conflicts_with = "periodic")]
        last_chance: bool,
        /// Fire `periodicsync` instead of `sync`.
        #[arg(long)]
        periodic: bool,
    },
}

impl Command {
    /// The request this command sends to the host; `None` for `doctor`, which `syncshell-host`
    /// runs itself (in the user's session, seeing what the host sees).
    pub fn into_request(self) -> Option<Request> {
        Some(match self {
            Self::Doctor => return None,
            Self::Install { url } => Request::Install { url },
            Self::List { json } => Request::List { json },
            Self::Open { app_id } => Request::Open { id: app_id },
            Self::Close { app_id } => Request::Close { id: app_id },
            Self::Uninstall { app_id, keep_data } => Request::Uninstall {
                id: app_id,
                keep_data,
            },
            Self::Demo => Request::Demo,
            Self::Sync {
                action: SyncAction::List { app_id, json },
            } => Request::SyncList { app: app_id, json },
            Self::Sync {
                action:
                    SyncAction::Fire {
                        app_id,
                        tag,
                        last_chance,
                        periodic,
                    },
            } => Request::SyncFire {
                app: app_id,
                tag,
                last_chance,
                periodic,
            },
            Self::Log { app_id, json } => Request::Log { app: app_id, json },
            Self::Permission {
                app_id,
                name,
                state,
                json,
            } => Request::Permission {
                app: app_id,
                name,
                setting: state,
                json,
            },
            Self::Notify {
                app_id,
                title,
                body,
            } => Request::Notify {
                app: app_id,
                title,
                body,
            },
            Self::Pause => Request::Pause,
            Self::Resume => Request::Resume,
            Self::Network { mode } => Request::Network { mode },
            Self::Settings => Request::Settings,
            Self::Status => Request::Status,
            Self::Quit => Request::Quit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn subcommands_become_requests() {
        let cli = Cli::try_parse_from(["syncshell", "open", "notes"]).unwrap();
        assert_eq!(
            cli.command.unwrap().into_request().unwrap(),
            Request::Open { id: "notes".into() }
        );
        let cli = Cli::try_parse_from(["syncshell", "list", "--json"]).unwrap();
        assert_eq!(
            cli.command.unwrap().into_request().unwrap(),
            Request::List { json: true }
        );
        assert!(Cli::try_parse_from(["syncshell", "install"]).is_err());
        let cli = Cli::try_parse_from(["syncshell", "permission", "feed", "notifications", "ask"])
            .unwrap();
        assert_eq!(
            cli.command.unwrap().into_request().unwrap(),
            Request::Permission {
                app: "feed".into(),
                name: Some("notifications".into()),
                setting: Some("ask".into()),
                json: false,
            }
        );
        assert!(Cli::try_parse_from(["syncshell", "permission", "a", "b", "c", "--json"]).is_err());
    }
}
