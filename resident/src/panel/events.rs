//! What keeps an open settings panel live: every change the change feed reports (store tables,
//! the network, app windows opening or closing) and each step of an install the panel started,
//! told to the window side, which passes them to the settings window if it is open.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use syncshell_core::install::InstallStep;
use tokio::sync::broadcast;

use crate::changes::Changed;
use crate::desktop::Desktop;

/// An event for the settings panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PanelEvent {
    /// These tables changed (`network` and `windows` among them for those): the panel re-reads
    /// what shows them.
    Changed {
        /// The names.
        tables: Vec<String>,
    },
    /// An install the panel started reached `step`.
    Install {
        /// The URL being installed, as the panel gave it.
        url: String,
        /// `page`, `manifest`, `icon`, `launcher`, `done` or `failed`.
        step: String,
        /// What failed, for `failed`.
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

impl PanelEvent {
    /// `url` reached `step`.
    pub fn install_step(url: &str, step: InstallStep) -> Self {
        Self::Install {
            url: url.to_owned(),
            step: step.as_str().to_owned(),
            message: None,
        }
    }

    /// What `changed` means for the panel.
    pub fn changed(changed: Changed) -> Self {
        let mut tables: Vec<String> = changed
            .tables
            .tables()
            .map(|t| t.sql_name().to_owned())
            .collect();
        if changed.network {
            tables.push("network".into());
        }
        if changed.windows {
            tables.push("windows".into());
        }
        Self::Changed { tables }
    }
}

/// Runs for the host's life: each change goes to the window side for the panel. A receiver that
/// fell behind says everything changed.
pub async fn forward<D: Desktop>(desktop: Arc<D>, mut changes: broadcast::Receiver<Changed>) {
    loop {
        let changed = match changes.recv().await {
            Ok(changed) => changed,
            Err(broadcast::error::RecvError::Lagged(_)) => Changed::everything(),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        desktop.tell_panel(PanelEvent::changed(changed));
    }
}

#[cfg(test)]
mod tests {
    use syncshell_core::store::changes::{Changes, Table};

    use super::*;

    #[test]
    fn a_change_names_its_tables_and_the_network_and_windows_marks() {
        let changed = Changed {
            tables: Changes::default().with(Table::BackgroundLog),
            network: true,
            windows: false,
        };
        let PanelEvent::Changed { tables } = PanelEvent::changed(changed) else {
            panic!("a change");
        };
        assert_eq!(tables, [Table::BackgroundLog.sql_name(), "network"]);
        let json =
            serde_json::to_value(PanelEvent::install_step("http://a/", InstallStep::Icon)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "event": "install", "url": "http://a/", "step": "icon" })
        );
    }
}
