//! Who is calling: the page's origin, read from its webview, must be the origin of the app that
//! owns the window (a window that navigated elsewhere speaks for nobody). Never taken from the
//! message.

use std::sync::Arc;

use syncshell_core::store::apps;
use tauri::{State, Webview};

use super::error::IpcError;
use crate::windows::WindowLabel;
use syncshell_resident::sync::SyncHost;

/// The caller's window label and origin, checked against the app the window belongs to (so a
/// window that navigated elsewhere speaks for nobody). Reads the store: call it off the main
/// thread.
pub(super) fn caller(
    sync: &SyncHost,
    label: &str,
    url: &url::Url,
) -> Result<(WindowLabel, String), IpcError> {
    let origin = url.origin().ascii_serialization();
    let window = WindowLabel::parse(label).ok_or(IpcError::NotAnAppWindow)?;
    let app = apps::get(sync.ctx.store().conn(), window.app_id())
        .map_err(syncshell_core::store::StoreError::from)?;
    match app {
        Some(app) if app.origin == origin => Ok((window, origin)),
        _ => Err(IpcError::ForeignOrigin),
    }
}

/// Runs `work` for the calling page on the blocking pool, once its origin is checked. Reading the
/// webview's URL waits for the GTK main thread, so that too happens on the blocking pool, never on
/// an async worker (two stalled workers would stall the proxy and every other task).
pub(super) async fn for_caller<T: Send + 'static>(
    webview: &Webview,
    sync: &State<'_, Arc<SyncHost>>,
    work: impl FnOnce(&SyncHost, WindowLabel, String) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let webview = webview.clone();
    let sync = sync.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let url = webview.url().map_err(IpcError::Webview)?;
        let (window, origin) = caller(&sync, webview.label(), &url)?;
        work(&sync, window, origin)
    })
    .await
    .map_err(IpcError::Task)?
}

/// The calling page's app id and origin, checked against the app that owns its window (see
/// [`caller`]).
pub async fn calling_app(
    webview: &Webview,
    sync: &State<'_, Arc<SyncHost>>,
) -> Result<(String, String), IpcError> {
    for_caller(webview, sync, |_, window, origin| {
        Ok((window.app_id().to_owned(), origin))
    })
    .await
}
