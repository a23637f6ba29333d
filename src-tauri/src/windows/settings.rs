//! The settings panel's window: one local window titled "syncshell Settings", showing
//! `web/settings` from the host's own assets, in a WebKit context of its own (no app's cookies,
//! no proxy). It is the only window granted the panel's commands; opening it again raises it.

use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

use super::{WindowError, Windows};
use crate::panel_commands::PANEL_COMMANDS;

/// The settings window's label, which the panel's grant names.
pub const SETTINGS_LABEL: &str = "settings";

/// Its first size, in logical pixels.
const SIZE: (f64, f64) = (1000.0, 700.0);

impl Windows {
    /// Opens the settings window, or shows and raises it. Blocks until the window exists; never
    /// call it on the main thread.
    pub fn open_settings(&self) -> Result<(), WindowError> {
        let _opening = self.opening_app.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(window) = self.handle.get_webview_window(SETTINGS_LABEL) {
            return super::raise(&window);
        }
        self.grant_panel()?;
        WebviewWindowBuilder::new(
            &self.handle,
            SETTINGS_LABEL,
            WebviewUrl::App("index.html".into()),
        )
        .title("syncshell Settings")
        .inner_size(SIZE.0, SIZE.1)
        .min_inner_size(640.0, 480.0)
        .data_directory(self.ctx.paths.settings_webview_dir())
        .build()
        .map_err(|source| WindowError::Build {
            kind: "the settings window",
            app: "settings".into(),
            source,
        })?;
        Ok(())
    }

    /// Grants the panel's commands (and listening to the host's events) to the settings window
    /// on the host's own assets, once: no remote origin and no other window gets them.
    fn grant_panel(&self) -> Result<(), WindowError> {
        let mut granted = self.panel_granted.lock().unwrap_or_else(|e| e.into_inner());
        if *granted {
            return Ok(());
        }
        let mut capability = tauri::ipc::CapabilityBuilder::new("settings-panel")
            .local(true)
            .window(SETTINGS_LABEL)
            .permission("core:event:allow-listen")
            .permission("core:event:allow-unlisten");
        for command in PANEL_COMMANDS {
            capability = capability.permission(format!("allow-{}", command.replace('_', "-")));
        }
        self.handle
            .add_capability(capability)
            .map_err(|source| WindowError::Grant {
                origin: "the settings window".into(),
                source,
            })?;
        *granted = true;
        Ok(())
    }
}
