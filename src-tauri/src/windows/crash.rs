//! What happens when a window's WebKit web process dies (a crash, the memory limit, the OOM
//! killer): whoever cares is told through the callback the host gave, then a hidden window is
//! closed (the next event opens a fresh one) and an app window reloads, unless it also crashed
//! moments ago (a page that crashes while loading would loop).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tauri::WebviewWindow;

use super::{WindowError, WindowLabel};

/// Told about every dead web process: the window's label and why. The host passes one down
/// (the sync layer fails the events in flight there); the windows layer never calls up itself.
pub type CrashReport = Arc<dyn Fn(&WindowLabel, &'static str) + Send + Sync>;

/// An app window that crashes again within this time of its last crash is not reloaded.
const CRASH_LOOP_WINDOW: Duration = Duration::from_secs(10);

/// Watches `window`'s web process, reporting its death to `report` and then applying the policy
/// above.
pub fn watch(window: &WebviewWindow, report: CrashReport) -> Result<(), WindowError> {
    let w = window.clone();
    window
        .with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            let last_crash: Mutex<Option<Instant>> = Mutex::new(None);
            webview.connect_web_process_terminated(move |_, reason| {
                let why = match reason {
                    Reason::Crashed => "the web process crashed",
                    Reason::ExceededMemoryLimit => "the web process exceeded its memory limit",
                    _ => "the web process was terminated",
                };
                let Some(label) = WindowLabel::parse(w.label()) else {
                    return;
                };
                report(&label, why);
                let w = w.clone();
                if label.is_hidden() {
                    // Not from inside the webview's own signal handler.
                    tauri::async_runtime::spawn(async move {
                        let _ = w.destroy();
                    });
                    return;
                }
                let mut last = last_crash.lock().unwrap_or_else(|e| e.into_inner());
                let looping = last.is_some_and(|t| t.elapsed() < CRASH_LOOP_WINDOW);
                *last = Some(Instant::now());
                if !looping {
                    tauri::async_runtime::spawn(async move {
                        let _ = w.reload();
                    });
                }
            });
        })
        .map_err(|source| WindowError::Webview {
            what: "web process watch",
            source,
        })
}
