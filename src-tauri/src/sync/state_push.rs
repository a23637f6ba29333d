//! Tells open app windows (visible and hidden) when their bridge state changed, so that
//! `PermissionStatus` and `navigator.connection` fire `change` while the page is open. The page
//! bridge relays it to the app's service workers.

use std::sync::Arc;

use syncshell_core::store::apps;

use super::SyncHost;
use crate::windows::Windows;

/// Runs for the host's life: after each [`SyncHost::changed`], evaluates
/// `__syncshellStateChanged(state)` in every app window with its origin's state. The page fires
/// `change` only for what differs, so telling every window is harmless.
pub async fn run(sync: Arc<SyncHost>, windows: Arc<Windows>) {
    loop {
        sync.state_changed.notified().await;
        let installed = apps::list(sync.ctx.store().conn()).unwrap_or_default();
        for (label, window) in windows.app_windows() {
            let Some(app) = installed.iter().find(|a| a.id == label.app_id()) else {
                continue;
            };
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
}
