//! Background sync in the host: the state shared by the page bridge's IPC commands, the worker
//! shim's reserved path, the scheduler and the dispatcher. The rules themselves are in
//! `syncshell_core::sync`; this module connects them to webviews.

pub mod calls;
pub mod dispatcher;
pub mod ipc;
pub mod network;
pub mod proxy_policy;
pub mod scheduler;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use syncshell_core::sync::parameters::Parameters;
use tokio::sync::{oneshot, Notify, OwnedSemaphorePermit, Semaphore};

use crate::context::Context;

/// The page bridge, injected into app windows (never into local windows).
pub const PAGE_BRIDGE: &str = include_str!("../../../web/bridge/page.js");
/// The worker shim, prepended to app service workers by the proxy.
pub const WORKER_SHIM: &str = include_str!("../../../web/bridge/worker-shim.js");

/// Background sync state of the host.
pub struct SyncHost {
    /// The tunables in force.
    pub params: Parameters,
    /// Shared context (store, clock, paths).
    pub ctx: Arc<Context>,
    /// Wakes the scheduler: a registration, a finished event, a network change.
    pub wake: Notify,
    /// Online state and its override.
    pub network: network::Network,
    /// Events in flight, by dispatch id, waiting for the page's `sync_result`.
    in_flight: Mutex<HashMap<u64, oneshot::Sender<Result<(), String>>>>,
    next_id: AtomicU64,
    /// One permit per hidden window that may exist (`max_hidden_webviews`).
    pub hidden_slots: Arc<Semaphore>,
    /// The permit each open hidden window holds, by app id; released when it closes.
    pub hidden_permits: Mutex<HashMap<String, OwnedSemaphorePermit>>,
}

impl SyncHost {
    /// Sync state over `ctx` with `params`.
    pub fn new(ctx: Arc<Context>, params: Parameters) -> Self {
        Self {
            hidden_slots: Arc::new(Semaphore::new(params.max_hidden_webviews.max(1) as usize)),
            hidden_permits: Mutex::new(HashMap::new()),
            params,
            ctx,
            wake: Notify::new(),
            network: network::Network::default(),
            in_flight: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        }
    }

    /// Registers a dispatch and returns its id and the receiver of its outcome.
    pub fn expect_result(&self) -> (u64, oneshot::Receiver<Result<(), String>>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        (id, rx)
    }

    /// Delivers a page's report of dispatch `id`. Unknown ids (late, or forged) are ignored.
    pub fn deliver_result(&self, id: u64, outcome: Result<(), String>) {
        let sender = self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(sender) = sender {
            let _ = sender.send(outcome);
        }
    }

    /// Forgets dispatch `id` (timed out).
    pub fn abandon(&self, id: u64) {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}
