//! Who is calling, and the call carried to the resident: the window's label and the page's
//! origin, read from its webview (never taken from the message); the resident checks that origin
//! against the app that owns the window (a window that navigated elsewhere speaks for nobody).

use std::sync::Arc;

use serde_json::Value;
use syncshell_resident::link::protocol::FromWindows;
use syncshell_resident::link::rpc::Link;
use syncshell_resident::page_calls::{PageCall, PageFailure};
use tauri::{State, Webview};

use super::error::IpcError;
use crate::windows::WindowLabel;

/// Carries `call` from the page in `webview` to the resident; its answer as the JavaScript value
/// the call resolves to. Reading the webview's URL waits for the GTK main thread, so that happens
/// on the blocking pool, never on an async worker.
pub(super) async fn forward(
    webview: &Webview,
    link: &State<'_, Arc<Link>>,
    call: PageCall,
) -> Result<Value, IpcError> {
    let label = WindowLabel::parse(webview.label()).ok_or(IpcError::NotAnAppWindow)?;
    let page = webview.clone();
    let url = tauri::async_runtime::spawn_blocking(move || page.url())
        .await
        .map_err(IpcError::Task)?
        .map_err(IpcError::Webview)?;
    let request = FromWindows::Page {
        label,
        origin: url.origin().ascii_serialization(),
        call,
    };
    let answered: Result<Value, PageFailure> = link.call(&request).await?;
    Ok(answered?)
}
