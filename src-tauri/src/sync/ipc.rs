//! Tauri commands for the page bridge. Granted at run time to each app's own origin only; the
//! caller's origin is read from its webview, and must be the origin of the app that owns it.

use std::sync::Arc;

use serde_json::Value;
use syncshell_core::store::apps;
use tauri::{State, Webview};

use super::calls::Call;
use super::SyncHost;
use crate::windows;

/// The caller's origin, from the webview's current URL, checked against the app the webview
/// belongs to (so a window that navigated elsewhere speaks for nobody).
fn caller_origin(webview: &Webview, sync: &SyncHost) -> Result<String, String> {
    let url = webview.url().map_err(|e| format!("UnknownError: {e}"))?;
    let origin = url.origin().ascii_serialization();
    let app_id =
        windows::owner_app_id(webview.label()).ok_or("SecurityError: not an app window")?;
    let app =
        apps::get(sync.ctx.store().conn(), app_id).map_err(|e| format!("UnknownError: {e}"))?;
    match app {
        Some(app) if app.origin == origin => Ok(origin),
        _ => Err("SecurityError: this page is not on its app's origin".into()),
    }
}

fn run(webview: &Webview, sync: &SyncHost, call: Call) -> Result<Value, String> {
    let origin = caller_origin(webview, sync)?;
    sync.call(&origin, call)
}

/// `registration.sync.register(tag)`.
#[tauri::command]
pub fn sync_register(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
    tag: String,
) -> Result<Value, String> {
    run(&webview, &sync, Call::SyncRegister { scope, tag })
}

/// `registration.sync.getTags()`.
#[tauri::command]
pub fn sync_get_tags(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
) -> Result<Value, String> {
    run(&webview, &sync, Call::SyncGetTags { scope })
}

/// `registration.periodicSync.register(tag, {minInterval})`.
#[tauri::command]
pub fn periodic_register(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
    tag: String,
    min_interval: f64,
) -> Result<Value, String> {
    run(
        &webview,
        &sync,
        Call::PeriodicRegister {
            scope,
            tag,
            min_interval,
        },
    )
}

/// `registration.periodicSync.getTags()`.
#[tauri::command]
pub fn periodic_get_tags(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
) -> Result<Value, String> {
    run(&webview, &sync, Call::PeriodicGetTags { scope })
}

/// `registration.periodicSync.unregister(tag)`.
#[tauri::command]
pub fn periodic_unregister(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    scope: String,
    tag: String,
) -> Result<Value, String> {
    run(&webview, &sync, Call::PeriodicUnregister { scope, tag })
}

/// `navigator.permissions.query({name})` for the sync permissions.
#[tauri::command]
pub fn permission_state(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    name: String,
) -> Result<Value, String> {
    run(&webview, &sync, Call::PermissionState { name })
}

/// The outcome of a dispatched event, reported by the page that dispatched it.
#[tauri::command]
pub fn sync_result(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    id: u64,
    ok: bool,
    error: Option<String>,
) -> Result<(), String> {
    caller_origin(&webview, &sync)?;
    let outcome = if ok {
        Ok(())
    } else {
        Err(error.unwrap_or_else(|| "the event failed".into()))
    };
    sync.deliver_result(webview.label(), id, outcome);
    Ok(())
}
