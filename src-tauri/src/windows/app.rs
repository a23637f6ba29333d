//! App windows: one per installed app, with its own WebKit data directory, its remembered size,
//! and navigation kept within the app's scope.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use syncshell_core::install::window_icon_path;
use syncshell_core::store::apps;
use syncshell_resident::desktop::Launch;
use tauri::{WebviewWindow, WindowEvent};

use super::{scope, WindowError, WindowLabel, Windows};
use syncshell_resident::context::Context;

/// Told that the window of app `.0` had the focus for `.1` ms (when it loses it or closes): the
/// host counts it towards the app's engagement.
pub type FocusReport = Arc<dyn Fn(&str, i64) + Send + Sync>;

/// Size of a window opened for the first time, in logical pixels.
const DEFAULT_SIZE: (u32, u32) = (1024, 768);

impl Windows {
    /// Opens the app's window, or shows and focuses it if it is already open, on `url` (an
    /// in-scope page the app asked for) if given, else on the start URL; an open window
    /// navigates there. Blocks until the window exists; never call it on the main thread
    /// (window creation needs that thread free).
    pub fn open_app_at(&self, launch: &Launch, url: Option<&url::Url>) -> Result<(), WindowError> {
        let app = &launch.app;
        let _opening = self.opening_app.lock().unwrap_or_else(|e| e.into_inner());
        let label = WindowLabel::App(app.id.clone());
        // Woken: a new web process on the page asked for, or the start URL.
        let woken = self.wake(launch, &label, url.unwrap_or(&app.start_url), "navigate")?;
        if let Some(window) = woken {
            super::raise(&window)?;
            (self.hooks.on_open_or_close)();
            return Ok(());
        }
        if let Some(window) = self.get(&label) {
            if let Some(url) = url {
                window
                    .navigate(url.clone())
                    .map_err(|source| WindowError::Webview {
                        what: "navigate",
                        source,
                    })?;
            }
            return super::raise(&window);
        }
        let build_error = |source| WindowError::Build {
            kind: "a window",
            app: app.id.clone(),
            source,
        };
        let (width, height) = app.window_size.unwrap_or(DEFAULT_SIZE);
        let new_window_scope = app.scope.clone();
        let first = url.unwrap_or(&app.start_url).clone();
        let (builder, tls) = self.app_webview(launch, &label, &first)?;
        let gone = self.hooks.on_page_gone.clone();
        let (reloaded, parked) = (label.clone(), self.parked.clone());
        let mut builder = builder
            .title(&app.name)
            .on_page_load(move |window, payload| {
                // A new document: the one before it (and what it was relaying) is gone.
                if payload.event() == tauri::webview::PageLoadEvent::Started {
                    gone(
                        &reloaded,
                        "the app's page was reloaded or left during the event",
                    );
                }
                if payload.event() == tauri::webview::PageLoadEvent::Finished
                    && payload.url().as_str() == "about:blank"
                    && !parked.contains(&reloaded)
                {
                    back_from_blank(&window);
                }
            })
            .inner_size(f64::from(width), f64::from(height))
            .on_new_window(move |url, _features| scope::new_window(&url, &new_window_scope));
        let icon = window_icon_path(&self.ctx.paths, &app.id);
        if icon.exists() {
            match tauri::image::Image::from_path(&icon) {
                Ok(image) => builder = builder.icon(image).map_err(build_error)?,
                Err(e) => eprintln!("syncshell: {}: window icon not used: {e}", app.id),
            }
        }
        let window = builder.build().map_err(build_error)?;
        scope::keep_in_scope(&window, app.scope.clone())?;
        remember_size_on_close(&window, self.ctx.clone(), app.id.clone());
        report_focus(&window, self.hooks.on_focus.clone(), app.id.clone());
        let closed = self.hooks.on_open_or_close.clone();
        let gone = self.hooks.on_page_gone.clone();
        let (parked, w, network) = (self.parked.clone(), window.clone(), self.network.clone());
        window.on_window_event(move |event| match event {
            // The user's close button (or the window manager's): parked, not closed.
            WindowEvent::CloseRequested { api, .. } => {
                api.prevent_close();
                park_app_window(&w, &label, &parked, &network, &gone, &closed);
            }
            // A parked window going (the host quitting) has nothing left to tell.
            WindowEvent::Destroyed if !parked.take(&label) => {
                gone(&label, "the app's window was closed during the event");
                closed();
                network.page_gone();
            }
            _ => {}
        });
        (self.hooks.on_open_or_close)();
        self.watch_and_load(&window, tls, first)
    }

