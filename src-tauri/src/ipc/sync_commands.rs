//! The page bridge's background sync commands, carried to the resident (`caller.rs`).

use std::sync::Arc;

use serde_json::Value;
use syncshell_resident::link::rpc::Link;
use syncshell_resident::page_calls::PageCall;
use syncshell_resident::sync::calls::Call;
use tauri::{State, Webview};

use super::caller::forward;
use super::error::IpcError;

/// A sync call, the same the worker shim makes over the reserved path.
async fn sync_call(
    webview: &Webview,
    link: &State<'_, Arc<Link>>,
    call: Call,
) -> Result<Value, IpcError> {
    forward(webview, link, PageCall::Sync { call }).await
}

/// `registration.sync.register(tag)`.
#[tauri::command]
pub async fn sync_register(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: String,
    tag: String,
) -> Result<Value, IpcError> {
    let call = Call::SyncRegister { scope, tag };
    sync_call(&webview, &link, call).await
}

/// `registration.sync.getTags()`.
#[tauri::command]
pub async fn sync_get_tags(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: String,
) -> Result<Value, IpcError> {
    let call = Call::SyncGetTags { scope };
    sync_call(&webview, &link, call).await
}

/// `registration.periodicSync.register(tag, {minInterval})`.
#[tauri::command]
pub async fn periodic_register(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: String,
    tag: String,
    min_interval: f64,
) -> Result<Value, IpcError> {
    let call = Call::PeriodicRegister {
        scope,
        tag,
        min_interval,
    };
    sync_call(&webview, &link, call).await
}

/// `registration.periodicSync.getTags()`.
#[tauri::command]
pub async fn periodic_get_tags(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: String,
) -> Result<Value, IpcError> {
    let call = Call::PeriodicGetTags { scope };
    sync_call(&webview, &link, call).await
}

/// `registration.periodicSync.unregister(tag)`.
#[tauri::command]
pub async fn periodic_unregister(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: String,
    tag: String,
) -> Result<Value, IpcError> {
    let call = Call::PeriodicUnregister { scope, tag };
    sync_call(&webview, &link, call).await
}

/// The calling page's bridge state (permissions, connection), asked for when it loads.
#[tauri::command]
pub async fn bridge_state(webview: Webview, link: State<'_, Arc<Link>>) -> Result<Value, IpcError> {
    let call = Call::BridgeState {};
    sync_call(&webview, &link, call).await
}

/// `navigator.permissions.query({name})` for the host's permissions.
#[tauri::command]
pub async fn permission_state(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    name: String,
) -> Result<Value, IpcError> {
    let call = Call::PermissionState { name };
    sync_call(&webview, &link, call).await
}

/// The outcome of a dispatched event, reported by the page that dispatched it. Accepted only
/// from the window the event was sent to.
#[tauri::command]
pub async fn sync_result(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    id: u64,
    ok: bool,
    error: Option<String>,
) -> Result<Value, IpcError> {
    forward(&webview, &link, PageCall::Outcome { id, ok, error }).await
}
