//! Tells open app windows (visible and hidden) when their bridge state changed, so that
//! `PermissionStatus` and `navigator.connection` fire `change` while the page is open. The page
//! bridge relays it to the app's service workers.

use std::sync::Arc;

use syncshell_core::store::apps;

use super::SyncHost;
use crate::desktop::Desktop;
use crate::label::WindowLabel;

/// Runs for the host's life: after each [`SyncHost::changed`], tells every open app window its
/// origin's state. The page fires `change` only for what differs, so telling every window is
/// harmless.
pub async fn run<D: Desktop>(sync: Arc<SyncHost>, windows: Arc<D>) {
    loop {
        sync.state_changed.notified().await;
        let open = windows.open_windows().await;
        let labels: Vec<WindowLabel> = (open.apps.into_iter().map(WindowLabel::App))
            .chain(open.hidden.into_iter().map(WindowLabel::Hidden))
            .collect();
        let (stated, wanted) = (sync.clone(), labels);
        // Store reads: on the blocking pool.
        let scripts = tokio::task::spawn_blocking(move || scripts(&stated, &wanted))
            .await
            .unwrap_or_default();
        for (label, origin, script) in scripts {
            // A window that navigated elsewhere is told nothing: the state is its app's alone.
            windows.tell_page(&label, &origin, script).await;
        }
    }
}

/// `__syncshellStateChanged(state)` for each of the `open` windows: (window, its app's origin,
/// script).
fn scripts(sync: &SyncHost, open: &[WindowLabel]) -> Vec<(WindowLabel, String, String)> {
    let installed = apps::list(sync.ctx.store().conn()).unwrap_or_default();
    let mut out = Vec::new();
    for label in open {
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
        out.push((label.clone(), app.origin.clone(), script));
    }
    out
}
