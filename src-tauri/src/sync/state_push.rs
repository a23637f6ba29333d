//! Tells open app windows (visible and hidden) when their bridge state changed, so that
//! `PermissionStatus` and `navigator.connection` fire `change` while the page is open. The page
//! bridge relays it to the app's service workers.

use std::sync::Arc;

use syncshell_core::store::apps;

use super::SyncHost;
use crate::windows::Windows;

/// Runs for the host's life: after each [`SyncHost::changed`], tells every app window its
/// origin's state. The page fires `change` only for what differs, so telling every window is
/// harmless.
pub async fn run(sync: Arc<SyncHost>, windows: Arc<Windows>) {
    loop {
        sync.state_changed.notified().await;
        let (sync, windows) = (sync.clone(), windows.clone());
        // Reading a window's URL waits for the main thread: on the blocking pool.
        let _ = tauri::async_runtime::spawn_blocking(move || push(&sync, &windows)).await;
    }
}

/// Evaluates `__syncshellStateChanged(state)` in each app window showing its app's origin (a
/// window that navigated elsewhere is told nothing: the state is its app's alone).
fn push(sync: &SyncHost, windows: &Windows) {
    let installed = apps::list(sync.ctx.store().conn()).unwrap_or_default();
    for (label, window) in windows.app_windows() {
        let Some(app) = installed.iter().find(|a| a.id == label.app_id()) else {
            continue;
        };
        let showing = window.url().ok().map(|u| u.origin().ascii_serialization());
        if showing.as_deref() != Some(app.origin.as_str()) {
            continue;
        }
        let state = match sync.bridge_state(&app.origin) {
            Ok(state) => state,
            Err(e) => {
                eprintln!("syncshell: cannot read the state of {}: {e}", app.id);
                continue;
            }
        };
        let Ok(json) = serde_json::to_string(&state) else {
            continue;
        };
        let script =
            format!("window.__syncshellStateChanged && window.__syncshellStateChanged({json})");
        if let Err(e) = window.eval(&script) {
            eprintln!("syncshell: {label}: cannot tell the page of a change: {e}");
        }
    }
}
