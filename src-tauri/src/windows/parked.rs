//! Parked windows. WebKitGTK 2.50 keeps every closed web view's page in the host for good (a
//! 4 KiB shared-memory descriptor and about 0.7 MiB each, measured; README "Reliability"), while a
//! web process ended and started again for the same view keeps nothing. So a window that closes
//! (an app window the user closes, a hidden window gone idle) is parked instead: hidden, its web
//! process ended, kept under its label; opening it again wakes it (navigates it, which starts a
//! new web process). To everyone else a parked window is closed: it is not listed, not pushed
//! to, and events do not go to it. At most one per app and kind, so the memory is bounded by the
//! apps installed. Uninstalling an app really closes its windows.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tauri::WebviewWindow;

use super::{WindowError, WindowLabel, Windows};

impl Windows {
    /// Wakes the window with `label` if it is parked: off the list, and navigated to `url`
    /// (which starts a new web process). `what` names the step in an error. `None`: it was not
    /// parked (or is gone), so the caller opens it as usual.
    pub(super) fn wake(
        &self,
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
        window
            .navigate(url.clone())
            .map_err(|source| WindowError::Webview { what, source })?;
        Ok(Some(window))
    }
}

/// The labels of parked windows; cloned into window event handlers (the user's close button).
#[derive(Clone, Default)]
pub struct Parked(Arc<Mutex<HashSet<WindowLabel>>>);

impl Parked {
    /// Whether the window with `label` is parked.
    pub fn contains(&self, label: &WindowLabel) -> bool {
        self.lock().contains(label)
    }

    /// Takes `label` off the list; returns whether it was on it.
    pub fn take(&self, label: &WindowLabel) -> bool {
        self.lock().remove(label)
    }

    /// Parks `window`: listed as parked first (so nothing picks it up from here on), hidden,
    /// then its web process ended. The web process's end is WebKit's "terminated by API", which
    /// the crash watch ignores.
    pub fn park(&self, window: &WebviewWindow, label: &WindowLabel) {
        self.lock().insert(label.clone());
        let _ = window.hide();
        let ended = window.with_webview(|platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::WebViewExt;
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            webview.terminate_web_process();
        });
        if let Err(e) = ended {
            // The process stays until the window is woken or closed: memory, not correctness.
            eprintln!("syncshell: {label}: cannot end the parked window's web process: {e}");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<WindowLabel>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
