//! The window side as the resident sees it: everything the host asks of GTK and WebKit (app
//! windows, hidden dispatch windows, the settings panel, the permission prompt, WebKit's
//! processes) goes through [`Desktop`], and everything the window side reports back goes through
//! [`WindowReports`]. The host implements `Desktop` as messages to the window process
//! (`link/link_desktop.rs`), the unit tests with doubles; nothing in this crate touches a window
//! another way.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use syncshell_core::origin::https_host;
use syncshell_core::store::apps::App;
use syncshell_proxy::ca::{Authority, Leaf};
use url::Url;

use crate::changes::ChangeFeed;
use crate::label::WindowLabel;
use crate::panel::events::PanelEvent;
use crate::sync::failure::EventFailure;
use crate::sync::target::EventWindows;
use crate::sync::SyncHost;

/// Why the window side could not do what it was asked. Its text is what users and the log read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DesktopError {
    /// The window side failed: its own words (a window that could not be built, a process that
    /// would not end).
    #[error("{0}")]
    Window(String),
    /// The app's window is not open (a prompt has nothing to attach to).
    #[error("the app's window is not open")]
    NotOpen,
    /// The window side is gone (its process ended) or answered what this side cannot read.
    #[error("the window side is unreachable: {0}")]
    Unreachable(String),
}

impl From<DesktopError> for EventFailure {
    fn from(e: DesktopError) -> Self {
        Self::Window(e.to_string())
    }
}

/// What the user answered a permission prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// Allow.
    Allow,
    /// Block.
    Block,
    /// Closed the prompt without answering.
    Dismissed,
}

/// The app windows open now, visible and hidden (not parked), by app id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenWindows {
    /// Apps with a visible window.
    pub apps: Vec<String>,
    /// Apps with a hidden dispatch window.
    pub hidden: Vec<String>,
}

/// What WebKit must accept for an https app: the proxy's leaf for the app's host (that host
/// only, in that app's WebKit context only; never WebKit's global "ignore TLS errors").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsTrust {
    /// The app's host, as the certificate names it.
    pub host: String,
    /// The leaf, in PEM.
    pub cert_pem: String,
}

impl From<&Leaf> for TlsTrust {
    fn from(leaf: &Leaf) -> Self {
        Self {
            host: leaf.host.clone(),
            cert_pem: leaf.cert_pem.clone(),
        }
    }
}

/// Everything a window of an app (visible or hidden) is built with that only the resident
/// knows: the page bridge with the origin's state as of now, and the leaf to trust for an https
/// app (the proxy's own, so the page and the proxy agree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launch {
    /// The app.
    pub app: App,
    /// The page bridge script, injected into every frame.
    pub page_bridge: String,
    /// The leaf to trust, for an https app.
    pub tls: Option<TlsTrust>,
}

/// Makes [`Launch`]es: the sync state's bridge and the proxy's certificate authority.
#[derive(Clone)]
pub struct Launcher {
    sync: Arc<SyncHost>,
    authority: Arc<Authority>,
}

impl Launcher {
    /// Launches over `sync` and `authority`.
    pub fn new(sync: Arc<SyncHost>, authority: Arc<Authority>) -> Self {
        Self { sync, authority }
    }

    /// What a window of `app` is built with now. It reads the store and may issue a leaf, so the
    /// work runs on the blocking pool.
    pub async fn launch(&self, app: &App) -> Result<Launch, DesktopError> {
        let (launcher, app) = (self.clone(), app.clone());
        tokio::task::spawn_blocking(move || launcher.launch_now(&app))
            .await
            .map_err(|e| DesktopError::Window(e.to_string()))?
    }

    fn launch_now(&self, app: &App) -> Result<Launch, DesktopError> {
        let tls = match https_host(&app.origin) {
            None => None,
            Some(host) => {
                let leaf = self
                    .authority
                    .leaf(&host, std::time::SystemTime::now())
                    .map_err(|e| DesktopError::Window(format!("no certificate for {host}: {e}")))?;
                Some(TlsTrust::from(leaf.as_ref()))
            }
        };
        let state = self.sync.bridge_state(&app.origin).ok();
        Ok(Launch {
            app: app.clone(),
            page_bridge: crate::sync::bridge::page_bridge(state.as_ref()),
            tls,
        })
    }
}

/// What notifications need of the windows: bringing an app up after a click, and asking the user.
/// Object-safe, so the notifier holds it without knowing the window side's type.
pub trait NotificationWindows: Send + Sync + 'static {
    /// Opens (or raises) `app`'s window, at `url` if given, without waiting for it: a worker's
    /// request is answered first (a request still pending when a new window of its app opens
    /// fails in WebKit). Failures are logged.
    fn show_app(&self, app: &App, url: Option<Url>);
    /// Asks the user, on `app`'s open window, whether it may show notifications; resolves when
    /// the user answers (no time limit: the app waits for a person).
    fn ask_notifications(&self, app: &App) -> BoxFuture<'static, Result<Answer, DesktopError>>;
}

