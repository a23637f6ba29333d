//! Desktop notifications for installed apps: shown by the host on the desktop's notification
//! server (WebKitGTK's own go to a private path attributed to the host, see
//! `shared/design/webkitgtk-facts.md`), attributed to the app, remembered in SQLite, and their
//! clicks and closes routed back to the app.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`Notifier`]: show, list, close, and what a server event means for which app |
//! | `bus.rs` | the notification server over one long-lived session-bus connection, time-limited |
//! | `calls.rs` | the calls pages and workers make, and their answers |
//! | `client_windows.rs` | `clients.openWindow` / `focus` / `navigate`, allowed after a click only |
//! | `icons.rs` | a notification's own icon, fetched into a file, or the app's |
//! | `permission_prompt.rs` | `requestPermission()`: asking the user on the app's window |

pub mod bus;
pub mod calls;
pub mod client_windows;
pub mod icons;
pub mod permission_prompt;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use syncshell_core::notification::{self, NotificationOptions};
use syncshell_core::paths::launcher_name;
use syncshell_core::permission::{self, Permission, Setting};
use syncshell_core::store::apps::App;
use syncshell_core::store::background_log::{self, LogEntry};
use syncshell_core::store::log_event::{LogEvent, Service};
use syncshell_core::store::notifications::{self, Shown};
use syncshell_core::store::StoreError;
use tokio::sync::mpsc;

use crate::context::Context;
use crate::desktop::{DesktopError, NotificationWindows};
use bus::{Bus, ServerEvent, CLOSED_BY_USER};
use icons::IconSource;

/// How long after a `notificationclick` the app may open or focus a window (Chromium's rule).
pub const WINDOW_GRANT: Duration = Duration::from_secs(10);

