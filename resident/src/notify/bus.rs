//! The desktop's notification server (org.freedesktop.Notifications) over one long-lived session
//! bus connection: GNOME drops a notification when the connection that sent it closes, and sends
//! its clicks only to that connection. Every call has a time limit: a server that owns the name
//! but never answers must not hold anything up.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use syncshell_core::notification::{Capabilities, DesktopNotification};
use tokio::sync::{mpsc, Mutex};
use zbus::zvariant::Value;

use super::NotifyError;

/// How long any call to the server may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);

// The proxy macro generates public items (the proxy type, signal streams and their args) that
// cannot carry docs; the trait documents them.
#[allow(missing_docs)]
mod server {
    use std::collections::HashMap;

    use zbus::zvariant::Value;

    /// org.freedesktop.Notifications, the methods and signals syncshell uses.
    #[zbus::proxy(
        interface = "org.freedesktop.Notifications",
        default_service = "org.freedesktop.Notifications",
        default_path = "/org/freedesktop/Notifications"
    )]
    pub trait Notifications {
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
}

use server::NotificationsProxy;

/// What a server reports about a notification, with the server's unique bus name (ids are per
/// server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Clicked: the server, its id and the action key.
    Clicked(String, u32, String),
    /// Closed: the server, its id and the reason code.
    Closed(String, u32, u32),
}

/// What showing a notification gave: the server that showed it and its id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownOn {
    /// The server's unique bus name.
    pub server: String,
    /// The server's id for the notification.
    pub id: u32,
}

