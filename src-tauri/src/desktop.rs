//! The window side the resident's parts work through, in this process: [`TauriDesktop`]
//! implements `syncshell_resident`'s `Desktop` over Tauri's webview windows. An event is handed
//! to the page bridge with `eval`; the bridge answers over IPC (`sync_result`). Whatever waits for
//! the GTK main thread runs on the blocking pool, never on an async worker.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use syncshell_core::store::apps::App;
use syncshell_proxy::ca::Leaf;
use syncshell_resident::desktop::{
    Answer, Desktop, DesktopError, NotificationWindows, OpenWindows,
};
use syncshell_resident::sync::failure::EventFailure;
use syncshell_resident::sync::target::{EventMessage, EventWindow, EventWindows};
use tauri::{AppHandle, WebviewWindow};
use url::Url;

use crate::windows::{WindowError, WindowLabel, Windows};

/// How long a hidden window gets to load its dispatch page.
const HIDDEN_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// This process's windows, as the resident's parts see them.
pub struct TauriDesktop {
    handle: AppHandle,
    windows: Arc<Windows>,
}

impl TauriDesktop {
    /// The window side over `windows`; `handle` ends the process on `quit`.
    pub fn new(handle: AppHandle, windows: Arc<Windows>) -> Self {
        Self { handle, windows }
    }

    /// The windows themselves (the settings panel's commands use them directly).
    pub fn windows(&self) -> &Arc<Windows> {
        &self.windows
    }

    /// Runs `work` on the windows on the blocking pool (it waits for the main thread).
    async fn on_windows<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Windows) -> T + Send + 'static,
    ) -> Result<T, DesktopError> {
        let windows = self.windows.clone();
        tauri::async_runtime::spawn_blocking(move || work(&windows))
            .await
            .map_err(|e| DesktopError::Window(WindowError::Task(e.to_string()).to_string()))
    }
}

impl From<WindowError> for DesktopError {
    fn from(e: WindowError) -> Self {
        match e {
            WindowError::NotOpen => Self::NotOpen,
            e => Self::Window(e.to_string()),
        }
    }
}

/// An app window (visible or hidden) with its parsed label.
#[derive(Clone)]
pub struct Target {
    label: WindowLabel,
    window: WebviewWindow,
}

impl EventWindow for Target {
    fn label(&self) -> WindowLabel {
        self.label.clone()
    }

    fn send(&self, message: &EventMessage) -> Result<(), EventFailure> {
        let json =
            serde_json::to_string(message).map_err(|e| EventFailure::Unreachable(e.to_string()))?;
        let id = message.id;
        // A page without the bridge (it failed to load) reports that at once rather than timing out.
        let script = format!(
            "(window.__syncshellDispatch ? window.__syncshellDispatch({json}) : \
             window.__TAURI_INTERNALS__.invoke('sync_result', {{id: {id}, ok: false, error: 'the page bridge is not loaded'}}))"
        );
        self.window
            .eval(&script)
            .map_err(|e| EventFailure::Unreachable(e.to_string()))
    }
}

impl TauriDesktop {
    fn target(&self, label: WindowLabel) -> Option<Target> {
        self.windows
            .get(&label)
            .map(|window| Target { label, window })
    }
}

impl EventWindows for TauriDesktop {
    type Window = Target;

    fn app_window(&self, app_id: &str) -> Option<Target> {
        self.target(WindowLabel::App(app_id.to_owned()))
    }

    /// A parked window is not found (`Windows::get`).
    fn hidden_window(&self, app_id: &str) -> Option<Target> {
        self.target(WindowLabel::Hidden(app_id.to_owned()))
    }

    async fn open_hidden(&self, app: &App) -> Result<Target, EventFailure> {
        syncshell_resident::timing::mark("hidden-window-open", &app.id);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (windows, owned) = (self.windows.clone(), app.clone());
        // Building a window waits for the main thread: never on an async worker.
        let window = tauri::async_runtime::spawn_blocking(move || windows.open_hidden(&owned, tx))
            .await
            .map_err(|e| EventFailure::Window(WindowError::Task(e.to_string()).to_string()))?
            .map_err(|e| EventFailure::Window(e.to_string()))?;
        syncshell_resident::timing::mark("hidden-window-ready", &app.id);
        match tokio::time::timeout(HIDDEN_LOAD_TIMEOUT, rx).await {
            Ok(Ok(())) => {
                syncshell_resident::timing::mark("dispatch-page-loaded", &app.id);
                Ok(Target {
                    label: WindowLabel::Hidden(app.id.clone()),
                    window,
                })
            }
            _ => {
                let _ = window.destroy();
                Err(EventFailure::Window(WindowError::NotLoaded.to_string()))
            }
        }
    }

    async fn park_hidden(&self, app_id: &str) {
        self.windows.park_hidden(app_id);
    }

    async fn close_hidden(&self, app_id: &str) {
        self.windows.close_hidden(app_id).await;
    }
}

impl NotificationWindows for TauriDesktop {
    fn show_app(&self, app: &App, url: Option<Url>) {
        let (windows, app) = (self.windows.clone(), app.clone());
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(e) = windows.open_app_at(&app, url.as_ref()) {
                eprintln!(
                    "syncshell: {}: cannot show the window a notification asked for: {e}",
                    app.id
                );
            }
        });
    }

    fn ask_notifications(&self, app: &App) -> BoxFuture<'static, Result<Answer, DesktopError>> {
        let asked = self.windows.ask_notifications(app);
        Box::pin(async move {
            // A prompt that went away unanswered (its window closed) is a dismissal.
            Ok(asked?.await.unwrap_or(Answer::Dismissed))
        })
    }
}

impl Desktop for TauriDesktop {
    async fn open_app(&self, app: &App) -> Result<(), DesktopError> {
        let app = app.clone();
        Ok(self.on_windows(move |w| w.open_app(&app)).await??)
    }

    async fn close_app(&self, app_id: &str) -> bool {
        // It waits for an opening of the same window on another thread.
        let app_id = app_id.to_owned();
        self.on_windows(move |w| w.close_app(&app_id))
            .await
            .unwrap_or(false)
    }

    async fn destroy_app_window(&self, app_id: &str) {
        self.windows.destroy_app_window(app_id).await;
    }

    async fn end_network_process(&self, app_id: &str) -> Result<(), DesktopError> {
        self.windows.end_app_network_process(app_id).await?;
        Ok(())
    }

    async fn open_settings(&self) -> Result<(), DesktopError> {
        Ok(self.on_windows(|w| w.open_settings()).await??)
    }

    async fn open_windows(&self) -> OpenWindows {
        OpenWindows {
            apps: self.windows.open_app_ids(),
            hidden: self.windows.hidden_app_ids(),
        }
    }

    async fn tell_page(&self, label: &WindowLabel, origin: &str, script: String) -> bool {
        let Some(window) = self.windows.get(label) else {
            return false;
        };
        let (label, origin) = (label.clone(), origin.to_owned());
        // Reading a window's URL waits for the main thread.
        self.on_windows(move |_| {
            let showing = window.url().ok().map(|u| u.origin().ascii_serialization());
            if showing.as_deref() != Some(origin.as_str()) {
                return false;
            }
            match window.eval(&script) {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("syncshell: {label}: cannot tell the page: {e}");
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    fn trust_renewed(&self, leaf: &Leaf) {
        self.windows.trust_renewed(leaf);
    }

    fn quit(&self, code: i32) {
        self.handle.exit(code);
    }
}
