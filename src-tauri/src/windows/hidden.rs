//! Hidden dispatch windows: an app's window that is never shown, on the reserved dispatch page
//! (answered by the proxy, so the app itself does not boot), sharing the app's WebKit data and so
//! its service worker. How many exist and when they close is the sync layer's business
//! (`sync::hidden_pool`); this file builds one, parks it when idle (`parked.rs`) and wakes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use syncshell_resident::desktop::Launch;
use tauri::WebviewWindow;
use tokio::sync::oneshot;
use url::Url;

use super::{WindowError, WindowLabel, Windows};

/// Where a hidden window's next "dispatch page loaded" goes: set before each load of the page
/// (building the window, waking it), taken by the load's `Finished`.
pub(super) type LoadSignal = Arc<Mutex<Option<oneshot::Sender<()>>>>;

impl Windows {
    /// Builds the app's hidden window on the dispatch page, or wakes its parked one (a new web
    /// process for the same view, on the dispatch page again). `loaded` fires when that page
    /// finished loading. Blocks until the window exists; never call it on the main thread. The
    /// caller serialises opening, parking and closing one app's hidden window
    /// (`sync::hidden_pool`).
    pub fn open_hidden(
        &self,
        launch: &Launch,
        loaded: oneshot::Sender<()>,
    ) -> Result<WebviewWindow, WindowError> {
        let app = &launch.app;
        let url = Url::parse(&format!(
            "{}{}dispatch",
            app.origin,
            syncshell_proxy::RESERVED_PREFIX
        ))
        .map_err(|source| WindowError::BadUrl {
            origin: app.origin.clone(),
            source,
        })?;
        let label = WindowLabel::Hidden(app.id.clone());
        let signal = self.load_signal(&app.id);
        *signal.lock().unwrap_or_else(|e| e.into_inner()) = Some(loaded);
        if let Some(window) = self.wake(launch, &label, &url, "wake a background window")? {
            return Ok(window);
        }
        let dispatch_url = url.clone();
        let (builder, tls) = self.app_webview(launch, &label, &url)?;
        let window = builder
            .title(format!("{} (background)", app.name))
            .visible(false)
            .focused(false)
            .skip_taskbar(true)
            .on_page_load(move |_, payload| {
                // Only the dispatch page counts, not the blank page an https window starts on.
                if payload.event() == tauri::webview::PageLoadEvent::Finished
                    && payload.url() == &dispatch_url
                {
                    if let Some(tx) = signal.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        let _ = tx.send(());
                    }
                }
            })
            .build()
            .map_err(|source| WindowError::Build {
                kind: "a background window",
                app: app.id.clone(),
                source,
            })?;
        let (gone, network) = (self.hooks.on_page_gone.clone(), self.network.clone());
        window.on_window_event(move |event| {
            if let tauri::WindowEvent::Destroyed = event {
                gone(&label, "the background window was closed during the event");
                network.page_gone();
            }
        });
        self.watch_and_load(&window, tls, url)?;
        Ok(window)
    }

    /// Parks the app's hidden window (`parked.rs`) for the next [`Windows::open_hidden`] to wake.
    /// Returns whether there was one.
    pub fn park_hidden(&self, app_id: &str) -> bool {
        let label = WindowLabel::Hidden(app_id.to_owned());
        let Some(window) = self.get(&label) else {
            return false;
        };
        self.parked.park(&window, &label, &self.network);
        true
    }

    /// Closes the app's hidden window if it is open or parked, and waits until it is gone (an
    /// event leased there in between would never be answered: it timed out, and as a last
    /// attempt the registration was dropped).
    pub async fn close_hidden(&self, app_id: &str) {
        let label = WindowLabel::Hidden(app_id.to_owned());
        self.parked.take(&label);
        self.load_signals_lock().remove(app_id);
        self.destroy_and_wait(&label).await;
    }

    fn load_signal(&self, app_id: &str) -> LoadSignal {
        self.load_signals_lock()
            .entry(app_id.to_owned())
            .or_default()
            .clone()
    }

    fn load_signals_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LoadSignal>> {
        self.hidden_loads.lock().unwrap_or_else(|e| e.into_inner())
    }
}
