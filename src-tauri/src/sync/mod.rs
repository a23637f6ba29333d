//! Background sync in the host: connects the rules of `syncshell_core::sync` to webviews.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`SyncHost`]: the state every part shares (parameters, store, wake-up, network, events in flight) |
//! | `bridge.rs` | the page bridge and worker shim scripts as delivered |
//! | `calls.rs` | the API calls both transports carry, and their typed answers |
//! | `ipc.rs` | the page bridge's Tauri commands (async; origin from the webview) |
//! | `ipc_error.rs` | the IPC boundary's error, sent to JavaScript as `{name, message}` |
//! | `proxy_policy.rs` | the proxy's questions: which origins get the shim (cached), the reserved path |
//! | `network.rs` | online or offline: GIO's monitor and the user's override |
//! | `scheduler.rs` | the loop: what is due, fire it, sleep until the next due time or a change |
//! | `dispatcher.rs` | one event: through the app's window or a hidden one, with the timeout |
//! | `target.rs` | the trait the dispatcher fires through (a window that takes an event) |
//! | `webview_target.rs` | that trait over the host's real windows |
//! | `hidden_pool.rs` | hidden windows: slots, leases, idle close |
//! | `in_flight.rs` | events waiting for their outcome, bound to their window |
//! | `failure.rs` | why an event failed |

pub mod bridge;
pub mod calls;
pub mod dispatcher;
pub mod failure;
pub mod hidden_pool;
pub mod in_flight;
pub mod ipc;
pub mod ipc_error;
pub mod network;
pub mod proxy_policy;
pub mod scheduler;
pub mod target;
#[cfg(test)]
mod test_double;
pub mod webview_target;

use std::sync::Arc;

use syncshell_core::sync::parameters::Parameters;
use tokio::sync::Notify;

use crate::context::Context;

/// Background sync state of the host, shared by the IPC commands, the proxy's reserved path, the
/// scheduler and the dispatcher.
pub struct SyncHost {
    /// The tunables in force.
    pub params: Parameters,
    /// Shared context (store, clock, paths).
    pub ctx: Arc<Context>,
    /// Wakes the scheduler: a registration, a finished event, a network change.
    pub wake: Notify,
    /// Online state and its override.
    pub network: network::Network,
    /// Events waiting for their outcome.
    pub in_flight: in_flight::InFlight,
}

impl SyncHost {
    /// Sync state over `ctx` with `params`.
    pub fn new(ctx: Arc<Context>, params: Parameters) -> Self {
        Self {
            params,
            ctx,
            wake: Notify::new(),
            network: network::Network::default(),
            in_flight: in_flight::InFlight::default(),
        }
    }
}
