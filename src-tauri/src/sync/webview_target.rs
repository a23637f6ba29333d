//! The dispatcher's windows in the real host: Tauri webview windows, reached through the
//! windows layer. An event is handed to the page bridge with `eval`; the bridge answers over IPC
//! (`sync_result`).

use std::sync::Arc;
use std::time::Duration;

use syncshell_core::store::apps::App;
use tauri::WebviewWindow;

use super::failure::EventFailure;
use super::target::{EventMessage, EventWindow, EventWindows};
use crate::windows::{WindowError, WindowLabel, Windows};

/// How long a hidden window gets to load its dispatch page.
const HIDDEN_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// The host's app windows as event targets.
pub struct WebviewTargets {
    windows: Arc<Windows>,
}

impl WebviewTargets {
    /// Targets over the host's windows.
    pub fn new(windows: Arc<Windows>) -> Self {
        Self { windows }
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

impl WebviewTargets {
    fn target(&self, label: WindowLabel) -> Option<Target> {
        self.windows
            .get(&label)
            .map(|window| Target { label, window })
    }
}

impl EventWindows for WebviewTargets {
    type Window = Target;

    fn app_window(&self, app_id: &str) -> Option<Target> {
        self.target(WindowLabel::App(app_id.to_owned()))
    }

    /// A parked window is not found (`Windows::get`).
    fn hidden_window(&self, app_id: &str) -> Option<Target> {
        self.target(WindowLabel::Hidden(app_id.to_owned()))
    }

    async fn open_hidden(&self, app: &App) -> Result<Target, EventFailure> {
        crate::timing::mark("hidden-window-open", &app.id);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (windows, owned) = (self.windows.clone(), app.clone());
        // Building a window waits for the main thread: never on an async worker.
        let window = tauri::async_runtime::spawn_blocking(move || windows.open_hidden(&owned, tx))
            .await
            .map_err(|e| WindowError::Task(e.to_string()))??;
        crate::timing::mark("hidden-window-ready", &app.id);
        match tokio::time::timeout(HIDDEN_LOAD_TIMEOUT, rx).await {
            Ok(Ok(())) => {
                crate::timing::mark("dispatch-page-loaded", &app.id);
                Ok(Target {
                    label: WindowLabel::Hidden(app.id.clone()),
                    window,
                })
            }
            _ => {
                let _ = window.destroy();
                Err(WindowError::NotLoaded.into())
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
