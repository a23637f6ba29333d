//! Tauri commands for the page bridge. Granted at run time to each app's own origin only; the
//! caller's origin is read from its webview and must be the origin of the app that owns the
//! window. Every command is async and does its store work on the blocking pool: a plain command
//! would run on the GTK main thread and stall every window while SQLite works.

use std::sync::Arc;

use syncshell_core::store::apps;
use syncshell_core::store::sync_registrations::Kind;
use tauri::{State, Webview};

use super::bridge_state::BridgeState;
use super::failure::EventFailure;
use super::ipc_error::IpcError;
use super::SyncHost;
use crate::windows::WindowLabel;
use syncshell_core::permission::PermissionState;

/// The caller's window label and origin, checked against the app the window belongs to (so a
/// window that navigated elsewhere speaks for nobody). Reads the store: call it off the main
/// thread.
fn caller(sync: &SyncHost, label: &str, url: &url::Url) -> Result<(WindowLabel, String), IpcError> {
    let origin = url.origin().ascii_serialization();
    let window = WindowLabel::parse(label).ok_or(IpcError::NotAnAppWindow)?;
    let app = apps::get(sync.ctx.store().conn(), window.app_id())
        .map_err(syncshell_core::store::StoreError::from)?;
    match app {
        Some(app) if app.origin == origin => Ok((window, origin)),
        _ => Err(IpcError::ForeignOrigin),
    }
}

/// Runs `work` for the calling page on the blocking pool, once its origin is checked. Reading the
/// webview's URL waits for the GTK main thread, so that too happens on the blocking pool, never on
/// an async worker (two stalled workers would stall the proxy and every other task).
async fn for_caller<T: Send + 'static>(
    webview: &Webview,
    sync: &State<'_, Arc<SyncHost>>,
    work: impl FnOnce(&SyncHost, WindowLabel, String) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let webview = webview.clone();
    let sync = sync.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let url = webview.url().map_err(IpcError::Webview)?;
        let (window, origin) = caller(&sync, webview.label(), &url)?;
        work(&sync, window, origin)
    })
    .await
    .map_err(IpcError::Task)?
}

/// The calling page's app id and origin, checked against the app that owns its window (see
/// [`caller`]).
pub async fn calling_app(
    webview: &Webview,
    sync: &State<'_, Arc<SyncHost>>,
) -> Result<(String, String), IpcError> {
    for_caller(webview, sync, |_, window, origin| {
        Ok((window.app_id().to_owned(), origin))
    })
    .await
}

/// `registration.sync.register(tag)`.
#[tauri::command]
pub async fn sync_register(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
    tag: String,
) -> Result<(), IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.register(&origin, &scope, Kind::Sync, &tag, 0.0)?)
    })
    .await
}

/// `registration.sync.getTags()`.
#[tauri::command]
pub async fn sync_get_tags(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
) -> Result<Vec<String>, IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.tags(&origin, &scope, Kind::Sync)?)
    })
    .await
}

/// `registration.periodicSync.register(tag, {minInterval})`.
#[tauri::command]
pub async fn periodic_register(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
    tag: String,
    min_interval: f64,
) -> Result<(), IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.register(&origin, &scope, Kind::Periodic, &tag, min_interval)?)
    })
    .await
}

/// `registration.periodicSync.getTags()`.
#[tauri::command]
pub async fn periodic_get_tags(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
) -> Result<Vec<String>, IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.tags(&origin, &scope, Kind::Periodic)?)
    })
    .await
}

/// `registration.periodicSync.unregister(tag)`.
#[tauri::command]
pub async fn periodic_unregister(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
    tag: String,
) -> Result<(), IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.unregister_periodic(&origin, &scope, &tag)?)
    })
    .await
}

/// The calling page's bridge state (permissions, connection), asked for when it loads.
#[tauri::command]
pub async fn bridge_state(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
) -> Result<BridgeState, IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.bridge_state(&origin)?)
    })
    .await
}

/// `navigator.permissions.query({name})` for the host's permissions.
#[tauri::command]
pub async fn permission_state(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    name: String,
) -> Result<PermissionState, IpcError> {
    for_caller(&webview, &sync, move |s, _, origin| {
        Ok(s.permission(&origin, &name)?)
    })
    .await
}

/// The outcome of a dispatched event, reported by the page that dispatched it. Accepted only
/// from the window the event was sent to.
#[tauri::command]
pub async fn sync_result(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    id: u64,
    ok: bool,
    error: Option<String>,
) -> Result<(), IpcError> {
    for_caller(&webview, &sync, move |s, window, _| {
        let outcome = if ok {
            Ok(())
        } else {
            Err(EventFailure::Reported(
                error.unwrap_or_else(|| "the event failed".into()),
            ))
        };
        s.in_flight.deliver(&window, id, outcome);
        Ok(())
    })
    .await
}
