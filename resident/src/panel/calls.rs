//! The settings panel's commands, carried out in the resident: the window side checks that the
//! settings window sent them (its grant, then the label) and forwards them here. Changes go
//! through the same requests the CLI makes, so the panel, the tray and the CLI change state the
//! same way and refuse bad input with the same words.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use syncshell_cli::protocol::{NetworkMode, Reply, Request};
use syncshell_core::clock::Millis;
use syncshell_core::install::window_icon_path;
use syncshell_core::launcher;
use syncshell_core::store::background_log;
use syncshell_core::store::log_event::Service;
use syncshell_core::store::{apps, host_settings, Store, StoreError};
use syncshell_core::uninstall;

use super::events::PanelEvent;
use super::state::{self, HostFacts, NetworkView};
use super::{PanelError, PanelFailure};
use crate::desktop::Desktop;
use crate::host::Host;
use crate::registration_listing;
use crate::sync::network::Mode;

/// One panel command, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum PanelCall {
    /// Everything the panel shows but the registrations and the log: `PanelState`.
    State,
    /// The app's installed icon as a `data:` URL, or `None`.
    AppIcon {
        /// The app's id.
        app: String,
    },
    /// One permission of an app's origin, as `syncshell permission APP NAME SETTING`.
    SetPermission {
        /// The app's id.
        app: String,
        /// The permission's name.
        permission: String,
        /// `allow`, `block` or `ask`.
        setting: String,
    },
    /// Pauses or resumes all background activity, as `syncshell pause` / `resume`.
    SetPaused {
        /// Paused.
        paused: bool,
    },
    /// Starts syncshell at login, or not.
    SetAutostart {
        /// Enabled.
        enabled: bool,
    },
    /// "No periodic sync on metered connections": stored, and it wins over the config file.
    SetMeteredHold {
        /// Hold.
        hold: bool,
    },
    /// Overrides the network the host sees (or follows the desktop again).
    SetNetwork {
        /// The mode.
        mode: NetworkMode,
    },
    /// Opens (or raises) the app's window.
    OpenApp {
        /// The app's id.
        app: String,
    },
    /// Uninstalls the app, deleting its data or not.
    Uninstall {
        /// The app's id.
        app: String,
        /// Its data goes too.
        delete_data: bool,
    },
    /// Installs (or updates) the app at `url`, telling the panel each step: `Installed`.
    Install {
        /// The page to install from.
        url: String,
    },
    /// Every registration, with the scheduler's view of it now: `[RegistrationView]`.
    Registrations,
    /// Fires an event now, as `syncshell sync fire`.
    Fire {
        /// The app's id.
        app: String,
        /// The registration's tag.
        tag: String,
        /// A periodic registration's.
        periodic: bool,
        /// `SyncEvent.lastChance`.
        last_chance: bool,
    },
    /// The background-services log: `[LogView]`.
    Log {
        /// Of one app.
        app: Option<String>,
        /// Of one service.
        service: Option<String>,
    },
    /// Clears the log (of one app): how many entries went.
    ClearLog {
        /// Of one app.
        app: Option<String>,
    },
    /// Writes the log entries the filter picks as JSON to `path` (the user chose it in the
    /// window side's save dialog).
    SaveLog {
        /// Where.
        path: std::path::PathBuf,
        /// Of one app.
        app: Option<String>,
        /// Of one service.
        service: Option<String>,
    },
}

/// A request's reply as a result: its error text, without the CLI's "syncshell: error: ".
fn done(reply: Reply) -> Result<Value, PanelError> {
    if reply.code == 0 {
        return Ok(Value::Null);
    }
    let text = reply.stderr.trim();
    let text = text.strip_prefix("syncshell: error: ").unwrap_or(text);
    Err(PanelError::Refused(text.to_owned()))
}

/// Runs blocking store or file work off the async workers.
async fn blocking<T: Serialize + Send + 'static>(
    f: impl FnOnce() -> Result<T, PanelError> + Send + 'static,
) -> Result<Value, PanelError> {
    let answer = tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PanelError::Io(format!("the work was lost: {e}")))??;
    serde_json::to_value(answer).map_err(|e| PanelError::Io(e.to_string()))
}

/// What an install did.
#[derive(Debug, Serialize)]
pub struct Installed {
    id: String,
    name: String,
    updated: bool,
    warnings: Vec<String>,
}

/// A registration as the panel lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationView {
    app: Option<String>,
    app_name: Option<String>,
    origin: String,
    scope: String,
    kind: &'static str,
    tag: String,
    state: &'static str,
    attempts: u32,
    next_at: Option<Millis>,
    min_interval: Millis,
    every: Option<Millis>,
    engagement: Option<&'static str>,
    held: Option<HeldView>,
}