fn sender(message: &zbus::Message) -> String {
    message
        .header()
        .sender()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Why the server closed a notification, as the spec numbers it: 2 is the user dismissing it.
pub const CLOSED_BY_USER: u32 = 2;

/// The connection, made on first use and kept; a failed attempt is tried again on the next call
/// (a notification server may start after the host), and a lost connection is made again.
pub struct Bus {
    connected: Mutex<Option<Connected>>,
    events: mpsc::UnboundedSender<ServerEvent>,
}

#[derive(Clone)]
struct Connected {
    proxy: NotificationsProxy<'static>,
    /// The bus daemon, to ask who owns the server's name now.
    dbus: zbus::fdo::DBusProxy<'static>,
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

/// Who owns org.freedesktop.Notifications now.
async fn owner(c: &Connected) -> Result<String, NotifyError> {
    let name = c.proxy.inner().destination().to_owned();
    let asked = async { c.dbus.get_name_owner(name).await.map_err(zbus::Error::from) };
    match limited("GetNameOwner", asked).await {
        Ok(unique) => Ok(unique.to_string()),
        // Nobody owns the name: no server.
        Err(NotifyError::Refused(_)) => Err(NotifyError::NoServer),
        Err(e) => Err(e),
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
            .map_err(|e| NotifyError::NoSession(Box::new(e)))?;
        let proxy = limited("creating the proxy", NotificationsProxy::new(&connection)).await?;
        // Signals are matched on the connection from now on, for every notification.
        let clicks = limited("subscribing", proxy.receive_action_invoked()).await?;
        let closes = limited("subscribing", proxy.receive_notification_closed()).await?;
        let events = self.events.clone();
        tokio::spawn(async move {
            let mut clicks = clicks;
            while let Some(signal) = clicks.next().await {
                if let Ok(args) = signal.args() {
                    let from = sender(signal.message());
                    let _ = events.send(ServerEvent::Clicked(from, args.id, args.action_key));
                }
            }
        });
        let events = self.events.clone();
        tokio::spawn(async move {
            let mut closes = closes;
            while let Some(signal) = closes.next().await {
                if let Ok(args) = signal.args() {
                    let from = sender(signal.message());
                    let _ = events.send(ServerEvent::Closed(from, args.id, args.reason));
                }
            }
        });
        let dbus = limited(
            "creating the bus proxy",
            zbus::fdo::DBusProxy::new(&connection),
        )
        .await?;
        Ok(Connected {
            proxy,
            dbus,
            caps: None,
        })
    }

    /// The connected proxy and the server's capabilities (asked once a server answers). The lock
    /// is held only to read or store them, never across a call to the bus: with a server that
    /// owns the name but never answers, each caller waits its own time limit, not the sum of
    /// everyone's before it.
    async fn proxy(&self) -> Result<(Connected, Capabilities), NotifyError> {
        let known = self.connected.lock().await.clone();
        let mut c = match known {
            Some(c) => c,
            None => {
                let fresh = self.connect().await?;
                let mut slot = self.connected.lock().await;
                // Another caller may have connected meanwhile: keep the first connection.
                slot.get_or_insert(fresh).clone()
            }
        };
        if c.caps.is_none() {
            let names = limited("GetCapabilities", c.proxy.get_capabilities()).await?;
            let caps = Capabilities::from_names(&names);
            if !caps.actions {
                // Said once per connection: without actions no click ever comes back to an app.
                eprintln!(
                    "syncshell: the notification server does not support actions: clicks on \
                     notifications cannot reach the apps"
                );
            }
            if let Some(stored) = self.connected.lock().await.as_mut() {
                stored.caps = Some(caps.clone());
            }
            c.caps = Some(caps);
        }
        let caps = c.caps.clone().unwrap_or_default();
        Ok((c, caps))
    }

    /// The unique bus name of the server now (the owner of org.freedesktop.Notifications).
    pub async fn server(&self) -> Result<String, NotifyError> {
        let (c, _) = self.proxy().await?;
        owner(&c).await
    }

    /// Forgets a connection that failed, so the next call makes a new one (the bus daemon or
    /// the connection went away).
    async fn check(&self, error: &NotifyError) {
        if matches!(error, NotifyError::Disconnected(_)) {
            *self.connected.lock().await = None;
        }
    }

    /// Shows the notification `build` makes for the server's capabilities and the server now
    /// (`build` gets its unique name, to replace only that server's notifications).
    pub async fn notify(
        &self,
        build: impl FnOnce(&Capabilities, &str) -> DesktopNotification,
    ) -> Result<ShownOn, NotifyError> {
        let (c, caps) = self.proxy().await?;
        let server = owner(&c).await?;
        let proxy = c.proxy;
        let n = build(&caps, &server);
        // The call runs on a task of its own: if the server answers after the time limit, the app
        // was already told it failed, so the late notification is taken off the screen rather
        // than left there unknown to the store (its clicks would go nowhere).
        let sent = proxy.clone();
        let mut call = tokio::spawn(async move {
            let actions: Vec<&str> = n.actions.iter().map(String::as_str).collect();
            let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
            hints.insert("desktop-entry", Value::from(n.desktop_entry.as_str()));
            if n.suppress_sound {
                hints.insert("suppress-sound", Value::from(true));
            }
            sent.notify(
                &n.app_name,
                n.replaces_id,
                &n.app_icon,
                &n.summary,
                &n.body,
                &actions,
                hints,
                n.expire_timeout,
            )
            .await
        });
        let shown = match tokio::time::timeout(CALL_TIMEOUT, &mut call).await {
            Ok(Ok(answer)) => answer.map_err(NotifyError::from_bus),
            // The call's task ended without an answer (it cannot panic short of a zbus bug).
            Ok(Err(_)) => Err(NotifyError::TimedOut("Notify")),
            Err(_) => {
                tokio::spawn(async move {
                    if let Ok(Ok(late)) = call.await {
                        let _ = tokio::time::timeout(CALL_TIMEOUT, proxy.close_notification(late))
                            .await;
                    }
                });
                Err(NotifyError::TimedOut("Notify"))
            }
        };
        if let Err(e) = &shown {
            self.check(e).await;
        }
        shown.map(|id| ShownOn { server, id })
    }

    /// Takes notification `id` off the screen.
    pub async fn close(&self, id: u32) -> Result<(), NotifyError> {
        let (c, _) = self.proxy().await?;
        let closed = limited("CloseNotification", c.proxy.close_notification(id)).await;
        if let Err(e) = &closed {
            self.check(e).await;
        }
        closed
    }
}