/// Everything else the host asks of the window side. Every call may wait for the GTK main
/// thread (or, split, for the window process): none blocks an async worker.
pub trait Desktop: EventWindows + NotificationWindows {
    /// Opens (or raises) `app`'s window at its start URL; resolves once it is up.
    fn open_app(&self, app: &App) -> impl Future<Output = Result<(), DesktopError>> + Send;
    /// Closes `app_id`'s window as the user would; whether one was open.
    fn close_app(&self, app_id: &str) -> impl Future<Output = bool> + Send;
    /// Destroys `app_id`'s window, parked or not, without the close the page could veto (the app
    /// is being removed).
    fn destroy_app_window(&self, app_id: &str) -> impl Future<Output = ()> + Send;
    /// Ends the WebKit network process serving `app_id` and returns once it is gone (it writes to
    /// the app's data for seconds after its last window).
    fn end_network_process(
        &self,
        app_id: &str,
    ) -> impl Future<Output = Result<(), DesktopError>> + Send;
    /// Opens (or raises) the settings panel.
    fn open_settings(&self) -> impl Future<Output = Result<(), DesktopError>> + Send;
    /// The app windows open now.
    fn open_windows(&self) -> impl Future<Output = OpenWindows> + Send;
    /// Runs `script` in the window `label` if it is open (not parked) and shows a page of
    /// `origin` (a window that navigated elsewhere is told nothing); whether it did.
    fn tell_page(
        &self,
        label: &WindowLabel,
        origin: &str,
        script: String,
    ) -> impl Future<Output = bool> + Send;
    /// The proxy renewed `leaf`: web views trusting the old certificate must trust the new one.
    fn trust_renewed(&self, leaf: &Leaf);
    /// Tells the settings panel, if it is open (nothing waits for it).
    fn tell_panel(&self, event: PanelEvent);
    /// Ends the host with `code`.
    fn quit(&self, code: i32);
}

/// What the window side reports, turned into the sync state's and the views' business: the one
/// way reports travel up (the windows are handed this; they never reach the host itself).
#[derive(Clone)]
pub struct WindowReports {
    sync: Arc<SyncHost>,
    changes: Arc<ChangeFeed>,
}

impl WindowReports {
    /// Reports into `sync` and `changes`.
    pub fn new(sync: Arc<SyncHost>, changes: Arc<ChangeFeed>) -> Self {
        Self { sync, changes }
    }

    /// A window's web process died (`why`): its events in flight fail.
    pub fn web_process_gone(&self, label: &WindowLabel, why: &str) {
        let failed = self
            .sync
            .in_flight
            .fail_window(label, EventFailure::WebProcess(why.to_owned()));
        eprintln!("syncshell: {label}: {why}; {failed} event(s) in flight failed");
    }

    /// A window's page went away (`why`: closed or reloaded by the user): its events in flight
    /// will be fired again, the attempt not counted.
    pub fn page_gone(&self, label: &WindowLabel, why: &str) {
        let failed = self
            .sync
            .in_flight
            .fail_window(label, EventFailure::PageGone(why.to_owned()));
        if failed > 0 {
            eprintln!("syncshell: {label}: {why}; {failed} event(s) will be fired again");
        }
    }

    /// The user spent `ms` in `app_id`'s window (site engagement). Writes the store: call it on
    /// the blocking pool.
    pub fn focused(&self, app_id: &str, ms: i64) {
        self.sync.record_focus(app_id, ms);
    }

    /// An app window opened or closed.
    pub fn window_opened_or_closed(&self) {
        self.changes.windows_changed();
    }

    /// The window process ended: every event in flight in its windows fails (an attempt, as a
    /// dead web process's), and the views learn its windows are gone.
    pub fn window_process_gone(&self) {
        let failed = self
            .sync
            .in_flight
            .fail_all(EventFailure::WebProcess("the window process ended".into()));
        if failed > 0 {
            eprintln!("syncshell: the window process ended; {failed} event(s) in flight failed");
        }
        self.changes.windows_changed();
    }

    /// Event `id` could not be handed to the page in `label` (`why`): it fails now rather than
    /// timing out.
    pub fn event_not_delivered(&self, label: &WindowLabel, id: u64, why: &str) {
        self.sync
            .in_flight
            .deliver(label, id, Err(EventFailure::Unreachable(why.to_owned())));
    }
}
