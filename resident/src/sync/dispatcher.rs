//! Firing one event: through the app's open window when there is one, else through a lease on the
//! app's hidden window (same WebKit data, so the same service worker). The page bridge posts the
//! event to the worker shim and reports the outcome, which arrives through [`InFlight`].
//!
//! An app has at most [`EVENTS_AT_ONCE_PER_APP`] background-sync events in its worker at once; the
//! others wait their turn before their time limit starts. Measured in the soak (100 apps × 100
//! registrations on 2 cores): with every due event of an app handed to its worker together, the
//! worker's handlers shared the machine so thinly that some finished their POST and still ran past
//! the 30 s limit, so the event failed and its post was sent again. The limit is the app's time
//! to handle one event, not the host's queue.
//!
//! [`InFlight`]: super::in_flight::InFlight

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use serde_json::json;
use syncshell_core::store::apps::{self, App};
use syncshell_core::store::background_log::{self, LogEntry};
use syncshell_core::store::log_event::LogEvent;
use syncshell_core::store::sync_registrations::{self as regs, Kind};
use syncshell_core::sync::rules::{self, Dispatch};

use super::failure::EventFailure;
use super::hidden_pool::HiddenPool;
use super::in_flight::Outcome;
use super::target::{EventMessage, EventWindow, EventWindows};
use super::SyncHost;

/// Extra time, beyond the event's own limit, for the page to report back.
const REPORT_MARGIN: Duration = Duration::from_secs(10);

/// How many sync and periodic sync events an app's worker handles at once (see the module's doc).
/// Chromium has no such bound, but its events do not queue behind one host process's main thread.
pub const EVENTS_AT_ONCE_PER_APP: usize = 8;

/// Fires events at apps' workers through the windows `W`.
pub struct Dispatcher<W: EventWindows> {
    sync: Arc<SyncHost>,
    windows: Arc<W>,
    hidden: Arc<HiddenPool<W>>,
    /// Each app's turns at its worker (see [`EVENTS_AT_ONCE_PER_APP`]), by app id; one small
    /// entry per app that ever had an event.
    turns: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// One event to deliver to a worker.
struct Event<'a> {
    origin: &'a str,
    /// `sync`, `periodicsync`, `notificationclick`, `notificationclose`.
    kind: &'static str,
    tag: &'a str,
    last_chance: bool,
    scope: &'a str,
    /// Notification events: the notification and the clicked action.
    notification: Option<(&'a serde_json::Value, &'a str)>,
}

/// A notification event for an app's worker (a click or a close of one it showed).
#[derive(Debug, Clone)]
pub struct NotificationEvent {
    /// `notificationclick` or `notificationclose`.
    pub kind: &'static str,
    /// The worker's registration scope.
    pub scope: String,
    /// The notification as the worker shim builds it: `{id, title, options}`.
    pub notification: serde_json::Value,
    /// The clicked action ("" for the body).
    pub action: String,
}

impl<W: EventWindows> Dispatcher<W> {
    /// A dispatcher over `sync`'s state and `windows`, with `max_hidden_webviews` hidden windows
    /// at most, each closed after `hidden_webview_idle`.
    pub fn new(sync: Arc<SyncHost>, windows: Arc<W>) -> Self {
        let idle = Duration::from_millis(sync.params.hidden_webview_idle.max(0) as u64);
        let max = sync.params.max_hidden_webviews as usize;
        Self {
            hidden: HiddenPool::new(windows.clone(), max, idle),
            sync,
            windows,
            turns: Mutex::default(),
        }
    }

    /// The sync state the dispatcher works on.
    pub fn sync(&self) -> &Arc<SyncHost> {
        &self.sync
    }

    /// Fires `d` and records its outcome (retry, drop, done), then wakes the scheduler.
    pub async fn dispatch(&self, d: Dispatch) {
        let outcome = self.fire(&d).await;
        let now = self.sync.ctx.clock.now_ms();
        let (store, params, key) = (
            &mut self.sync.ctx.store(),
            &self.sync.params,
            &d.registration.key,
        );
        let recorded = match outcome {
            Err(EventFailure::PageGone(why)) => {
                rules::cut_short(store, params, now, key, &why).map(drop)
            }
            outcome => {
                let error = outcome.err().map(|e| e.to_string());
                rules::finish(store, params, now, key, error.as_deref()).map(drop)
            }
        };
        if let Err(e) = recorded {
            eprintln!(
                "syncshell: cannot record the outcome of {}: {e}",
                d.registration.key.tag
            );
        }
        self.sync.wake.notify_one();
    }

    async fn fire(&self, d: &Dispatch) -> Outcome {
        let origin = &d.registration.origin;
        let k = &d.registration.key;
        // Only the owner is kept across the wait for a turn: every due event waits at once (the
        // soak has 10,000), and each would hold a copy of every installed app.
        let app = {
            let all = apps::list(self.sync.ctx.store().conn())
                .map_err(|e| EventFailure::Storage(e.to_string()))?;
            apps::owner_of(&all, origin, &k.scope).cloned()
        }
        .ok_or_else(|| EventFailure::NoApp(origin.clone()))?;
        let event = Event {
            origin: &app.origin,
            kind: k.kind.as_str(),
            tag: &k.tag,
            last_chance: d.last_chance,
            scope: &k.scope,
            notification: None,
        };
        self.fire_event(&app, &event).await
    }

