//! Background sync in the host: the state shared by the page bridge's IPC commands, the worker
//! shim's reserved path, the scheduler and the dispatcher. The rules themselves are in
//! `syncshell_core::sync`; this module connects them to webviews.

pub mod calls;
pub mod dispatcher;
pub mod hidden;
pub mod ipc;
pub mod network;
pub mod proxy_policy;
pub mod scheduler;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use syncshell_core::sync::parameters::Parameters;
use tokio::sync::{oneshot, Notify};

use crate::context::Context;

/// A bridge script as delivered: the API both sides share (`sync-api.js`), then the side's own
/// part, in one function scope so neither leaves a global behind (`web/bridge/source.mjs`
/// assembles them the same way for the JS tests).
macro_rules! bridge_script {
    ($part:literal) => {
        concat!(
            "(function () {\n'use strict';\n",
            include_str!("../../../web/bridge/sync-api.js"),
            include_str!(concat!("../../../web/bridge/", $part)),
            "})();\n"
        )
    };
}

/// The page bridge, injected into app windows (never into local windows).
pub const PAGE_BRIDGE: &str = bridge_script!("page.js");
/// The worker shim, prepended to app service workers by the proxy.
pub const WORKER_SHIM: &str = bridge_script!("worker-shim.js");

/// Where the outcome of one dispatched event goes.
type OutcomeSender = oneshot::Sender<Result<(), String>>;

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
    /// Events in flight, by dispatch id: the label of the window the event was sent to (only
    /// that window may report its outcome) and the sender waiting for its `sync_result`.
    in_flight: Mutex<HashMap<u64, (String, OutcomeSender)>>,
    next_id: AtomicU64,
    /// Slots and use of the hidden dispatch windows (`max_hidden_webviews`).
    pub hidden: hidden::HiddenWindows,
}

impl SyncHost {
    /// Sync state over `ctx` with `params`.
    pub fn new(ctx: Arc<Context>, params: Parameters) -> Self {
        Self {
            hidden: hidden::HiddenWindows::new(params.max_hidden_webviews as usize),
            params,
            ctx,
            wake: Notify::new(),
            network: network::Network::default(),
            in_flight: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        }
    }

    /// Registers a dispatch sent to the window labelled `label`; returns its id and the
    /// receiver of its outcome.
    pub fn expect_result(&self, label: &str) -> (u64, oneshot::Receiver<Result<(), String>>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (label.to_owned(), tx));
        (id, rx)
    }

    /// Delivers the report of dispatch `id` made by the window labelled `label`. Unknown ids
    /// (late, or forged) and reports from any other window are ignored.
    pub fn deliver_result(&self, label: &str, id: u64, outcome: Result<(), String>) {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if in_flight.get(&id).is_some_and(|(l, _)| l == label) {
            if let Some((_, sender)) = in_flight.remove(&id) {
                let _ = sender.send(outcome);
            }
        }
    }

    /// Fails every event in flight in the window labelled `label` (its web process died) and
    /// returns how many there were.
    pub fn fail_window(&self, label: &str, reason: &str) -> usize {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let ids: Vec<u64> = in_flight
            .iter()
            .filter(|(_, (l, _))| l == label)
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            if let Some((_, sender)) = in_flight.remove(id) {
                let _ = sender.send(Err(reason.to_owned()));
            }
        }
        ids.len()
    }

    /// Forgets dispatch `id` (timed out).
    pub fn abandon(&self, id: u64) {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syncshell_core::paths::Paths;

    fn host() -> (tempfile::TempDir, SyncHost) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let paths = Paths::new(&root.join("data"), &root.join("config"), &root.join("run"));
        std::fs::create_dir_all(root.join("data/syncshell")).unwrap();
        let ctx = Arc::new(Context::open(paths).unwrap());
        (dir, SyncHost::new(ctx, Parameters::default()))
    }

    #[test]
    fn only_the_window_an_event_went_to_may_report_its_outcome() {
        let (_dir, sync) = host();
        let (id, mut rx) = sync.expect_result("hidden-notes");
        sync.deliver_result("app-other", id, Ok(()));
        sync.deliver_result("hidden-other", id, Ok(()));
        assert!(rx.try_recv().is_err(), "a foreign report was taken");
        sync.deliver_result("hidden-notes", id, Err("no".into()));
        assert_eq!(rx.try_recv().unwrap(), Err("no".to_owned()));
    }

    #[test]
    fn a_dead_window_fails_its_events_and_no_one_else_s() {
        let (_dir, sync) = host();
        let (_, mut a) = sync.expect_result("hidden-notes");
        let (_, mut b) = sync.expect_result("hidden-notes");
        let (_, mut c) = sync.expect_result("app-notes");
        assert_eq!(
            sync.fail_window("hidden-notes", "the web process crashed"),
            2
        );
        for rx in [&mut a, &mut b] {
            assert_eq!(
                rx.try_recv().unwrap(),
                Err("the web process crashed".to_owned())
            );
        }
        assert!(c.try_recv().is_err());
        assert_eq!(sync.fail_window("hidden-notes", "again"), 0);
    }
}