    /// Closes the app's window if it is open, remembering its size: to the user it is closed; it
    /// is parked (`parked.rs`). Returns whether it was open. Waits for an opening of the same
    /// window in progress, so never call it on the main thread.
    pub fn close_app(&self, app_id: &str) -> bool {
        // Not while the same window is being opened (woken) on another thread.
        let _opening = self.opening_app.lock().unwrap_or_else(|e| e.into_inner());
        let label = WindowLabel::App(app_id.to_owned());
        match self.get(&label) {
            Some(window) => {
                save_size(&window, &self.ctx, app_id);
                park_app_window(
                    &window,
                    &label,
                    &self.parked,
                    &self.network,
                    &self.hooks.on_page_gone,
                    &self.hooks.on_open_or_close,
                );
                true
            }
            None => false,
        }
    }

    /// Closes the app's window for good, open or parked (the app is being uninstalled), and
    /// waits until it is gone: only then has its page stopped using the app's data.
    pub async fn destroy_app_window(&self, app_id: &str) {
        let label = WindowLabel::App(app_id.to_owned());
        if !self.parked.take(&label) {
            if let Some(window) = self.get_any(&label) {
                save_size(&window, &self.ctx, app_id);
            }
        }
        self.destroy_and_wait(&label).await;
    }
}

/// Parks an app window the user closed: listed as parked first, so that no event goes there
/// any more; then what its page was relaying fails at once, and the open windows changed.
fn park_app_window(
    window: &WebviewWindow,
    label: &WindowLabel,
    parked: &super::parked::Parked,
    network: &super::idle_network::IdleNetwork,
    gone: &super::PageGone,
    changed: &Arc<dyn Fn() + Send + Sync>,
) {
    parked.park(window, label, network);
    gone(label, "the app's window was closed during the event");
    changed();
}

/// Each parking leaves a blank page in the window's history (`parked.rs`); the app's own
/// `history.back()` from its first page after a reopen lands there. It goes forward again, so
/// that back from the first page leaves the user in the app, as in a Chrome app window (where
/// the history starts with the window), instead of in a blank window with no way out. With no
/// page after it (an https window's first blank page) this does nothing.
fn back_from_blank(window: &WebviewWindow) {
    let forward = window.with_webview(|platform| {
        use tauri::webview::PlatformWebview;
        use webkit2gtk::WebViewExt;
        let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
        webview.go_forward();
    });
    if let Err(e) = forward {
        eprintln!(
            "syncshell: {}: cannot leave a blank page: {e}",
            window.label()
        );
    }
}

fn remember_size_on_close(window: &WebviewWindow, ctx: Arc<Context>, app_id: String) {
    let w = window.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { .. } = event {
            save_size(&w, &ctx, &app_id);
        }
    });
}

/// Reports each stretch of focus when it ends (focus lost, window gone).
fn report_focus(window: &WebviewWindow, report: FocusReport, app_id: String) {
    let since: Mutex<Option<Instant>> = Mutex::new(None);
    window.on_window_event(move |event| {
        let mut since = since.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            WindowEvent::Focused(true) => {
                since.get_or_insert_with(Instant::now);
            }
            WindowEvent::Focused(false) | WindowEvent::Destroyed => {
                if let Some(start) = since.take() {
                    let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
                    report(&app_id, ms);
                }
            }
            _ => {}
        }
    });
}

fn save_size(window: &WebviewWindow, ctx: &Context, app_id: &str) {
    let (Ok(size), Ok(scale)) = (window.inner_size(), window.scale_factor()) else {
        return;
    };
    let logical = size.to_logical::<f64>(scale);
    let (w, h) = (logical.width.round() as u32, logical.height.round() as u32);
    if w == 0 || h == 0 {
        return;
    }
    if let Err(e) = apps::set_window_size(ctx.store().conn(), app_id, w, h) {
        eprintln!("syncshell: cannot remember the window size of {app_id}: {e}");
    }
}
