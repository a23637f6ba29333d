//! What keeps an open panel live: every store change (and network change) the host's change feed
//! reports goes to the settings window as `settings:changed` {tables}, and an install's steps as
//! `settings:install` {url, step, message}. Only the settings window is told, and only it may
//! listen (its grant).

use serde::Serialize;
use syncshell_core::install::InstallStep;
use tauri::{AppHandle, Emitter, EventTarget};
use tokio::sync::broadcast;

use crate::windows::SETTINGS_LABEL;
use syncshell_resident::changes::Changed;

/// The event of store and network changes.
pub const CHANGED: &str = "settings:changed";
/// The event of an install's progress.
pub const INSTALL: &str = "settings:install";

#[derive(Clone, Serialize)]
struct ChangedPayload {
    tables: Vec<&'static str>,
}

/// One step of an install the panel started.
#[derive(Debug, Clone, Serialize)]
pub struct InstallProgress {
    /// The URL being installed, as the panel gave it.
    pub url: String,
    /// `page`, `manifest`, `icon`, `launcher`, `done` or `failed`.
    pub step: &'static str,
    /// What failed, for `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl InstallProgress {
    /// `url` has reached `step`.
    pub fn step(url: &str, step: InstallStep) -> Self {
        Self {
            url: url.to_owned(),
            step: step.as_str(),
            message: None,
        }
    }
}

fn target() -> EventTarget {
    EventTarget::WebviewWindow {
        label: SETTINGS_LABEL.into(),
    }
}

/// Tells the settings window (if open) of an install's progress.
pub fn install_progress(handle: &AppHandle, progress: InstallProgress) {
    if let Err(e) = handle.emit_to(target(), INSTALL, progress) {
        eprintln!("syncshell: cannot tell the settings panel of an install: {e}");
    }
}

/// Runs for the host's life: each change goes to the settings window (a no-op while it is
/// closed). A receiver that fell behind says everything changed.
pub async fn forward(handle: AppHandle, mut changes: broadcast::Receiver<Changed>) {
    loop {
        let changed = match changes.recv().await {
            Ok(changed) => changed,
            Err(broadcast::error::RecvError::Lagged(_)) => Changed::everything(),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let mut tables: Vec<&'static str> = changed.tables.tables().map(|t| t.sql_name()).collect();
        if changed.network {
            tables.push("network");
        }
        if changed.windows {
            tables.push("windows");
        }
        if let Err(e) = handle.emit_to(target(), CHANGED, ChangedPayload { tables }) {
            eprintln!("syncshell: cannot tell the settings panel of a change: {e}");
        }
    }
}
