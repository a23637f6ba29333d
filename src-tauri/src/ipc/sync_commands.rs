//! The page bridge's background sync commands (see `ipc/mod.rs` for how callers are checked).

use std::sync::Arc;

use syncshell_core::store::sync_registrations::Kind;
use tauri::{State, Webview};

use super::caller::for_caller;
use super::error::IpcError;
use syncshell_core::permission::PermissionState;
use syncshell_resident::sync::bridge_state::BridgeState;
use syncshell_resident::sync::failure::EventFailure;
use syncshell_resident::sync::SyncHost;

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