    /// Fires an event at the app's worker now, with no registration behind it (DevTools' manual
    /// dispatch). The outcome is logged and returned; nothing is retried.
    pub async fn fire_manual(
        &self,
        app: &App,
        kind: Kind,
        tag: &str,
        last_chance: bool,
    ) -> Outcome {
        // The registration's own scope when the tag is registered, else the app's scope.
        let registered = regs::list(self.sync.ctx.store().conn(), Some(&app.origin))
            .unwrap_or_default()
            .into_iter()
            .find(|r| r.key.kind == kind && r.key.tag == tag)
            .map(|r| r.key.scope);
        let scope = registered.unwrap_or_else(|| app.scope.to_string());
        let event = Event {
            origin: &app.origin,
            kind: kind.as_str(),
            tag,
            last_chance,
            scope: &scope,
            notification: None,
        };
        let log = |event: LogEvent, metadata: serde_json::Value| {
            let entry = LogEntry {
                at: self.sync.ctx.clock.now_ms(),
                origin: app.origin.clone(),
                scope: scope.clone(),
                service: kind.into(),
                event,
                tag: tag.to_owned(),
                metadata,
            };
            let _ = background_log::record(self.sync.ctx.store().conn(), &entry);
        };
        log(
            LogEvent::Dispatched,
            json!({ "manual": true, "Last Chance": last_chance }),
        );
        let outcome = self.fire_event(app, &event).await;
        match &outcome {
            Ok(()) => log(LogEvent::Completed, json!({ "manual": true })),
            Err(e) => log(
                LogEvent::Failed,
                json!({ "manual": true, "Failure Reason": e.to_string() }),
            ),
        }
        outcome
    }

    /// Fires a notification event at the app's worker, always through the app's hidden window:
    /// a click's handler usually opens or navigates the app's window, and the page relaying the
    /// event's outcome must not be the one navigated away. Nothing is retried: the user's click
    /// happened once.
    /// `sending` runs once the hidden window is up, right before the event goes to the worker
    /// (the 10 s a click gives the app to open a window count from there, as in Chromium).
    pub async fn fire_notification(
        &self,
        app: &App,
        n: &NotificationEvent,
        sending: impl FnOnce(),
    ) -> Outcome {
        let event = Event {
            origin: &app.origin,
            kind: n.kind,
            tag: "",
            last_chance: false,
            scope: &n.scope,
            notification: Some((&n.notification, &n.action)),
        };
        let lease = self.hidden.lease(app).await?;
        sending();
        self.deliver(lease.window(), &event).await
    }

