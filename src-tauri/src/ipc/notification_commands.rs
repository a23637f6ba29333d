//! The page bridge's notification commands (`new Notification`, `close()`, the focus a click
//! asks for, `requestPermission()`), granted per app origin like the sync commands; the origin is
//! read from the webview.

use std::sync::Arc;

use syncshell_core::notification::NotificationOptions;
use tauri::{State, Webview};

use super::caller::calling_app;
use super::error::IpcError;
use syncshell_resident::notify::calls::{NotifyAnswer, NotifyCall};
use syncshell_resident::notify::Notifier;
use syncshell_resident::sync::SyncHost;

async fn call(
    webview: &Webview,
    sync: &State<'_, Arc<SyncHost>>,
    notifier: &State<'_, Arc<Notifier>>,
    call: NotifyCall,
) -> Result<NotifyAnswer, IpcError> {
    let (app_id, origin) = calling_app(webview, sync).await?;
    Ok(notifier.call(&origin, Some(&app_id), call).await?)
}

/// `new Notification(title, options)` (`scope` null) or a page's
/// `registration.showNotification(title, options)` (`scope` that registration's), with the
/// icon's bytes (`iconData`, base64) when the page fetched it: answers `{id}`.
#[tauri::command]
pub async fn show_notification(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    notifier: State<'_, Arc<Notifier>>,
    scope: Option<String>,
    title: String,
    options: Option<NotificationOptions>,
    icon_data: Option<String>,
) -> Result<NotifyAnswer, IpcError> {
    let options = Box::new(options.unwrap_or_default());
    let show = NotifyCall::ShowNotification {
        scope,
        title,
        options,
        icon_data,
    };
    call(&webview, &sync, &notifier, show).await
}

/// A page's `registration.getNotifications({tag})`.
#[tauri::command]
pub async fn get_notifications(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    notifier: State<'_, Arc<Notifier>>,
    scope: String,
    tag: Option<String>,
) -> Result<NotifyAnswer, IpcError> {
    let list = NotifyCall::GetNotifications {
        scope,
        tag: tag.unwrap_or_default(),
    };
    call(&webview, &sync, &notifier, list).await
}

/// `notification.close()`.
#[tauri::command]
pub async fn close_notification(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    notifier: State<'_, Arc<Notifier>>,
    id: i64,
) -> Result<NotifyAnswer, IpcError> {
    call(
        &webview,
        &sync,
        &notifier,
        NotifyCall::CloseNotification { id },
    )
    .await
}

/// Raises the app's window after a click on one of its page's notifications.
#[tauri::command]
pub async fn focus_window(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    notifier: State<'_, Arc<Notifier>>,
) -> Result<NotifyAnswer, IpcError> {
    call(&webview, &sync, &notifier, NotifyCall::FocusWindow {}).await
}

/// `Notification.requestPermission()`.
#[tauri::command]
pub async fn request_notification_permission(
    webview: Webview,
    sync: State<'_, Arc<SyncHost>>,
    notifier: State<'_, Arc<Notifier>>,
) -> Result<NotifyAnswer, IpcError> {
    call(
        &webview,
        &sync,
        &notifier,
        NotifyCall::RequestNotificationPermission {},
    )
    .await
}
