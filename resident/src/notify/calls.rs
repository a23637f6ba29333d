//! The notification calls pages and workers make, the same for both transports (Tauri IPC from
//! pages, the reserved path from workers); the caller's origin comes from the transport, never
//! from the message.

use serde::{Deserialize, Serialize};
use syncshell_core::notification::NotificationOptions;
use syncshell_core::store::apps::{self, App};
use syncshell_core::store::notifications::Shown;
use syncshell_core::store::StoreError;

use super::icons::IconSource;
use super::{Notifier, NotifyError};

/// A notification call as the worker shim sends it: `{cmd, args}` (and the window side forwards a
/// page's).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", content = "args", rename_all = "snake_case")]
pub enum NotifyCall {
    /// `registration.showNotification(title, options)` (`scope` set), or `new Notification` in a
    /// page (`scope` null).
    ShowNotification {
        /// The worker's registration scope.
        scope: Option<String>,
        /// Title.
        title: String,
        /// Options (boxed: they dwarf the other calls).
        #[serde(default)]
        options: Box<NotificationOptions>,
        /// The bytes of the `icon` option, base64, when the caller fetched it (an icon of its own
        /// origin, with the app's cookies); otherwise the host fetches the icon itself.
        #[serde(default, rename = "iconData")]
        icon_data: Option<String>,
    },
    /// `registration.getNotifications({tag})`.
    GetNotifications {
        /// Scope.
        scope: String,
        /// Tag ("" for all).
        #[serde(default)]
        tag: String,
    },
    /// `notification.close()`.
    CloseNotification {
        /// syncshell's id of it.
        id: i64,
    },
    /// `clients.openWindow(url)`.
    OpenWindow {
        /// Absolute URL.
        url: String,
    },
    /// `WindowClient.focus()` (an app has one window: which client does not matter).
    FocusWindow {},
    /// `WindowClient.navigate(url)`.
    NavigateWindow {
        /// Where to.
        url: String,
    },
    /// `Notification.requestPermission()`.
    RequestNotificationPermission {},
}

impl NotifyCall {
    /// Whether a `{cmd, args}` body is a notification call (the worker's reserved path carries
    /// these and the sync calls alike).
    pub fn is_one(cmd: &str) -> bool {
        matches!(
            cmd,
            "show_notification"
                | "get_notifications"
                | "close_notification"
                | "open_window"
                | "focus_window"
                | "navigate_window"
                | "request_notification_permission"
        )
    }
}

/// A notification as `getNotifications` answers it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// syncshell's id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Options (with `data` as JSON text).
    pub options: NotificationOptions,
}

impl From<Shown> for Listed {
    fn from(s: Shown) -> Self {
        Self {
            id: s.id,
            title: s.title,
            options: s.options,
        }
    }
}

/// What a notification call resolves to in JavaScript.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum NotifyAnswer {
    /// `undefined` / `null`.
    Done,
    /// A shown notification's id: `{id}`.
    Shown {
        /// syncshell's id.
        id: i64,
    },
    /// `getNotifications()`.
    List(Vec<Listed>),
    /// A window the app's client now shows: `{url}`, or `null` (out of scope: the browser).
    Window(Option<WindowUrl>),
    /// `requestPermission()`: `granted`, `denied` or `default`.
    Permission(&'static str),
}

/// `{url}` of a window the app's client shows.
#[derive(Debug, Clone, Serialize)]
pub struct WindowUrl {
    /// Its URL.
    pub url: String,
}

/// The answer for a window now showing `url` (`None`: the browser got it).
fn window(url: Option<url::Url>) -> NotifyAnswer {
    NotifyAnswer::Window(url.map(|u| WindowUrl { url: u.to_string() }))
}

impl Notifier {
    /// The app a call of `origin` speaks for: the app of the calling window (`app_id`, from the
    /// window's label), else the app whose scope holds the worker's `scope` (the longest), else
    /// the origin's first. Several apps may share an origin; each notification is attributed to
    /// its own.
    fn app_of(
        &self,
        origin: &str,
        app_id: Option<&str>,
        scope: Option<&str>,
    ) -> Result<App, NotifyError> {
        let on_origin: Vec<App> = apps::list(self.ctx.store().conn())
            .map_err(StoreError::from)?
            .into_iter()
            .filter(|a| a.origin == origin)
            .collect();
        let by_window = app_id.and_then(|id| on_origin.iter().find(|a| a.id == id));
        let by_scope = scope.and_then(|scope| apps::owner_of(&on_origin, origin, scope));
        by_window
            .or(by_scope)
            .or(on_origin.first())
            .cloned()
            .ok_or(NotifyError::Unknown)
    }