    async fn fire_event(&self, app: &App, event: &Event<'_>) -> Outcome {
        let turns = self
            .turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(app.id.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(EVENTS_AT_ONCE_PER_APP)))
            .clone();
        // Never closed, so acquiring cannot fail.
        let _turn = turns.acquire_owned().await;
        if let Some(window) = self.windows.app_window(&app.id).await {
            return self.deliver(&window, event).await;
        }
        let lease = self.hidden.lease(app).await?;
        self.deliver(lease.window(), event).await
    }

    /// Closes `app_id`'s hidden window and frees its slot (the app is being uninstalled).
    pub async fn close_hidden(&self, app_id: &str) {
        self.hidden.close(app_id).await;
    }

    async fn deliver(&self, window: &W::Window, event: &Event<'_>) -> Outcome {
        let in_flight = &self.sync.in_flight;
        let label = window.label();
        let (id, rx) = in_flight.expect(&label);
        let message = EventMessage {
            id,
            kind: event.kind,
            tag: event.tag.to_owned(),
            last_chance: event.last_chance,
            timeout_ms: self.sync.params.max_sync_event_duration,
            scope: event.scope.to_owned(),
            // The worker sees the current permissions and connection in its event handler.
            state: self.sync.bridge_state(event.origin).ok(),
            notification: event.notification.map(|(n, _)| n.clone()),
            action: event.notification.map(|(_, a)| a.to_owned()),
        };
        crate::timing::mark("event-sent", &label);
        if let Err(e) = window.send(&message) {
            in_flight.abandon(id);
            return Err(e);
        }
        let limit = Duration::from_millis(self.sync.params.max_sync_event_duration.max(0) as u64)
            + REPORT_MARGIN;
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(outcome)) => {
                crate::timing::mark("event-answered", &label);
                outcome
            }
            Ok(Err(_)) => Err(EventFailure::Abandoned),
            Err(_) => {
                in_flight.abandon(id);
                Err(EventFailure::TimedOut)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::test_double::{app, sync_host, FakeWindows, Knob};
    use syncshell_core::store::sync_registrations::{Key, Registration, State};
    use syncshell_core::sync::parameters::Parameters;

    fn dispatcher(apps: &[&App]) -> (tempfile::TempDir, Dispatcher<FakeWindows>, FakeWindows) {
        let dir = tempfile::tempdir().unwrap();
        let sync = sync_host(dir.path(), Parameters::default(), apps);
        let windows = FakeWindows::new(sync.clone());
        let d = Dispatcher::new(sync, Arc::new(windows.clone()));
        (dir, d, windows)
    }

    fn log(d: &Dispatcher<FakeWindows>) -> Vec<(String, serde_json::Value)> {
        background_log::list(d.sync.ctx.store().conn(), None)
            .unwrap()
            .into_iter()
            .map(|e| (e.event_name().to_owned(), e.metadata))
            .collect()
    }

    /// A sync registration `tag` of `app`'s origin, stored and begun firing (attempt 1).
    fn registered_and_firing(d: &Dispatcher<FakeWindows>, app: &App, tag: &str) -> Dispatch {
        let registration = Registration {
            origin: app.origin.clone(),
            key: Key {
                scope: app.scope.to_string(),
                kind: Kind::Sync,
                tag: tag.into(),
            },
            min_interval: 0,
            state: State::Pending,
            attempts: 0,
            delay_until: None,
            registered_at: 0,
            last_fired_at: None,
        };
        regs::put(d.sync.ctx.store().conn(), &registration).unwrap();
        let now = d.sync.ctx.clock.now_ms();
        rules::begin_firing(
            &mut d.sync.ctx.store(),
            &d.sync.params,
            now,
            &registration.key,
        )
        .unwrap()
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_manual_dispatch_is_logged_as_manual_and_its_failure_returned() {
        let notes = app("notes");
        let (_dir, d, windows) = dispatcher(&[&notes]);
        assert_eq!(d.fire_manual(&notes, Kind::Sync, "t", true).await, Ok(()));
        let fired = windows.fired();
        assert_eq!(fired.len(), 1);
        assert!(fired[0].message.last_chance);
        assert_eq!(
            fired[0].message.scope,
            notes.scope.as_str(),
            "the app's scope"
        );
        windows.set("notes", Knob::Fail("nope"));
        assert_eq!(
            d.fire_manual(&notes, Kind::Periodic, "feed", false).await,
            Err(EventFailure::Reported("nope".into()))
        );
        let names: Vec<String> = log(&d).into_iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "Dispatched sync event",
                "sync event completed",
                "Dispatched periodicsync event",
                "periodicsync event failed"
            ]
        );
        assert!(log(&d).iter().all(|(_, meta)| meta["manual"] == true));
        assert_eq!(log(&d)[3].1["Failure Reason"], "nope");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_page_fails_the_event_at_once_and_leaves_nothing_in_flight() {
        let notes = app("notes");
        let (_dir, d, windows) = dispatcher(&[&notes]);
        windows.set("notes", Knob::Unreachable);
        let started = tokio::time::Instant::now();
        let outcome = d.fire_manual(&notes, Kind::Sync, "t", false).await;
        assert!(
            matches!(outcome, Err(EventFailure::Unreachable(_))),
            "{outcome:?}"
        );
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "no waiting for the timeout"
        );
        assert_eq!(
            d.sync.in_flight.fail_window(
                &windows.fired()[0].window,
                EventFailure::PageGone("probe".into())
            ),
            0,
            "the dispatch was not left waiting"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_event_whose_page_went_away_fails_at_once_and_its_attempt_does_not_count() {
        let notes = app("notes");
        let (_dir, d, windows) = dispatcher(&[&notes]);
        windows.set("notes", Knob::PageGone);
        let now = d.sync.ctx.clock.now_ms();
        let dispatch = registered_and_firing(&d, &notes, "outbox");
        let started = tokio::time::Instant::now();
        d.dispatch(dispatch).await;
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "no waiting for the timeout"
        );
        let failed = log(&d)
            .into_iter()
            .find(|(name, _)| name == "sync event failed")
            .unwrap();
        assert_eq!(
            failed.1["Failure Reason"],
            "the window was closed; this attempt does not count"
        );
        let pending = regs::list(d.sync.ctx.store().conn(), None).unwrap();
        assert_eq!((pending[0].state, pending[0].attempts), (State::Pending, 0));
        assert_eq!(
            pending[0].delay_until,
            Some(now + d.sync.params.initial_retry_delay)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_event_of_an_origin_with_no_app_fails_and_is_retried() {
        let (_dir, d, windows) = dispatcher(&[]);
        let orphan = app("gone");
        let dispatch = registered_and_firing(&d, &orphan, "t");
        d.dispatch(dispatch).await;
        assert!(windows.fired().is_empty());
        let failed = log(&d)
            .into_iter()
            .find(|(name, _)| name == "sync event failed");
        assert_eq!(
            failed.unwrap().1["Failure Reason"],
            format!("no installed app for {}", orphan.origin)
        );
        let pending = regs::list(d.sync.ctx.store().conn(), None).unwrap();
        assert_eq!(pending[0].state, State::Pending, "waits for its retry");
    }
}
