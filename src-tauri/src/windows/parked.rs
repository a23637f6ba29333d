//! Parked windows. WebKitGTK 2.50 keeps every closed web view's page in the host for good (a
//! 4 KiB shared-memory descriptor and about 0.7 MiB each, measured; README "Reliability"), while a
//! web process ended and started again for the same view keeps nothing. So a window that closes
//! (an app window the user closes, a hidden window gone idle) is parked instead: hidden, its page
//! left for a blank one, then its web process ended, kept under its label; opening it again wakes
//! it (navigates it, which starts a new web process). To everyone else a parked window is closed:
//! it is not listed, not pushed to, and events do not go to it. At most one per app and kind, so
//! the memory is bounded by the apps installed. Uninstalling an app really closes its windows.
//!
//! Why the blank page first: WebKit runs the app's service worker in the page's own web process.
//! Ending that process while the page is still a client of the worker makes WebKit's network
//! process see the worker's connection go before the client, so it starts a new web process for
//! the worker at once, for nobody, which lives 10 s (measured with WebKit's own logs: README
//! "Reliability"); and WebKit keeps an IPC thread of about 6% of those for good. Leaving the page
//! first unregisters the client, so the worker simply ends with the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use syncshell_resident::desktop::Launch;
use tauri::WebviewWindow;

use super::idle_network::IdleNetwork;
use super::{WindowError, WindowLabel, Windows};

impl Windows {
    /// Wakes the window with `label` if it is parked: off the list, and navigated to `url`
    /// (which starts a new web process). `what` names the step in an error. `None`: it was not
    /// parked (or is gone), so the caller opens it as usual.
    /// An https app's window trusts the proxy's leaf again first: its network process may have
    /// been ended while it was parked (`idle_network.rs`), and the trust went with it.
    pub(super) fn wake(
        &self,
        launch: &Launch,
        label: &WindowLabel,
        url: &url::Url,
        what: &'static str,
    ) -> Result<Option<WebviewWindow>, WindowError> {
        if !self.parked.take(label) {
            return Ok(None);
        }
        let Some(window) = self.get_any(label) else {
            return Ok(None);
        };
        self.network.in_use();
        match launch.tls.clone() {
            Some(tls) => super::tls::trust(&window, tls, Some(url.clone()))?,
            None => window
                .navigate(url.clone())
                .map_err(|source| WindowError::Webview { what, source })?,
        }
        Ok(Some(window))
    }
}

/// How long a parked window's page may take to leave for the blank page before its web process
/// is ended anyway. A blank page takes milliseconds; this bounds a hung or prompting page.
pub const BLANK_TIMEOUT: Duration = Duration::from_secs(5);

/// The labels of parked windows; cloned into window event handlers (the user's close button).
#[derive(Clone, Default)]
pub struct Parked(Arc<Mutex<ParkedState>>);

/// Each parked label with the number of its parking, so that the end of one parking's web
/// process is not done after the window was woken (and maybe parked again since).
#[derive(Default)]
struct ParkedState {
    next: u64,
    labels: HashMap<WindowLabel, u64>,
}

impl Parked {
    /// Whether the window with `label` is parked.
    pub fn contains(&self, label: &WindowLabel) -> bool {
        self.lock().labels.contains_key(label)
    }

    /// Takes `label` off the list; returns whether it was on it.
    pub fn take(&self, label: &WindowLabel) -> bool {
        self.lock().labels.remove(label).is_some()
    }

    /// Parks `window`: listed as parked first (so nothing picks it up from here on), hidden,
    /// its page left for `about:blank`, then its web process ended (once the blank page is in,
    /// or after [`BLANK_TIMEOUT`] if it never comes: a hung page, a `beforeunload` dialog). The
    /// web process's end is WebKit's "terminated by API", which the crash watch ignores. Waking
    /// the window in between cancels the end. Once the process is ended, `network` hears that
    /// the app's page went. The caller serialises parking and waking one window (the hidden pool
    /// for hidden windows, `opening_app` for app windows).
    pub fn park(&self, window: &WebviewWindow, label: &WindowLabel, network: &IdleNetwork) {
        let generation = {
            let mut state = self.lock();
            state.next += 1;
            let generation = state.next;
            state.labels.insert(label.clone(), generation);
            generation
        };
        let _ = window.hide();
        let parked = self.clone();
        let still = label.clone();
        let network = network.clone();
        let ended = window.with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            end_after_blank(
                &webview,
                move || parked.generation(&still) == Some(generation),
                move || network.page_gone(),
            );
        });
        if let Err(e) = ended {
            // The process stays until the window is woken or closed: memory, not correctness.
            eprintln!("syncshell: {label}: cannot end the parked window's web process: {e}");
        }
    }

    fn generation(&self, label: &WindowLabel) -> Option<u64> {
        self.lock().labels.get(label).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ParkedState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Leaves `webview`'s page for `about:blank`, then ends its web process if `still_parked` (on
/// the main thread, where WebKit's signals run): once the blank page committed and finished
/// loading, or after [`BLANK_TIMEOUT`], whichever comes first, calling `ended` after each end.
/// Ending an ended process does nothing. Nothing at all if the window was woken before this ran.
fn end_after_blank(
    webview: &webkit2gtk::WebView,
    still_parked: impl Fn() -> bool + 'static,
    ended: impl Fn() + 'static,
) {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use webkit2gtk::glib::{self, object::ObjectExt};
    use webkit2gtk::{LoadEvent, WebViewExt};

    if !still_parked() {
        return;
    }
    let still_parked = Rc::new(still_parked);
    let ended = Rc::new(ended);
    let ended_later = ended.clone();
    let handler = Rc::new(RefCell::new(None));
    let blank_committed = Cell::new(false);
    let (own, check) = (handler.clone(), still_parked.clone());
    let id = webview.connect_load_changed(move |view, event| {
        let woken = !check();
        let is_blank = view.uri().is_some_and(|u| u.as_str() == "about:blank");
        // The load this replaced (a page still loading when the window closed) ends with a
        // Finished too, already under the new URI: only a Finished after the blank page's
        // Committed means the page left, and with it its document, a client of the app's worker.
        if event == LoadEvent::Committed && is_blank {
            blank_committed.set(true);
        }
        let blank_in = event == LoadEvent::Finished && blank_committed.get();
        if !(woken || blank_in) {
            return;
        }
        // One blank load only: later loads belong to whoever woke the window.
        if let Some(id) = own.borrow_mut().take() {
            view.disconnect(id);
        }
        if blank_in && !woken {
            // Not from inside WebKit's own signal: it goes on using the page after it.
            let (view, check, ended) = (view.downgrade(), check.clone(), ended.clone());
            glib::idle_add_local_once(move || {
                if let Some(view) = view.upgrade().filter(|_| check()) {
                    view.terminate_web_process();
                    ended();
                }
            });
        }
    });
    *handler.borrow_mut() = Some(id);
    webview.load_uri("about:blank");
    let view = webview.downgrade();
    glib::timeout_add_local_once(BLANK_TIMEOUT, move || {
        if let Some(view) = view.upgrade().filter(|_| still_parked()) {
            view.terminate_web_process();
            ended_later();
        }
    });
}
