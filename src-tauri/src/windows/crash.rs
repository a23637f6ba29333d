//! What happens when a window's WebKit web process dies (a crash, the memory limit, the OOM
//! killer): whoever cares is told through the callback the host gave, then a hidden window is
//! closed (the next event opens a fresh one) and an app window reloads, unless it also crashed
//! moments ago: a page that crashes while loading would loop, spawning a web process each time,
//! so the window shows a notice with a Reload link instead (as Chromium's "Aw, Snap!" page) and
//! the host says so on stderr. A hidden window's events back off by the sync retry policy.

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
/// above, unless the window is `parked` (closed, as far as anyone can tell, with no events in
/// it: its process was on its way out anyway).
pub fn watch(
    window: &WebviewWindow,
    report: CrashReport,
    parked: super::parked::Parked,
) -> Result<(), WindowError> {
    let w = window.clone();
    window
        .with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            let last_crash: Mutex<Option<Instant>> = Mutex::new(None);
            webview.connect_web_process_terminated(move |view, reason| {
                // Ended on purpose: a parked window (`parked.rs`).
                if reason == Reason::TerminatedByApi {
                    return;
                }
                let why = match reason {
                    Reason::Crashed => "the web process crashed",
                    Reason::ExceededMemoryLimit => "the web process exceeded its memory limit",
                    _ => "the web process was terminated",
                };
                let Some(label) = WindowLabel::parse(w.label()) else {
                    return;
                };
                if parked.contains(&label) {
                    return;
                }
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
                    return;
                }
                eprintln!(
                    "syncshell: {label}: its page crashed twice within {} s; not reloading it \
                     again (the window offers Reload)",
                    CRASH_LOOP_WINDOW.as_secs()
                );
                let view = view.clone();
                // Not from inside the signal handler; the view is the main thread's.
                gtk::glib::idle_add_local_once(move || {
                    let uri = view.uri().map(|u| u.to_string()).unwrap_or_default();
                    view.load_alternate_html(&crashed_page(&uri), &uri, None);
                });
            });
        })
        .map_err(|source| WindowError::Webview {
            what: "web process watch",
            source,
        })
}

/// The notice an app window shows when its page crashes in a loop: what happened and a link that
/// loads the page again (no script: it shows under the app's URL).
fn crashed_page(uri: &str) -> String {
    let href = syncshell_core::markup::escape(uri);
    format!(
        "<!doctype html><meta charset=utf-8><title>This app stopped</title>\
         <body style=\"font: 15px sans-serif; margin: 3em\"><h1>This app stopped</h1>\
         <p>Its page crashed twice within {} seconds, so syncshell did not load it again.</p>\
         <p><a href=\"{href}\">Reload</a></p>",
        CRASH_LOOP_WINDOW.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crash_notice_links_back_to_the_page_and_cannot_be_escaped() {
        let page = crashed_page("https://app.test/a?x=1&y=\"><script>");
        assert!(page.contains(
            r#"<a href="https://app.test/a?x=1&amp;y=&quot;&gt;&lt;script&gt;">Reload</a>"#
        ));
        assert!(!page.contains("<script>"));
    }
}