/// Why a registration waits.
#[derive(Debug, Serialize)]
pub struct HeldView {
    reason: &'static str,
    text: String,
}

/// Which log entries: of one app, of one service (both optional).
#[derive(Debug, Clone, Deserialize)]
pub struct LogFilter {
    app: Option<String>,
    service: Option<String>,
}

/// A log entry as the panel shows it.
#[derive(Debug, Serialize)]
pub struct LogView {
    id: i64,
    at: Millis,
    event: String,
    origin: String,
    app: Option<String>,
    service: &'static str,
    tag: String,
    metadata: serde_json::Value,
}

/// The origin of app `app` (`None`: every app), refused with the CLI's words for an unknown id.
fn origin_of(store: &Store, app: Option<&str>) -> Result<Option<String>, PanelError> {
    app.map(|id| uninstall::find(store, id).map(|a| a.origin))
        .transpose()
        .map_err(|e| PanelError::BadInput(e.to_string()))
}

/// The log entries `filter` picks, oldest first.
fn log_entries(store: &Store, filter: &LogFilter) -> Result<Vec<LogView>, PanelError> {
    let service = match filter.service.as_deref() {
        None => None,
        Some(name) => Some(
            [Service::Sync, Service::PeriodicSync, Service::Notifications]
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| PanelError::BadInput(format!("no service is called \"{name}\"")))?,
        ),
    };
    let installed = apps::list(store.conn()).map_err(StoreError::from)?;
    let origin = origin_of(store, filter.app.as_deref())?;
    let entries =
        background_log::list_numbered(store.conn(), origin.as_deref()).map_err(StoreError::from)?;
    Ok(entries
        .into_iter()
        .filter(|(_, e)| service.is_none_or(|s| e.service == s))
        .map(|(id, e)| LogView {
            id,
            at: e.at,
            event: e.event_name().to_owned(),
            app: apps::owner_of(&installed, &e.origin, &e.scope).map(|a| a.id.clone()),
            origin: e.origin,
            service: e.service.as_str(),
            tag: e.tag,
            metadata: e.metadata,
        })
        .collect())
}

impl<D: Desktop> Host<D> {
    /// Carries out a panel command; its answer as the JSON the panel reads.
    pub async fn panel(&self, call: PanelCall) -> Result<Value, PanelFailure> {
        Ok(self.carry_out(call).await?)
    }

    async fn carry_out(&self, call: PanelCall) -> Result<Value, PanelError> {
        match call {
            PanelCall::State => self.panel_state().await,
            PanelCall::AppIcon { app } => {
                let ctx = self.ctx().clone();
                blocking(move || {
                    // The id names a file: only an installed app's id is used.
                    if apps::get(ctx.store().conn(), &app)
                        .map_err(StoreError::from)?
                        .is_none()
                    {
                        return Ok(None);
                    }
                    let Ok(bytes) = std::fs::read(window_icon_path(&ctx.paths, &app)) else {
                        return Ok(None);
                    };
                    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                    Ok(Some(format!("data:image/png;base64,{data}")))
                })
                .await
            }
            PanelCall::SetPermission {
                app,
                permission,
                setting,
            } => done(
                self.handle(Request::Permission {
                    app,
                    name: Some(permission),
                    setting: Some(setting),
                    json: false,
                })
                .await,
            ),
            PanelCall::SetPaused { paused } => {
                let request = if paused {
                    Request::Pause
                } else {
                    Request::Resume
                };
                done(self.handle(request).await)
            }
            PanelCall::SetAutostart { enabled } => {
                let ctx = self.ctx().clone();
                blocking(move || {
                    launcher::set_autostart(&ctx.paths, &ctx.exe, enabled).map_err(|e| {
                        PanelError::Io(format!("cannot change starting at login: {e}"))
                    })
                })
                .await
            }
            PanelCall::SetMeteredHold { hold } => {
                let sync = self.sync().clone();
                blocking(move || {
                    host_settings::set_hold_periodic_on_metered(sync.ctx.store().conn(), hold)
                        .map_err(StoreError::from)?;
                    // Held periodic events may fire now, and pages' saveData may change.
                    sync.changed();
                    Ok(())
                })
                .await
            }
            PanelCall::SetNetwork { mode } => {
                done(self.handle(Request::Network { mode: Some(mode) }).await)
            }
            PanelCall::OpenApp { app } => done(self.handle(Request::Open { id: app }).await),
            PanelCall::Uninstall { app, delete_data } => done(
                self.handle(Request::Uninstall {
                    id: app,
                    keep_data: !delete_data,
                })
                .await,
            ),
            PanelCall::Install { url } => self.panel_install(url).await,
            PanelCall::Registrations => self.panel_registrations().await,
            PanelCall::Fire {
                app,
                tag,
                periodic,
                last_chance,
            } => done(
                self.handle(Request::SyncFire {
                    app,
                    tag,
                    last_chance,
                    periodic,
                })
                .await,
            ),
            PanelCall::Log { app, service } => {
                let ctx = self.ctx().clone();
                blocking(move || log_entries(&ctx.store(), &LogFilter { app, service })).await
            }
            PanelCall::ClearLog { app } => {
                let ctx = self.ctx().clone();
                blocking(move || {
                    let store = ctx.store();
                    let origin = origin_of(&store, app.as_deref())?;
                    Ok(background_log::clear(store.conn(), origin.as_deref())
                        .map_err(StoreError::from)?)
                })
                .await
            }
            PanelCall::SaveLog { path, app, service } => {
                let ctx = self.ctx().clone();
                blocking(move || {
                    let entries = log_entries(&ctx.store(), &LogFilter { app, service })?;
                    let json = serde_json::to_string_pretty(&entries)
                        .map_err(|e| PanelError::Io(e.to_string()))?;
                    std::fs::write(&path, json + "\n").map_err(|e| {
                        PanelError::Io(format!("cannot write {}: {e}", path.display()))
                    })?;
                    Ok(path.display().to_string())
                })
                .await
            }
        }
    }

