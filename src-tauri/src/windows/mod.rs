//! The host's windows. One owner, [`Windows`], holds what every app window is built with (the
//! proxy, the certificate authority, the IPC grants, the crash report the host passed down);
//! each concept has its own file:
//!
//! | file | concept |
//! |---|---|
//! | `grant.rs` | the page bridge's IPC, granted per app origin in that app's windows only |
//! | `app.rs` | app windows: open or focus, close, remembered size |
//! | `hidden.rs` | an app's hidden dispatch window: built, parked when idle, woken |
//! | `parked.rs` | windows kept with no web process instead of closed, and woken |
//! | `tls.rs` | WebKit trusting the proxy's leaf per host per app context |
//! | `crash.rs` | a dead web process: report it, then close or reload |
//! | `scope.rs` | navigation kept in the app's scope, the rest to the browser |
//! | `prompt.rs` | the permission prompt drawn on the app's window |
//! | `settings.rs` | the settings panel's window, the only one granted the panel's commands |
//! | `save_dialog.rs` | the panel's "Save as" dialog |
//! | `network_process.rs` | the WebKit network process serving an app, found and ended |
//! | `idle_network.rs` | apps' network processes ended once no app has had a page for a while |

mod app;
mod crash;
mod error;
mod grant;
mod hidden;
mod idle_network;
mod network_process;
mod parked;
mod prompt;
mod save_dialog;
mod scope;
mod settings;
mod tls;

use std::sync::{Arc, Mutex};

use syncshell_core::store::apps;
use syncshell_resident::desktop::{Launch, TlsTrust};
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder, Wry};
use url::Url;

pub use app::FocusReport;
pub use crash::CrashReport;
pub use error::WindowError;
pub use settings::SETTINGS_LABEL;
use syncshell_core::origin::https_host;
pub use syncshell_resident::label::WindowLabel;

use syncshell_resident::context::Context;

/// Told that the page in a window went away (the window closed, or its page was reloaded or
/// left) with why: whatever that page was relaying is lost.
pub type PageGone = Arc<dyn Fn(&WindowLabel, &str) + Send + Sync>;

/// What the host hands down for windows to call back: nothing here calls up a layer.
pub struct Hooks {
    /// Told of dead web processes.
    pub on_crash: CrashReport,
    /// Told how long an app window had the focus.
    pub on_focus: FocusReport,
    /// Told when the page of an app window (visible or hidden) went away.
    pub on_page_gone: PageGone,
    /// Told when an app window opened or closed (the settings panel shows which are open).
    pub on_open_or_close: Arc<dyn Fn() + Send + Sync>,
}

/// How long closing a window for good may take (see [`Windows::destroy_and_wait`]).
const DESTROY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The owner of the host's app windows (visible and hidden).
pub struct Windows {
    handle: AppHandle,
    ctx: Arc<Context>,
    /// The local proxy every app webview goes through; up before any window opens.
    proxy: Url,
    hooks: Hooks,
    grants: grant::BridgeGrants,
    /// Held while checking for and creating an app window, so two requests racing to open the
    /// same app (two launcher clicks, a launch that starts the host) make one window. (Hidden
    /// windows have their own per-app lock in the sync layer's pool.)
    opening_app: Mutex<()>,
    /// Whether the settings window was granted the panel's commands (once per host).
    panel_granted: Mutex<bool>,
    /// Windows parked: closed as far as anyone can tell, their web process ended, kept to be
    /// woken (`parked.rs`).
    parked: parked::Parked,
    /// Each app's hidden window's next "dispatch page loaded" (`hidden.rs`).
    hidden_loads: Mutex<std::collections::HashMap<String, hidden::LoadSignal>>,
    /// Told when app pages start and go; ends the apps' network processes when none has one.
    network: idle_network::IdleNetwork,
}

/// Shows an open window again, unminimized and focused (an app's or the panel's, opened twice).
fn raise(window: &WebviewWindow) -> Result<(), WindowError> {
    let _ = window.unminimize();
    window.show().map_err(|source| WindowError::Webview {
        what: "show",
        source,
    })?;
    let _ = window.set_focus();
    Ok(())
}

/// Sends the user's answer to a dialog once (`answer` reads it from the response), then closes
/// the dialog. GTK calls the handler for every response; the sender is used by the first.
fn answer_once<D, T>(
    dialog: &D,
    tx: tokio::sync::oneshot::Sender<T>,
    answer: impl Fn(&D, gtk::ResponseType) -> T + 'static,
) where
    D: gtk::prelude::IsA<gtk::Dialog> + gtk::prelude::IsA<gtk::Window>,
    T: 'static,
{
    use gtk::prelude::{DialogExt, GtkWindowExt};
    let tx = std::cell::Cell::new(Some(tx));
    dialog.connect_response(move |d, response| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(answer(d, response));
        }
        d.close();
    });
}

