//! What the page bridge and the worker shim show of the host: the origin's permissions (for
//! `navigator.permissions.query`) and the connection (`navigator.connection`). Pages get it baked
//! into the bridge when their window opens, ask for it (`bridge_state`) when they load, and are
//! pushed it when it changes; workers ask for it when they start and get it with each event.

use std::collections::BTreeMap;

use serde::Serialize;
use syncshell_core::permission::{self, PermissionState};

use super::network::Connection;
use super::SyncHost;
use syncshell_core::store::StoreError;

/// The bridge state of one origin, as JSON for the bridge scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BridgeState {
    /// Permission name -> state.
    pub permissions: BTreeMap<&'static str, PermissionState>,
    /// `navigator.connection`.
    pub connection: Connection,
}

impl SyncHost {
    /// The bridge state of `origin` now.
    pub fn bridge_state(&self, origin: &str) -> Result<BridgeState, StoreError> {
        let settings = permission::all(self.ctx.store().conn(), origin)?;
        Ok(BridgeState {
            permissions: settings
                .into_iter()
                .map(|(p, s)| (p.name(), s.state()))
                .collect(),
            connection: self.network.connection(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::sync::network::Mode;
    use crate::sync::test_double::sync_host;
    use syncshell_core::sync::parameters::Parameters;

    #[test]
    fn the_state_is_the_json_the_bridge_reads() {
        let dir = tempfile::tempdir().unwrap();
        let sync = sync_host(dir.path(), Parameters::default(), &[]);
        sync.network.set_mode(Mode::Metered);
        let json = serde_json::to_value(sync.bridge_state("http://a.test").unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "permissions": {
                    "background-sync": "granted",
                    "notifications": "prompt",
                    "periodic-background-sync": "granted"
                },
                "connection": { "type": "unknown", "saveData": true }
            })
        );
    }
}
