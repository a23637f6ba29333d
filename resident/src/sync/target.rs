//! What the dispatcher fires events through: "something that delivers an event to an app's
//! service worker in a window and has the outcome reported". The host implements it as part of
//! `Desktop`, as messages to the window side (`link/link_desktop.rs`); the unit tests over a
//! double with knobs (stall, fail, crash), like Chromium's TestBackgroundSyncManager.

use std::future::Future;

use serde::Serialize;
use syncshell_core::store::apps::App;

use super::failure::EventFailure;
use crate::label::WindowLabel;

/// One event as the page bridge's `__syncshellDispatch` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventMessage {
    /// Dispatch id; the outcome comes back with it (`sync_result`).
    pub id: u64,
    /// `sync`, `periodicsync`, `notificationclick` or `notificationclose`.
    pub kind: &'static str,
    /// The registration's tag.
    pub tag: String,
    /// `SyncEvent.lastChance`.
    pub last_chance: bool,
    /// How long the worker may take (ms).
    pub timeout_ms: i64,
    /// The service worker registration's scope.
    pub scope: String,
    /// The origin's bridge state, applied in the worker before the event fires.
    pub state: Option<super::bridge_state::BridgeState>,
    /// Notification events: the notification (`{id, title, options}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<serde_json::Value>,
    /// Notification events: the clicked action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// A window an event can be sent to.
pub trait EventWindow: Clone + Send + Sync + 'static {
    /// The window's label: the outcome is accepted from this window only.
    fn label(&self) -> WindowLabel;
    /// Hands `message` to the window's page; the outcome arrives later through `InFlight`.
    fn send(&self, message: &EventMessage) -> Result<(), EventFailure>;
}

/// The windows of installed apps, as the dispatcher sees them.
pub trait EventWindows: Send + Sync + 'static {
    /// The window type.
    type Window: EventWindow;
    /// The app's visible window, if it is open.
    fn app_window(&self, app_id: &str) -> impl Future<Output = Option<Self::Window>> + Send;
    /// The app's hidden dispatch window, if it is open and not parked.
    fn hidden_window(&self, app_id: &str) -> impl Future<Output = Option<Self::Window>> + Send;
    /// Opens the app's hidden dispatch window, or wakes its parked one; resolves once its page
    /// has loaded.
    fn open_hidden(
        &self,
        app: &App,
    ) -> impl Future<Output = Result<Self::Window, EventFailure>> + Send;
    /// Closes the app's hidden dispatch window, if it is open, and returns once it can no longer
    /// be found: until then an event sent there would be lost (found by the soak test).
    fn close_hidden(&self, app_id: &str) -> impl Future<Output = ()> + Send;
    /// Parks the app's idle hidden window: its web process ends (the memory goes with it) and the
    /// window stays, unseen by [`EventWindows::hidden_window`], until `open_hidden` wakes it.
    /// Reused rather than closed because WebKitGTK keeps every closed web view's page in the host
    /// for good (about 0.7 MiB and a descriptor each); a process ended and started again for the
    /// same view keeps nothing (measured: README "Reliability").
    fn park_hidden(&self, app_id: &str) -> impl Future<Output = ()> + Send;
}