impl Windows {
    /// Windows built through `proxy`, calling `hooks` (crash, page and focus reports). The apps' WebKit network processes are
    /// ended once no app has had a page for `network_idle` (`None`: never; `idle_network.rs`).
    pub fn new(
        handle: AppHandle,
        ctx: Arc<Context>,
        proxy: Url,
        hooks: Hooks,
        network_idle: Option<std::time::Duration>,
    ) -> Self {
        let parked = parked::Parked::default();
        let (windows_of, not_parked) = (handle.clone(), parked.clone());
        let any_page: idle_network::AnyPage = Arc::new(move || {
            windows_of
                .webview_windows()
                .keys()
                .filter_map(|l| WindowLabel::parse(l))
                .any(|l| !not_parked.contains(&l))
        });
        let network =
            idle_network::IdleNetwork::new(network_idle, any_page, ctx.paths.data_dir.join("apps"));
        Self {
            handle,
            ctx,
            proxy,
            hooks,
            grants: grant::BridgeGrants::default(),
            opening_app: Mutex::new(()),
            panel_granted: Mutex::new(false),
            parked,
            hidden_loads: Mutex::default(),
            network,
        }
    }

    /// What every window of `app` (visible or hidden) is built with: the bridge granted to its
    /// origin, its own WebKit data, the proxy and the page bridge (in every frame: page.js gives
    /// the API to frames of the app's origin only). It opens on `url`, or on a
    /// blank page for an https app until [`Windows::watch_and_load`] has trusted its leaf; that
    /// leaf is returned beside the builder.
    fn app_webview(
        &self,
        launch: &Launch,
        label: &WindowLabel,
        url: &Url,
    ) -> Result<(WebviewWindowBuilder<'_, Wry, AppHandle>, Option<TlsTrust>), WindowError> {
        let app = &launch.app;
        self.grants.grant(&self.handle, app)?;
        self.network.in_use();
        let tls = launch.tls.clone();
        let builder = WebviewWindowBuilder::new(
            &self.handle,
            label.to_string(),
            WebviewUrl::External(tls::first_url(&tls, url)),
        )
        .data_directory(self.ctx.paths.webview_data_dir(&app.id))
        .proxy_url(self.proxy.clone())
        .initialization_script_for_all_frames(launch.page_bridge.clone());
        Ok((builder, tls))
    }

    /// Finishes a window built with [`Windows::app_webview`]: its web process is watched, and an
    /// https app's window trusts its leaf, then loads `url`.
    fn watch_and_load(
        &self,
        window: &WebviewWindow,
        tls: Option<TlsTrust>,
        url: Url,
    ) -> Result<(), WindowError> {
        crash::watch(window, self.hooks.on_crash.clone(), self.parked.clone())?;
        if let Some(tls) = tls {
            tls::trust(window, tls, Some(url))?;
        }
        Ok(())
    }

    /// The window with this label, if it is open (a parked one is closed, as far as anyone
    /// outside this module can tell).
    pub fn get(&self, label: &WindowLabel) -> Option<WebviewWindow> {
        if self.parked.contains(label) {
            return None;
        }
        self.get_any(label)
    }

    /// The window with this label, parked or not.
    fn get_any(&self, label: &WindowLabel) -> Option<WebviewWindow> {
        self.handle.get_webview_window(&label.to_string())
    }

    /// Destroys the window with this label (parked or not; its caller has taken it off the
    /// parked list) and waits until it is gone. `destroy()` only asks the main thread; until it
    /// has run the window is still found by its label (an event sent there in between is never
    /// answered, a page there still uses the app's data). Bounded: a main thread that never gets
    /// to it leaves the window, said on stderr.
    async fn destroy_and_wait(&self, label: &WindowLabel) {
        let Some(window) = self.get_any(label) else {
            return;
        };
        let _ = window.destroy();
        let deadline = tokio::time::Instant::now() + DESTROY_WAIT;
        while self.get_any(label).is_some() {
            if tokio::time::Instant::now() >= deadline {
                eprintln!("syncshell: {label}: the window was not closed in time");
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Whether no window is open: no app's (visible or hidden, parked ones aside: they have no
    /// page) and no settings panel.
    pub fn is_empty(&self) -> bool {
        self.open_app_ids().is_empty()
            && self.hidden_app_ids().is_empty()
            && self.handle.get_webview_window(SETTINGS_LABEL).is_none()
    }

    /// Ids of apps whose windows are open (not parked), sorted.
    pub fn open_app_ids(&self) -> Vec<String> {
        self.app_ids(false)
    }

    /// Ids of apps with a hidden dispatch window open (not parked), sorted.
    pub fn hidden_app_ids(&self) -> Vec<String> {
        self.app_ids(true)
    }

    fn app_ids(&self, hidden: bool) -> Vec<String> {
        let mut ids: Vec<String> = self
            .handle
            .webview_windows()
            .keys()
            .filter_map(|l| WindowLabel::parse(l))
            .filter(|l| l.is_hidden() == hidden)
            .filter(|l| !self.parked.contains(l))
            .map(|l| l.app_id().to_owned())
            .collect();
        ids.sort();
        ids
    }

    /// A leaf was renewed: every open window (visible or hidden) of an https app on its host
    /// trusts the new one too, so pages keep loading without a restart.
    pub fn trust_renewed(&self, leaf: &TlsTrust) {
        let installed = apps::list(self.ctx.store().conn()).unwrap_or_default();
        for (label, window) in self.handle.webview_windows() {
            let on_host = WindowLabel::parse(&label)
                .and_then(|l| installed.iter().find(|a| a.id == l.app_id()))
                .and_then(|a| https_host(&a.origin))
                .is_some_and(|host| host == leaf.host);
            if on_host {
                if let Err(e) = tls::trust(&window, leaf.clone(), None) {
                    eprintln!("syncshell: {label}: {e}");
                }
            }
        }
    }
}
