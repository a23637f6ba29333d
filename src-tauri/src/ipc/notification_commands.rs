//! The page bridge's notification commands (`new Notification`, `close()`, the focus a click
//! asks for, `requestPermission()`), granted per app origin like the sync commands; the origin is
//! read from the webview.

use std::sync::Arc;

use serde_json::Value;
use syncshell_core::notification::NotificationOptions;
use syncshell_resident::link::rpc::Link;
use syncshell_resident::notify::calls::NotifyCall;
use syncshell_resident::page_calls::PageCall;
use tauri::{State, Webview};

use super::caller::forward;
use super::error::IpcError;

/// A notification call, the same the worker shim makes over the reserved path.
async fn call(
    webview: &Webview,
    link: &State<'_, Arc<Link>>,
    call: NotifyCall,
) -> Result<Value, IpcError> {
    forward(webview, link, PageCall::Notify { call }).await
}

/// `new Notification(title, options)` (`scope` null) or a page's
/// `registration.showNotification(title, options)` (`scope` that registration's), with the
/// icon's bytes (`iconData`, base64) when the page fetched it: answers `{id}`.
#[tauri::command]
pub async fn show_notification(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: Option<String>,
    title: String,
    options: Option<NotificationOptions>,
    icon_data: Option<String>,
) -> Result<Value, IpcError> {
    let options = Box::new(options.unwrap_or_default());
    let show = NotifyCall::ShowNotification {
        scope,
        title,
        options,
        icon_data,
    };
    call(&webview, &link, show).await
}

/// A page's `registration.getNotifications({tag})`.
#[tauri::command]
pub async fn get_notifications(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    scope: String,
    tag: Option<String>,
) -> Result<Value, IpcError> {
    let list = NotifyCall::GetNotifications {
        scope,
        tag: tag.unwrap_or_default(),
    };
    call(&webview, &link, list).await
}

/// `notification.close()`.
#[tauri::command]
pub async fn close_notification(
    webview: Webview,
    link: State<'_, Arc<Link>>,
    id: i64,
) -> Result<Value, IpcError> {
    call(&webview, &link, NotifyCall::CloseNotification { id }).await
}

/// Raises the app's window after a click on one of its page's notifications.
#[tauri::command]
pub async fn focus_window(webview: Webview, link: State<'_, Arc<Link>>) -> Result<Value, IpcError> {
    call(&webview, &link, NotifyCall::FocusWindow {}).await
}

/// `Notification.requestPermission()`.
#[tauri::command]
pub async fn request_notification_permission(
    webview: Webview,
    link: State<'_, Arc<Link>>,
) -> Result<Value, IpcError> {
    call(
        &webview,
        &link,
        NotifyCall::RequestNotificationPermission {},
    )
    .await
}
