//! The settings panel's commands. Each is granted to the settings window alone (windows/
//! settings.rs) and checks its caller's label again; each is async (none blocks the GTK main
//! thread) and typed. Changes go through the same requests the CLI makes, so the panel, the tray
//! and the CLI change state the same way and refuse bad input with the same words.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use syncshell_core::clock::Millis;
use syncshell_core::install::window_icon_path;
use syncshell_core::launcher;
use syncshell_core::store::background_log;
use syncshell_core::store::log_event::Service;
use syncshell_core::store::{apps, host_settings, Store, StoreError};
use syncshell_core::uninstall;
use tauri::{Manager, State, Webview};

use super::events::{self, InstallProgress};
use super::state::{self, HostFacts, NetworkView, PanelState};
use super::PanelError;
use crate::host::Host;
use crate::windows::SETTINGS_LABEL;
use syncshell_cli::protocol::{NetworkMode, Reply, Request};
use syncshell_resident::registration_listing;
use syncshell_resident::sync::network::Mode;

/// The second lock after the grant: only the settings window speaks for the panel.
fn panel_only(webview: &Webview) -> Result<(), PanelError> {
    if webview.label() == SETTINGS_LABEL {
        Ok(())
    } else {
        Err(PanelError::NotThePanel)
    }
}

/// A request's reply as a result: its error text, without the CLI's "syncshell: error: ".
fn done(reply: Reply) -> Result<(), PanelError> {
    if reply.code == 0 {
        return Ok(());
    }
    let text = reply.stderr.trim();
    let text = text.strip_prefix("syncshell: error: ").unwrap_or(text);
    Err(PanelError::Refused(text.to_owned()))
}

/// Runs blocking store or file work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PanelError> + Send + 'static,
) -> Result<T, PanelError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| PanelError::Io(format!("the work was lost: {e}")))?
}

/// Everything the panel shows but the registrations and the log.
#[tauri::command]
pub async fn panel_state(
    webview: Webview,
    host: State<'_, Arc<Host>>,
) -> Result<PanelState, PanelError> {
    panel_only(&webview)?;
    let host = host.inner().clone();
    blocking(move || {
        let sync = host.sync();
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
            open_windows: host.desktop().windows().open_app_ids(),
            env: &|k| std::env::var(k).ok(),
        };
        state::build(host.ctx(), &facts)
    })
    .await
}

/// The app's installed icon as a `data:` URL, or `None`.
#[tauri::command]
pub async fn panel_app_icon(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: String,
) -> Result<Option<String>, PanelError> {
    panel_only(&webview)?;
    let ctx = host.ctx().clone();
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

/// Sets one permission of an app's origin, as `syncshell permission APP NAME SETTING`.
#[tauri::command]
pub async fn panel_set_permission(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: String,
    permission: String,
    setting: String,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    done(
        host.handle(Request::Permission {
            app,
            name: Some(permission),
            setting: Some(setting),
            json: false,
        })
        .await,
    )
}

/// Pauses or resumes all background activity, as `syncshell pause` / `resume`.
#[tauri::command]
pub async fn panel_set_paused(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    paused: bool,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    let request = if paused {
        Request::Pause
    } else {
        Request::Resume
    };
    done(host.handle(request).await)
}

/// Starts syncshell at login, or not.
#[tauri::command]
pub async fn panel_set_autostart(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    enabled: bool,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    let ctx = host.ctx().clone();
    blocking(move || {
        launcher::set_autostart(&ctx.paths, &ctx.exe, enabled)
            .map_err(|e| PanelError::Io(format!("cannot change starting at login: {e}")))
    })
    .await
}

/// "No periodic sync on metered connections": stored, and it wins over the config file.
#[tauri::command]
pub async fn panel_set_metered_hold(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    hold: bool,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    let sync = host.sync().clone();
    blocking(move || {
        host_settings::set_hold_periodic_on_metered(sync.ctx.store().conn(), hold)
            .map_err(StoreError::from)?;
        // Held periodic events may fire now, and pages' saveData may change.
        sync.changed();
        Ok(())
    })
    .await
}

/// Overrides the network the host sees (or follows the desktop again), as `syncshell network`.
#[tauri::command]
pub async fn panel_set_network(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    mode: NetworkMode,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    done(host.handle(Request::Network { mode: Some(mode) }).await)
}

/// Opens (or raises) the app's window.
#[tauri::command]
pub async fn panel_open_app(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: String,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    done(host.handle(Request::Open { id: app }).await)
}

/// Uninstalls the app, deleting its data or not.
#[tauri::command]
pub async fn panel_uninstall(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: String,
    delete_data: bool,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    done(
        host.handle(Request::Uninstall {
            id: app,
            keep_data: !delete_data,
        })
        .await,
    )
}

/// What an install did.
#[derive(Debug, Serialize)]
pub struct Installed {
    id: String,
    name: String,
    updated: bool,
    warnings: Vec<String>,
}

/// Installs (or updates) the app at `url`, telling the panel each step (`settings:install`).
#[tauri::command]
pub async fn panel_install(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    url: String,
) -> Result<Installed, PanelError> {
    panel_only(&webview)?;
    let handle = webview.app_handle().clone();
    let progress_url = url.clone();
    let progress = move |step| {
        events::install_progress(&handle, InstallProgress::step(&progress_url, step));
    };
    let (reply, installed) = host.install(&url, &progress).await;
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
    events::install_progress(webview.app_handle(), InstallProgress { url, step, message });
    outcome
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

/// Every registration, with the scheduler's view of it now.
#[tauri::command]
pub async fn panel_registrations(
    webview: Webview,
    host: State<'_, Arc<Host>>,
) -> Result<Vec<RegistrationView>, PanelError> {
    panel_only(&webview)?;
    let sync = host.sync().clone();
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
            .collect())
    })
    .await
}