    /// Carries out `call` for `origin`, from the window of app `app_id` (pages) or a worker.
    pub async fn call(
        &self,
        origin: &str,
        app_id: Option<&str>,
        call: NotifyCall,
    ) -> Result<NotifyAnswer, NotifyError> {
        let scope = match &call {
            NotifyCall::ShowNotification { scope, .. } => scope.clone(),
            NotifyCall::GetNotifications { scope, .. } => Some(scope.clone()),
            _ => None,
        };
        // A caller speaks only for its own origin's registrations.
        if scope
            .as_deref()
            .is_some_and(|scope| !syncshell_core::origin::is_of(scope, origin))
        {
            return Err(NotifyError::WrongOrigin);
        }
        let app = self.app_of(origin, app_id, scope.as_deref())?;
        match call {
            NotifyCall::ShowNotification {
                scope,
                title,
                options,
                icon_data,
            } => {
                let icon = IconSource::from_call(&options.icon, icon_data.as_deref());
                let id = self
                    .show(&app, scope.as_deref(), &title, *options, icon)
                    .await?;
                Ok(NotifyAnswer::Shown { id })
            }
            NotifyCall::GetNotifications { scope, tag } => Ok(NotifyAnswer::List(
                self.list(origin, &scope, &tag)
                    .await?
                    .into_iter()
                    .map(Listed::from)
                    .collect(),
            )),
            NotifyCall::CloseNotification { id } => {
                self.close(&app, id).await?;
                Ok(NotifyAnswer::Done)
            }
            NotifyCall::OpenWindow { url } => Ok(window(self.open_window(&app, &url).await?)),
            NotifyCall::FocusWindow {} => {
                self.focus_window(&app).await?;
                Ok(NotifyAnswer::Done)
            }
            NotifyCall::NavigateWindow { url } => {
                Ok(window(self.navigate_window(&app, &url).await?))
            }
            NotifyCall::RequestNotificationPermission {} => Ok(NotifyAnswer::Permission(
                self.request_permission(&app).await?,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_calls_parse_and_are_told_apart_from_sync_calls() {
        let call: NotifyCall = serde_json::from_str(
            r#"{"cmd":"show_notification","args":{"scope":"http://a.test/","title":"Hi","options":{"tag":"t","requireInteraction":true}}}"#,
        )
        .unwrap();
        match call {
            NotifyCall::ShowNotification {
                scope,
                title,
                options,
                icon_data,
            } => {
                assert_eq!(icon_data, None);
                assert_eq!(scope.as_deref(), Some("http://a.test/"));
                assert_eq!(title, "Hi");
                assert!(options.require_interaction);
            }
            other => panic!("{other:?}"),
        }
        let focus: NotifyCall =
            serde_json::from_str(r#"{"cmd":"focus_window","args":{"url":"http://a.test/x"}}"#)
                .unwrap();
        assert!(matches!(focus, NotifyCall::FocusWindow {}));
        assert!(NotifyCall::is_one("open_window"));
        assert!(!NotifyCall::is_one("sync_register"));
    }

    #[test]
    fn answers_serialize_as_the_javascript_values() {
        let json = |a: NotifyAnswer| serde_json::to_string(&a).unwrap();
        assert_eq!(json(NotifyAnswer::Done), "null");
        assert_eq!(json(NotifyAnswer::Shown { id: 3 }), r#"{"id":3}"#);
        assert_eq!(json(NotifyAnswer::Window(None)), "null");
        assert_eq!(
            json(NotifyAnswer::Window(Some(WindowUrl {
                url: "http://a.test/x".into()
            }))),
            r#"{"url":"http://a.test/x"}"#
        );
        assert_eq!(json(NotifyAnswer::Permission("default")), r#""default""#);
    }
}
