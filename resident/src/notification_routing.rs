//! Where the desktop's report on a notification goes: a click or a user's close of a worker's
//! notification becomes `notificationclick` / `notificationclose` in the app's worker (through its
//! open window or a hidden one, as sync events go); a page's notification tells its page. A click
//! lets the app open or focus one window for 10 s.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;
use syncshell_core::store::apps::App;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use crate::desktop::Desktop;
use crate::label::WindowLabel;
use crate::notify::bus::ServerEvent;
use crate::notify::{Activation, ActivationKind, Notifier};
use crate::sync::dispatcher::{Dispatcher, NotificationEvent};

/// Runs for the host's life: each server event is resolved (store work, on the blocking pool)
/// and routed in order per app (a server sends a click and then the close it causes; the worker
/// must hear them in that order), each app on a task of its own, so one slow worker does not hold
/// up another app's click.
pub async fn run<D: Desktop>(
    notifier: Arc<Notifier>,
    dispatcher: Arc<Dispatcher<D>>,
    windows: Arc<D>,
    mut events: UnboundedReceiver<ServerEvent>,
) {
    let mut queues: HashMap<String, mpsc::UnboundedSender<(App, Activation)>> = HashMap::new();
    while let Some(event) = events.recv().await {
        let n = notifier.clone();
        let resolved = tokio::task::spawn_blocking(move || n.resolve(&event)).await;
        let (app, activation) = match resolved {
            Ok(Ok(Some(found))) => found,
            Ok(Ok(None)) => continue,
            Ok(Err(e)) => {
                eprintln!("syncshell: a notification event could not be read: {e}");
                continue;
            }
            Err(e) => {
                eprintln!("syncshell: a notification event could not be read: {e}");
                continue;
            }
        };
        let queue = queues.entry(app.id.clone()).or_insert_with(|| {
            let (tx, mut rx) = mpsc::unbounded_channel::<(App, Activation)>();
            let (notifier, dispatcher, windows) =
                (notifier.clone(), dispatcher.clone(), windows.clone());
            tokio::spawn(async move {
                while let Some((app, activation)) = rx.recv().await {
                    route(&notifier, &dispatcher, &windows, &app, activation).await;
                }
            });
            tx
        });
        let _ = queue.send((app, activation));
    }
}

async fn route<D: Desktop>(
    notifier: &Notifier,
    dispatcher: &Dispatcher<D>,
    windows: &D,
    app: &App,
    activation: Activation,
) {
    let Activation { shown, kind } = activation;
    let clicked = matches!(kind, ActivationKind::Click(_));
    match shown.scope.clone() {
        Some(scope) => {
            let (kind, action) = match kind {
                ActivationKind::Click(action) => ("notificationclick", action),
                ActivationKind::Close => ("notificationclose", String::new()),
            };
            let event = NotificationEvent {
                kind,
                scope,
                notification: json!({ "id": shown.id, "title": shown.title, "options": shown.options }),
                action,
            };
            // The click's window grant starts when the event is sent, not while the hidden
            // window starts.
            let grant = || {
                if clicked {
                    notifier.grant_window(&app.origin);
                }
            };
            if let Err(e) = dispatcher.fire_notification(app, &event, grant).await {
                eprintln!("syncshell: {kind} for {} failed: {e}", app.id);
            }
        }
        None => {
            if clicked {
                notifier.grant_window(&app.origin);
            }
            // A page's notification: its page hears of it, if its window is still open.
            let kind = match kind {
                ActivationKind::Click(_) => "click",
                ActivationKind::Close => "close",
            };
            let script = format!(
                "window.__syncshellNotificationEvent && window.__syncshellNotificationEvent({}, {:?})",
                shown.id, kind
            );
            let label = WindowLabel::App(app.id.clone());
            let told = windows.tell_page(&label, &app.origin, script).await;
            // The page is gone: a click still brings the app up.
            if !told && kind == "click" {
                if let Err(e) = windows.open_app(app).await {
                    eprintln!(
                        "syncshell: {}: cannot open the app after a click: {e}",
                        app.id
                    );
                }
            }
        }
    }
}
