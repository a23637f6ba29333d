//! What keeps an open panel live: the resident's panel events, passed to the settings window
//! as `settings:changed` {tables} and `settings:install` {url, step, message}. Only the settings
//! window is told, and only it may listen (its grant).

use serde::Serialize;
use syncshell_resident::panel::events::PanelEvent;
use tauri::{AppHandle, Emitter, EventTarget};

use crate::windows::SETTINGS_LABEL;

/// The event of store, network and window changes.
const CHANGED: &str = "settings:changed";
/// The event of an install's progress.
const INSTALL: &str = "settings:install";

#[derive(Clone, Serialize)]
struct ChangedPayload {
    tables: Vec<String>,
}

#[derive(Clone, Serialize)]
struct InstallPayload {
    url: String,
    step: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Tells the settings window (a no-op while it is closed).
pub fn tell(handle: &AppHandle, event: PanelEvent) {
    let target = EventTarget::WebviewWindow {
        label: SETTINGS_LABEL.into(),
    };
    let emitted = match event {
        PanelEvent::Changed { tables } => {
            handle.emit_to(target, CHANGED, ChangedPayload { tables })
        }
        PanelEvent::Install { url, step, message } => {
            handle.emit_to(target, INSTALL, InstallPayload { url, step, message })
        }
    };
    if let Err(e) = emitted {
        eprintln!("syncshell: cannot tell the settings panel: {e}");
    }
}
