//! IPC grants: the page bridge's commands are granted to each app's own origin, in that app's own
//! windows, and to nothing else. Local windows and other origins get nothing.

use std::collections::HashSet;
use std::sync::Mutex;

use syncshell_core::store::apps::App;
use tauri::{AppHandle, Manager};

use super::{WindowError, WindowLabel};
use crate::bridge_commands::BRIDGE_COMMANDS;

/// The grants made so far. Tauri has no way to take a capability back, so each (app, origin)
/// is granted once for the host's life; an uninstalled app's windows are gone, so its grant
/// matches nothing.
#[derive(Default)]
pub struct BridgeGrants {
    granted: Mutex<HashSet<(String, String)>>,
}

impl BridgeGrants {
    /// Grants the bridge's commands to `app`'s origin in its app and hidden windows, once.
    pub fn grant(&self, handle: &AppHandle, app: &App) -> Result<(), WindowError> {
        let mut granted = self.granted.lock().unwrap_or_else(|e| e.into_inner());
        let key = (app.id.clone(), app.origin.clone());
        if granted.contains(&key) {
            return Ok(());
        }
        let mut capability =
            tauri::ipc::CapabilityBuilder::new(format!("bridge-{}-{}", app.id, granted.len()))
                .local(false)
                .remote(format!("{}/*", app.origin))
                .window(WindowLabel::App(app.id.clone()).to_string())
                .window(WindowLabel::Hidden(app.id.clone()).to_string());
        for command in BRIDGE_COMMANDS {
            capability = capability.permission(format!("allow-{}", command.replace('_', "-")));
        }
        handle
            .add_capability(capability)
            .map_err(|source| WindowError::Grant {
                origin: app.origin.clone(),
                source,
            })?;
        granted.insert(key);
        Ok(())
    }
}