/// Fires an event now, as `syncshell sync fire` (DevTools' Service Workers pane).
#[tauri::command]
pub async fn panel_fire(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: String,
    tag: String,
    periodic: bool,
    last_chance: bool,
) -> Result<(), PanelError> {
    panel_only(&webview)?;
    done(
        host.handle(Request::SyncFire {
            app,
            tag,
            last_chance,
            periodic,
        })
        .await,
    )
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
fn log_entries(host: &Host, filter: &LogFilter) -> Result<Vec<LogView>, PanelError> {
    let service = match filter.service.as_deref() {
        None => None,
        Some(name) => Some(
            [Service::Sync, Service::PeriodicSync, Service::Notifications]
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| PanelError::BadInput(format!("no service is called \"{name}\"")))?,
        ),
    };
    let store = host.ctx().store();
    let installed = apps::list(store.conn()).map_err(StoreError::from)?;
    let origin = origin_of(&store, filter.app.as_deref())?;
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

/// The background-services log.
#[tauri::command]
pub async fn panel_log(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: Option<String>,
    service: Option<String>,
) -> Result<Vec<LogView>, PanelError> {
    panel_only(&webview)?;
    let host = host.inner().clone();
    blocking(move || log_entries(&host, &LogFilter { app, service })).await
}

/// Clears the log (of one app); answers how many entries went.
#[tauri::command]
pub async fn panel_clear_log(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: Option<String>,
) -> Result<usize, PanelError> {
    panel_only(&webview)?;
    let host = host.inner().clone();
    blocking(move || {
        let store = host.ctx().store();
        let origin = origin_of(&store, app.as_deref())?;
        Ok(background_log::clear(store.conn(), origin.as_deref()).map_err(StoreError::from)?)
    })
    .await
}

/// Saves the log entries `filter` picks as JSON where the user says (a save dialog); answers the
/// path, or `None` when the user cancelled.
#[tauri::command]
pub async fn panel_save_log(
    webview: Webview,
    host: State<'_, Arc<Host>>,
    app: Option<String>,
    service: Option<String>,
) -> Result<Option<String>, PanelError> {
    panel_only(&webview)?;
    let host = host.inner().clone();
    let filter = LogFilter { app, service };
    let name = format!(
        "syncshell-log-{}.json",
        filter.app.as_deref().unwrap_or("all")
    );
    let chosen = host
        .desktop()
        .windows()
        .ask_save_path(&name)
        .map_err(|e| PanelError::Io(e.to_string()))?
        .await
        .ok()
        .flatten();
    let Some(path) = chosen else {
        return Ok(None);
    };
    blocking(move || {
        let entries = log_entries(&host, &filter)?;
        let json =
            serde_json::to_string_pretty(&entries).map_err(|e| PanelError::Io(e.to_string()))?;
        std::fs::write(&path, json + "\n")
            .map_err(|e| PanelError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(Some(path.display().to_string()))
    })
    .await
}
