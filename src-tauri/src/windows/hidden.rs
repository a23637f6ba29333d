//! Hidden dispatch windows: an app's window that is never shown, on the reserved dispatch page
//! (answered by the proxy, so the app itself does not boot), sharing the app's WebKit data and so
//! its service worker. How many exist and when they close is the sync layer's business
//! (`sync::hidden_pool`); this file only builds one.

use std::sync::Mutex;

use syncshell_core::store::apps::App;
use tauri::WebviewWindow;
use tokio::sync::oneshot;
use url::Url;

use super::{WindowError, WindowLabel, Windows};

impl Windows {
    /// Builds the app's hidden window on the dispatch page. `loaded` fires when that page
    /// finished loading. Blocks until the window exists; never call it on the main thread. The
    /// caller serialises opening and closing one app's hidden window (`sync::hidden_pool`).
    pub fn open_hidden(
        &self,
        app: &App,
        loaded: oneshot::Sender<()>,
    ) -> Result<WebviewWindow, WindowError> {
        let url = Url::parse(&format!(
            "{}{}dispatch",
            app.origin,
            syncshell_proxy::RESERVED_PREFIX
        ))
        .map_err(|source| WindowError::BadUrl {
            origin: app.origin.clone(),
            source,
        })?;
        let loaded = Mutex::new(Some(loaded));
        let dispatch_url = url.clone();
        let (builder, tls) = self.app_webview(app, &WindowLabel::Hidden(app.id.clone()), &url)?;
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
                    if let Some(tx) = loaded.lock().unwrap_or_else(|e| e.into_inner()).take() {
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
        let gone = self.hooks.on_page_gone.clone();
        let label = WindowLabel::Hidden(app.id.clone());
        window.on_window_event(move |event| {
            if let tauri::WindowEvent::Destroyed = event {
                gone(&label, "the background window was closed during the event");
            }
        });
        self.watch_and_load(&window, tls, url)?;
        Ok(window)
    }

    /// Closes the app's hidden window if it is open.
    pub fn close_hidden(&self, app_id: &str) {
        if let Some(window) = self.get(&WindowLabel::Hidden(app_id.to_owned())) {
            let _ = window.destroy();
        }
    }
}