/// Why a notification could not be shown or acted on. Pages and workers get its name and message.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The `notifications` permission is not `allow`.
    #[error("No notification permission has been granted for this origin.")]
    NotPermitted,
    /// No session bus to reach a notification server on.
    #[error("cannot reach the session bus: {0}")]
    NoSession(#[source] Box<NotifyError>),
    /// Nobody owns org.freedesktop.Notifications.
    #[error("no notification server is running on the session bus")]
    NoServer,
    /// The server did not answer in time.
    #[error("the notification server did not answer {0} within {limit} s", limit = bus::CALL_TIMEOUT.as_secs())]
    TimedOut(&'static str),
    /// The server answered with an error.
    #[error("the notification server refused it: {0}")]
    Refused(#[source] zbus::Error),
    /// The connection to the session bus broke (it is made again on the next call).
    #[error("the session bus connection was lost: {0}")]
    Disconnected(#[source] zbus::Error),
    /// No such notification of this app.
    #[error("no such notification")]
    Unknown,
    /// A scope of another origin than the caller's.
    #[error("the scope is not of the caller's origin")]
    WrongOrigin,
    /// A window was asked for outside the 10 s after a notification click.
    #[error("Not allowed to {0} a window.")]
    WindowNotAllowed(&'static str),
    /// Not a URL.
    #[error("bad URL: {0}")]
    BadUrl(#[from] url::ParseError),
    /// A URL the app's window may not show.
    #[error("{0} is not a page of the app")]
    NotInApp(url::Url),
    /// The permission prompt could not be shown.
    #[error("cannot ask the user: {0}")]
    Prompt(#[source] DesktopError),
    /// The user's answer could not be stored.
    #[error(transparent)]
    Permission(#[from] syncshell_core::permission::PermissionError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NotifyError {
    /// The error's name for JavaScript (`TypeError`, or a DOMException name).
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotPermitted => "TypeError",
            Self::WindowNotAllowed(_) => "InvalidAccessError",
            Self::Unknown => "NotFoundError",
            Self::WrongOrigin => "SecurityError",
            _ => "UnknownError",
        }
    }

    fn from_bus(e: zbus::Error) -> Self {
        match &e {
            zbus::Error::MethodError(name, _, _)
                if name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown" =>
            {
                Self::NoServer
            }
            zbus::Error::InputOutput(_) | zbus::Error::Handshake(_) => Self::Disconnected(e),
            _ => Self::Refused(e),
        }
    }
}

/// What a server event means: which of syncshell's notifications, and what happened to it.
#[derive(Debug, Clone)]
pub struct Activation {
    /// The notification as stored.
    pub shown: Shown,
    /// What happened.
    pub kind: ActivationKind,
}

/// A click or a close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivationKind {
    /// Clicked: the app's `event.action` ("" for the body).
    Click(String),
    /// Closed by the user (other closes tell the app nothing, as in Chromium).
    Close,
}

/// One async lock per origin, made on first use: work of one origin that must not interleave
/// (showing with a tag, asking the user) waits for its turn; other origins do not wait.
#[derive(Default)]
struct OriginLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl OriginLocks {
    /// Waits for `origin`'s turn; it lasts as long as the guard.
    async fn lock(&self, origin: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(origin.to_owned())
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}

/// The host's notifications: one bus connection, the store, and the window grants of clicks.
pub struct Notifier {
    ctx: Arc<Context>,
    windows: Arc<dyn NotificationWindows>,
    bus: Bus,
    /// Origin -> until when it may open or focus one window.
    window_grants: Mutex<HashMap<String, Instant>>,
    /// One show at a time per origin: two with the same tag must not both miss the other (and
    /// leave two on screen).
    showing: OriginLocks,
    /// One permission prompt at a time per origin.
    asking: OriginLocks,
    /// Told when the user changed a permission through a prompt (the host pushes the new state
    /// to the app's pages).
    on_permission_changed: Arc<dyn Fn() + Send + Sync>,
}

impl Notifier {
    /// A notifier over `ctx`'s store, calling `on_permission_changed` after a prompt's answer;
    /// what the server reports arrives on the returned receiver (the host turns each into an
    /// [`Activation`] with [`Notifier::resolve`]).
    pub fn new(
        ctx: Arc<Context>,
        windows: Arc<dyn NotificationWindows>,
        on_permission_changed: Arc<dyn Fn() + Send + Sync>,
    ) -> (Self, mpsc::UnboundedReceiver<ServerEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let notifier = Self {
            ctx,
            windows,
            bus: Bus::new(tx),
            window_grants: Mutex::new(HashMap::new()),
            showing: OriginLocks::default(),
            asking: OriginLocks::default(),
            on_permission_changed,
        };
        (notifier, rx)
    }

    fn log(
        &self,
        app: &App,
        scope: Option<&str>,
        event: LogEvent,
        tag: &str,
        meta: serde_json::Value,
    ) {
        let entry = LogEntry {
            at: self.ctx.clock.now_ms(),
            origin: app.origin.clone(),
            scope: scope.map_or_else(|| app.scope.to_string(), str::to_owned),
            service: Service::Notifications,
            event,
            tag: tag.to_owned(),
            metadata: meta,
        };
        if let Err(e) = background_log::record(self.ctx.store().conn(), &entry) {
            eprintln!("syncshell: cannot log a notification of {}: {e}", app.id);
        }
    }

    /// Shows a notification of `app` (from its worker of `scope`, or from a page when `None`),
    /// with its icon from `icon`, replacing the origin's earlier one with the same tag. Returns
    /// syncshell's id for it. Never
    /// waits on the server longer than [`bus::CALL_TIMEOUT`] per call.
    pub async fn show(
        &self,
        app: &App,
        scope: Option<&str>,
        title: &str,
        options: NotificationOptions,
        icon: IconSource,
    ) -> Result<i64, NotifyError> {
        let allowed = permission::get(
            self.ctx.store().conn(),
            &app.origin,
            Permission::Notifications,
        )
        .map_err(StoreError::from)?;
        if allowed != Setting::Allow {
            return Err(NotifyError::NotPermitted);
        }
        let _one_at_a_time = self.showing.lock(&app.origin).await;
        let icon = self.icon_file(app, icon).await;
        let entry = launcher_name(&app.id);
        let mut earlier = Vec::new();
        let shown = self
            .bus
            .notify(|caps, server| {
                // Only this server's notifications can be replaced: another server's ids could
                // be anyone's here.
                if !options.tag.is_empty() {
                    let store = self.ctx.store();
                    earlier =
                        notifications::list(store.conn(), server, &app.origin, None, &options.tag)
                            .unwrap_or_default();
                }
                let replaces = earlier.iter().rev().map(|n| n.server_id).next();
                notification::to_desktop(
                    &app.name,
                    &entry,
                    title,
                    &options,
                    icon.as_deref(),
                    replaces,
                    caps,
                )
            })
            .await;
        let on = match shown {
            Ok(on) => on,
            Err(e) => {
                let meta = json!({ "title": title, "Failure Reason": e.to_string() });
                self.log(app, scope, LogEvent::NotificationFailed, &options.tag, meta);
                return Err(e);
            }
        };
        let tag = options.tag.clone();
        let record = Shown {
            id: 0,
            origin: app.origin.clone(),
            app_id: app.id.clone(),
            scope: scope.map(str::to_owned),
            title: title.to_owned(),
            options,
            server: on.server.clone(),
            server_id: on.id,
            shown_at: self.ctx.clock.now_ms(),
        };
        let id = self
            .ctx
            .store()
            .transaction(|tx| {
                // Notifications of a server that went away went with it.
                notifications::forget_other_servers(tx, &on.server)?;
                for old in &earlier {
                    notifications::delete(tx, old.id)?;
                }
                notifications::insert(tx, &record)
            })
            .map_err(StoreError::from)?;
        let meta = json!({ "title": title, "id": id, "replaced": !earlier.is_empty() });
        self.log(app, scope, LogEvent::NotificationDisplayed, &tag, meta);
        Ok(id)
    }

    /// `getNotifications({tag})`: the origin's notifications of `scope` still on screen (none
    /// when no server runs: nothing is on screen then).
    pub async fn list(
        &self,
        origin: &str,
        scope: &str,
        tag: &str,
    ) -> Result<Vec<Shown>, NotifyError> {
        let server = match self.bus.server().await {
            Ok(server) => server,
            Err(NotifyError::NoServer) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(
            notifications::list(self.ctx.store().conn(), &server, origin, Some(scope), tag)
                .map_err(StoreError::from)?,
        )
    }

    /// `notification.close()` from `origin` (another origin's id is unknown to it).
    pub async fn close(&self, app: &App, id: i64) -> Result<(), NotifyError> {
        let shown = notifications::get(self.ctx.store().conn(), id).map_err(StoreError::from)?;
        let Some(shown) = shown.filter(|s| s.origin == app.origin) else {
            return Err(NotifyError::Unknown);
        };
        notifications::delete(self.ctx.store().conn(), id).map_err(StoreError::from)?;
        // Only on the server that showed it (another's id is someone else's notification); gone
        // from the store either way: a server that fails here has lost it already.
        let on_it = self.bus.server().await.is_ok_and(|s| s == shown.server);
        if on_it {
            if let Err(e) = self.bus.close(shown.server_id).await {
                eprintln!("syncshell: closing notification {id} of {}: {e}", app.id);
            }
        }
        let meta = json!({ "id": id, "by": "app" });
        self.log(
            app,
            shown.scope.as_deref(),
            LogEvent::NotificationClosed,
            &shown.options.tag,
            meta,
        );
        Ok(())
    }

    /// Takes every notification of `app`'s origin off the desktop and forgets them (the app is
    /// being uninstalled: its notifications must not outlive it).
    pub async fn close_all(&self, app: &App) {
        let shown =
            notifications::list_origin(self.ctx.store().conn(), &app.origin).unwrap_or_default();
        let server = self.bus.server().await.ok();
        for n in shown {
            if server.as_deref() == Some(n.server.as_str()) {
                let _ = self.bus.close(n.server_id).await;
            }
            let _ = notifications::delete(self.ctx.store().conn(), n.id);
        }
    }

    /// What server event `event` means, logged; `None` for notifications of others (the server
    /// reports every sender's) or closes the app need not hear of.
    pub fn resolve(&self, event: &ServerEvent) -> Result<Option<(App, Activation)>, NotifyError> {
        let (server, server_id) = match event {
            ServerEvent::Clicked(server, id, _) | ServerEvent::Closed(server, id, _) => {
                (server, *id)
            }
        };
        let conn_store = self.ctx.store();
        let Some(shown) = notifications::by_server_id(conn_store.conn(), server, server_id)
            .map_err(StoreError::from)?
        else {
            return Ok(None);
        };
        let app = syncshell_core::store::apps::get(conn_store.conn(), &shown.app_id)
            .map_err(StoreError::from)?;
        drop(conn_store);
        let Some(app) = app else {
            return Ok(None);
        };
        let tag = shown.options.tag.clone();
        match event {
            ServerEvent::Clicked(_, _, key) => {
                let Some(action) = notification::action_for_key(&shown.options, key) else {
                    return Ok(None);
                };
                let action = action.to_owned();
                let meta = json!({ "id": shown.id, "action": action });
                self.log(
                    &app,
                    shown.scope.as_deref(),
                    LogEvent::NotificationClicked,
                    &tag,
                    meta,
                );
                Ok(Some((
                    app,
                    Activation {
                        shown,
                        kind: ActivationKind::Click(action),
                    },
                )))
            }
            ServerEvent::Closed(_, _, reason) => {
                notifications::delete(self.ctx.store().conn(), shown.id)
                    .map_err(StoreError::from)?;
                let by = if *reason == CLOSED_BY_USER {
                    "user"
                } else {
                    "desktop"
                };
                let meta = json!({ "id": shown.id, "by": by, "reason": reason });
                self.log(
                    &app,
                    shown.scope.as_deref(),
                    LogEvent::NotificationClosed,
                    &tag,
                    meta,
                );
                Ok((*reason == CLOSED_BY_USER).then_some((
                    app,
                    Activation {
                        shown,
                        kind: ActivationKind::Close,
                    },
                )))
            }
        }
    }

    /// Lets `origin` open or focus one window during the next [`WINDOW_GRANT`] (a click).
    pub fn grant_window(&self, origin: &str) {
        let mut grants = self.window_grants.lock().unwrap_or_else(|e| e.into_inner());
        grants.insert(origin.to_owned(), Instant::now() + WINDOW_GRANT);
    }

    /// Uses `origin`'s grant, if it has a live one.
    fn take_window_grant(&self, origin: &str) -> bool {
        let mut grants = self.window_grants.lock().unwrap_or_else(|e| e.into_inner());
        grants
            .remove(origin)
            .is_some_and(|until| Instant::now() <= until)
    }
}
