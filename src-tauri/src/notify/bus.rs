//! The desktop's notification server (org.freedesktop.Notifications) over one long-lived session
//! bus connection: GNOME drops a notification when the connection that sent it closes, and sends
//! its clicks only to that connection. Every call has a time limit: a server that owns the name
//! but never answers must not hold anything up.

// The proxy macro generates public items (the proxy type, signal streams and their args) that
// cannot carry docs; the trait below documents them.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use syncshell_core::notification::{Capabilities, DesktopNotification};
use tokio::sync::{mpsc, Mutex};
use zbus::zvariant::Value;

use super::NotifyError;

/// How long any call to the server may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// org.freedesktop.Notifications, the methods and signals syncshell uses.
#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    /// Shows (or replaces) a notification; the server's id for it.
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    /// Takes a notification off the screen.
    fn close_notification(&self, id: u32) -> zbus::Result<()>;

    /// What the server supports ("body", "actions", "body-markup", ...).
    fn get_capabilities(&self) -> zbus::Result<Vec<String>>;

    /// The user clicked the notification (`default`) or one of its buttons.
    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

    /// The notification went away: 1 expired, 2 dismissed by the user, 3 closed by a call.
    #[zbus(signal)]
    fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
}

/// What the server reports about a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Clicked: the server's id and the action key.
    Clicked(u32, String),
    /// Closed: the server's id and the reason code.
    Closed(u32, u32),
}

/// Why the server closed a notification, as the spec numbers it: 2 is the user dismissing it.
pub const CLOSED_BY_USER: u32 = 2;

/// The connection, made on first use and kept; a failed attempt is tried again on the next call
/// (a notification server may start after the host).
pub struct Bus {
    connected: Mutex<Option<Connected>>,
    events: mpsc::UnboundedSender<ServerEvent>,
}

struct Connected {
    proxy: NotificationsProxy<'static>,
    caps: Option<Capabilities>,
}

async fn limited<T>(
    what: &'static str,
    call: impl std::future::Future<Output = zbus::Result<T>>,
) -> Result<T, NotifyError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(NotifyError::from_bus(e)),
        Err(_) => Err(NotifyError::TimedOut(what)),
    }
}

impl Bus {
    /// A bus that reports clicks and closes to `events`.
    pub fn new(events: mpsc::UnboundedSender<ServerEvent>) -> Self {
        Self {
            connected: Mutex::new(None),
            events,
        }
    }

    async fn connect(&self) -> Result<Connected, NotifyError> {
        let connection = limited("connecting to the session bus", zbus::Connection::session())
            .await
            .map_err(|e| NotifyError::NoSession(e.to_string()))?;
        let proxy = limited("creating the proxy", NotificationsProxy::new(&connection)).await?;
        // Signals are matched on the connection from now on, for every notification.
        let clicks = limited("subscribing", proxy.receive_action_invoked()).await?;
        let closes = limited("subscribing", proxy.receive_notification_closed()).await?;
        let events = self.events.clone();
        tokio::spawn(async move {
            let mut clicks = clicks;
            while let Some(signal) = clicks.next().await {
                if let Ok(args) = signal.args() {
                    let _ = events.send(ServerEvent::Clicked(args.id, args.action_key));
                }
            }
        });
        let events = self.events.clone();
        tokio::spawn(async move {
            let mut closes = closes;
            while let Some(signal) = closes.next().await {
                if let Ok(args) = signal.args() {
                    let _ = events.send(ServerEvent::Closed(args.id, args.reason));
                }
            }
        });
        Ok(Connected { proxy, caps: None })
    }

    /// The connected proxy and the server's capabilities (asked once), connecting first if
    /// needed. The lock is held only for that: a slow call does not hold up the others.
    async fn proxy(&self) -> Result<(NotificationsProxy<'static>, Capabilities), NotifyError> {
        let mut connected = self.connected.lock().await;
        if connected.is_none() {
            *connected = Some(self.connect().await?);
        }
        let Some(c) = connected.as_mut() else {
            return Err(NotifyError::NoSession("not connected".into()));
        };
        if c.caps.is_none() {
            let names = limited("GetCapabilities", c.proxy.get_capabilities()).await?;
            c.caps = Some(Capabilities::from_names(&names));
        }
        Ok((c.proxy.clone(), c.caps.clone().unwrap_or_default()))
    }

    /// Shows the notification `build` makes for the server's capabilities; the server's id.
    pub async fn notify(
        &self,
        build: impl FnOnce(&Capabilities) -> DesktopNotification,
    ) -> Result<u32, NotifyError> {
        let (proxy, caps) = self.proxy().await?;
        let n = build(&caps);
        let actions: Vec<&str> = n.actions.iter().map(String::as_str).collect();
        let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
        hints.insert("desktop-entry", Value::from(n.desktop_entry.as_str()));
        if n.suppress_sound {
            hints.insert("suppress-sound", Value::from(true));
        }
        limited(
            "Notify",
            proxy.notify(
                &n.app_name,
                n.replaces_id,
                &n.app_icon,
                &n.summary,
                &n.body,
                &actions,
                hints,
                n.expire_timeout,
            ),
        )
        .await
    }

    /// Takes notification `id` off the screen.
    pub async fn close(&self, id: u32) -> Result<(), NotifyError> {
        let (proxy, _) = self.proxy().await?;
        limited("CloseNotification", proxy.close_notification(id)).await
    }
}
