//! The settings panel's Tauri commands. Each is granted to the settings window alone
//! (windows/settings.rs) and checks its caller's label again, then is carried to the resident,
//! which does the work (`syncshell_resident::panel::calls`). Each is async (none blocks the GTK
//! main thread) and typed; the resident's answer is passed on as it came.

use std::sync::Arc;

use serde_json::Value;
use syncshell_cli::protocol::NetworkMode;
use syncshell_resident::link::protocol::FromWindows;
use syncshell_resident::link::rpc::Link;
use syncshell_resident::panel::calls::PanelCall;
use syncshell_resident::panel::{PanelError, PanelFailure};
use tauri::{State, Webview};

use crate::windows::{Windows, SETTINGS_LABEL};

/// The second lock after the grant: only the settings window speaks for the panel.
fn panel_only(webview: &Webview) -> Result<(), PanelFailure> {
    if webview.label() == SETTINGS_LABEL {
        Ok(())
    } else {
        Err(PanelError::NotThePanel.into())
    }
}

/// Carries `call` from the settings window to the resident.
async fn forward(
    webview: &Webview,
    link: &State<'_, Arc<Link>>,
    call: PanelCall,
) -> Result<Value, PanelFailure> {
    panel_only(webview)?;
    let answered: Result<Value, PanelFailure> = link
        .call(&FromWindows::Panel { call })
        .await
        .map_err(|e| PanelFailure::from(PanelError::Io(e.to_string())))?;
    answered
}

/// Everything the panel shows but the registrations and the log.
#[tauri::command]
pub async fn panel_state(
    webview: Webview,
    link: State<'_, Arc<Link>>,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::State).await
}

/// The app's installed icon as a `data:` URL, or `None`.
#[tauri::command]
pub async fn panel_app_icon(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: String,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::AppIcon { app }).await
}

/// Sets one permission of an app's origin, as `syncshell permission APP NAME SETTING`.
#[tauri::command]
pub async fn panel_set_permission(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: String,
    permission: String,
    setting: String,
) -> Result<Value, PanelFailure> {
    let call = PanelCall::SetPermission {
        app,
        permission,
        setting,
    };
    forward(&webview, &link, call).await
}

/// Pauses or resumes all background activity, as `syncshell pause` / `resume`.
#[tauri::command]
pub async fn panel_set_paused(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    paused: bool,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::SetPaused { paused }).await
}

/// Starts syncshell at login, or not.
#[tauri::command]
pub async fn panel_set_autostart(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    enabled: bool,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::SetAutostart { enabled }).await
}

/// "No periodic sync on metered connections": stored, and it wins over the config file.
#[tauri::command]
pub async fn panel_set_metered_hold(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    hold: bool,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::SetMeteredHold { hold }).await
}

/// Overrides the network the host sees (or follows the desktop again), as `syncshell network`.
#[tauri::command]
pub async fn panel_set_network(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    mode: NetworkMode,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::SetNetwork { mode }).await
}

/// Opens (or raises) the app's window.
#[tauri::command]
pub async fn panel_open_app(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: String,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::OpenApp { app }).await
}

/// Uninstalls the app, deleting its data or not.
#[tauri::command]
pub async fn panel_uninstall(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: String,
    delete_data: bool,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::Uninstall { app, delete_data }).await
}

/// Installs (or updates) the app at `url`, telling the panel each step (`settings:install`).
#[tauri::command]
pub async fn panel_install(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    url: String,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::Install { url }).await
}

/// Every registration, with the scheduler's view of it now.
#[tauri::command]
pub async fn panel_registrations(
    webview: Webview,
    link: State<'_, Arc<Link>>,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::Registrations).await
}

/// Fires an event now, as `syncshell sync fire` (DevTools' Service Workers pane).
#[tauri::command]
pub async fn panel_fire(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: String,
    tag: String,
    periodic: bool,
    last_chance: bool,
) -> Result<Value, PanelFailure> {
    let call = PanelCall::Fire {
        app,
        tag,
        periodic,
        last_chance,
    };
    forward(&webview, &link, call).await
}

/// The background-services log.
#[tauri::command]
pub async fn panel_log(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: Option<String>,
    service: Option<String>,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::Log { app, service }).await
}

/// Clears the log (of one app); answers how many entries went.
#[tauri::command]
pub async fn panel_clear_log(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    app: Option<String>,
) -> Result<Value, PanelFailure> {
    forward(&webview, &link, PanelCall::ClearLog { app }).await
}

/// Saves the log entries the filter picks as JSON where the user says (a save dialog, drawn
/// here); answers the path, or `None` when the user cancelled.
#[tauri::command]
pub async fn panel_save_log(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    windows: State<'_, Arc<Windows>>,
    app: Option<String>,
    service: Option<String>,
) -> Result<Value, PanelFailure> {
    panel_only(&webview)?;
    let name = format!("syncshell-log-{}.json", app.as_deref().unwrap_or("all"));
    let chosen = windows
        .ask_save_path(&name)
        .map_err(|e| PanelFailure::from(PanelError::Io(e.to_string())))?
        .await
        .ok()
        .flatten();
    let Some(path) = chosen else {
        return Ok(Value::Null);
    };
    forward(&webview, &link, PanelCall::SaveLog { path, app, service }).await
}