    async fn panel_state(&self) -> Result<Value, PanelError> {
        let open_windows = self.desktop().open_windows().await.apps;
        let (ctx, sync) = (self.ctx().clone(), self.sync().clone());
        blocking(move || {
            let network = &sync.network;
            let facts = HostFacts {
                network: NetworkView {
                    online: network.is_online(),
                    metered: network.is_metered(),
                    mode: match network.mode() {
                        Mode::Auto => "auto",
                        Mode::Online => "online",
                        Mode::Offline => "offline",
                        Mode::Metered => "metered",
                    },
                },
                params: &sync.params,
                open_windows,
                env: &|k| std::env::var(k).ok(),
            };
            state::build(&ctx, &facts)
        })
        .await
    }

    async fn panel_install(&self, url: String) -> Result<Value, PanelError> {
        let desktop = self.desktop().clone();
        let progress_url = url.clone();
        let progress =
            move |step| desktop.tell_panel(PanelEvent::install_step(&progress_url, step));
        let (reply, installed) = self.install(&url, &progress).await;
        let outcome = match installed {
            Some(installed) => Ok(Installed {
                id: installed.app.id,
                name: installed.app.name,
                updated: installed.updated,
                warnings: installed.warnings,
            }),
            None => done(reply).and(Err(PanelError::Refused("the install failed".into()))),
        };
        let (step, message) = match &outcome {
            Ok(_) => ("done", None),
            Err(e) => ("failed", Some(e.to_string())),
        };
        self.desktop().tell_panel(PanelEvent::Install {
            url,
            step: step.into(),
            message,
        });
        serde_json::to_value(outcome?).map_err(|e| PanelError::Io(e.to_string()))
    }

    async fn panel_registrations(&self) -> Result<Value, PanelError> {
        let sync = self.sync().clone();
        blocking(move || {
            let network = sync.network.state();
            let listed = registration_listing::list(&sync.ctx, &sync.params, network, None)?;
            let installed = apps::list(sync.ctx.store().conn()).map_err(StoreError::from)?;
            Ok(listed
                .into_iter()
                .map(|l| {
                    let r = l.registration;
                    let app = apps::owner_of(&installed, &r.origin, &r.key.scope);
                    RegistrationView {
                        app: app.map(|a| a.id.clone()),
                        app_name: app.map(|a| a.name.clone()),
                        kind: r.key.kind.as_str(),
                        state: r.state.as_str(),
                        attempts: r.attempts,
                        next_at: r.delay_until,
                        min_interval: r.min_interval,
                        every: l.effective_interval,
                        engagement: l.engagement.map(|e| e.as_str()),
                        held: l.held.map(|h| HeldView {
                            reason: h.as_str(),
                            text: h.describe(),
                        }),
                        origin: r.origin,
                        scope: r.key.scope,
                        tag: r.key.tag,
                    }
                })
                .collect::<Vec<_>>())
        })
        .await
    }
}
