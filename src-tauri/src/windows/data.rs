//! An app's website data, cleared through WebKit itself. Uninstalling an app removes its data
//! directory, but the app's WebKit network process outlives its window and writes storage files
//! after the page went (measured: an `origin` file under `webview/storage/` came back after the
//! directory was removed). Cleared through the process that owns the data, nothing is left to write.

use tokio::sync::oneshot;

use super::{WindowError, WindowLabel, Windows};

impl Windows {
    /// Asks the WebKit context of app `app_id`'s window (open or parked, visible or hidden) to
    /// delete all its website data (cookies, storage, caches, service workers). Resolves when
    /// WebKit is done; `None` when the app has no window (no context to ask: nothing of it runs
    /// either).
    pub fn clear_app_data(
        &self,
        app_id: &str,
    ) -> Result<Option<oneshot::Receiver<Result<(), String>>>, WindowError> {
        let window = [
            WindowLabel::App(app_id.to_owned()),
            WindowLabel::Hidden(app_id.to_owned()),
        ]
        .iter()
        // Parked windows too: their WebKit context (and its network process) lives on.
        .find_map(|label| self.get_any(label));
        let Some(window) = window else {
            return Ok(None);
        };
        let (tx, rx) = oneshot::channel();
        window
            .with_webview(move |platform| {
                use tauri::webview::PlatformWebview;
                use webkit2gtk::{WebViewExt, WebsiteDataManagerExtManual, WebsiteDataTypes};
                let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
                let Some(manager) = webview.website_data_manager() else {
                    let _ = tx.send(Err("the webview has no data manager".to_owned()));
                    return;
                };
                manager.clear(
                    WebsiteDataTypes::ALL,
                    webkit2gtk::glib::TimeSpan::from_seconds(0),
                    None::<&webkit2gtk::gio::Cancellable>,
                    move |done| {
                        let _ = tx.send(done.map_err(|e| e.to_string()));
                    },
                );
            })
            .map_err(|source| WindowError::Webview {
                what: "clear the app's data",
                source,
            })?;
        Ok(Some(rx))
    }
}
