//! Background sync in the host: connects the rules of `syncshell_core::sync` to app windows.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`SyncHost`]: the state every part shares (parameters, store, wake-up, network, events in flight) |
//! | `bridge.rs` | the page bridge and worker shim scripts as delivered |
//! | `calls.rs` | the API calls both transports carry, and their typed answers |
//! | `network.rs` | online, metered, link type, and the user's override |
//! | `network_watch.rs` | following the system: the kernel's routes, NetworkManager when it runs |
//! | `bridge_state.rs` | what pages and workers see of the host: permissions, `navigator.connection` |
//! | `state_push.rs` | pushing that state to open app windows when it changes |
//! | `scheduler.rs` | the loop: what is due, fire it, sleep until the next due time or a change |
//! | `dispatcher.rs` | one event: through the app's window or a hidden one, with the timeout |
//! | `target.rs` | the trait the dispatcher fires through (a window that takes an event) |
//! | `hidden_pool.rs` | hidden windows: slots, leases, idle close |
//! | `in_flight.rs` | events waiting for their outcome, bound to their window |
//! | `failure.rs` | why an event failed |

pub mod bridge;
pub mod bridge_state;
pub mod calls;
pub mod dispatcher;
pub mod failure;
pub mod hidden_pool;
pub mod in_flight;
pub mod network;
pub mod network_watch;
pub mod scheduler;
pub mod state_push;
pub mod target;
#[cfg(test)]
pub(crate) mod test_double;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use syncshell_core::store::sync_registrations::{self, Kind};
use syncshell_core::store::{apps, engagement};
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
    /// Wakes the state push: a permission or the network changed.
    pub state_changed: Notify,
    /// Online state and its override.
    pub network: Arc<network::Network>,
    /// Events waiting for their outcome.
    pub in_flight: in_flight::InFlight,
    /// How many times the scheduler has looked at the store: an idle host should not (the idle
    /// benchmark reads it from `syncshell status`).
    pub decisions: AtomicU64,
}

impl SyncHost {
    /// Sync state over `ctx` with `params`.
    pub fn new(ctx: Arc<Context>, params: Parameters) -> Self {
        Self {
            params,
            ctx,
            wake: Notify::new(),
            state_changed: Notify::new(),
            network: Arc::default(),
            in_flight: in_flight::InFlight::default(),
            decisions: AtomicU64::new(0),
        }
    }

    /// The user opened the app of `origin` (or installed it): counts towards its engagement, which
    /// may end a suspension of its periodic sync. Store work: call it off the main thread.
    pub fn record_launch(&self, origin: &str) {
        let now = self.ctx.clock.now_ms();
        if let Err(e) = engagement::record_launch(self.ctx.store().conn(), origin, now) {
            eprintln!("syncshell: cannot record the launch of {origin}: {e}");
        }
        self.wake.notify_one();
    }

    /// The window of app `app_id` had the focus for `ms` milliseconds, ending now. Store work:
    /// call it off the main thread.
    pub fn record_focus(&self, app_id: &str, ms: i64) {
        let now = self.ctx.clock.now_ms();
        let store = self.ctx.store();
        let recorded = apps::get(store.conn(), app_id).and_then(|app| match app {
            Some(app) => engagement::record_focus(store.conn(), &app.origin, now, ms),
            None => Ok(()),
        });
        if let Err(e) = recorded {
            eprintln!("syncshell: cannot record the use of {app_id}: {e}");
        }
        // The app may have left level "none": its held periodic events may fire.
        self.wake.notify_one();
    }

    /// Whether a one-off sync waits for the network to come back: offline, with a one-off
    /// registration stored (a post written offline). Then the window process is kept (or
    /// started) with no window, so that the event fires the moment the network is back rather
    /// than after a process start. Store work: call it off the async workers.
    pub fn waits_for_network(&self) -> bool {
        if self.network.is_online() {
            return false;
        }
        sync_registrations::list(self.ctx.store().conn(), None)
            .map(|all| all.iter().any(|r| r.key.kind == Kind::Sync))
            .unwrap_or(false)
    }

    /// Something pages see and the scheduler plans with changed (the network, a permission,
    /// pause): the scheduler looks again and open windows are told.
    pub fn changed(&self) {
        self.wake.notify_one();
        self.state_changed.notify_one();
    }
}
