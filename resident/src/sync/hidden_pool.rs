//! The one owner of hidden dispatch windows: how many may exist at once (`max_hidden_webviews`),
//! which app's window holds a slot, how many events go through each, the per-app lock that
//! serialises opening and closing, and the idle park. An event gets its window as a [`Lease`];
//! dropping the lease ends the event's use, and a window no lease used for `hidden_webview_idle`
//! is parked (its web process ends; the window waits to be woken) and its slot freed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use syncshell_core::store::apps::App;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::failure::EventFailure;
use super::target::EventWindows;

/// What one app's hidden window is doing.
#[derive(Default)]
struct AppUse {
    /// Leases out right now.
    in_flight: usize,
    /// Bumped by every lease, so an idle timer started earlier can tell it was used since.
    generation: u64,
    /// The slot it holds from opening until it is closed as idle. Kept when the window goes
    /// away otherwise (its web process crashed): the app's next window reuses it, rather than
    /// waiting for a slot that only its own idle close would free.
    slot: Option<OwnedSemaphorePermit>,
}

/// The hidden windows of every app, over the windows `W`.
pub struct HiddenPool<W: EventWindows> {
    windows: Arc<W>,
    idle: Duration,
    slots: Arc<Semaphore>,
    apps: Mutex<HashMap<String, AppUse>>,
    locks: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

/// An event's use of an app's hidden window. Dropping it ends the use.
pub struct Lease<W: EventWindows> {
    window: W::Window,
    _use: Use<W>,
}

impl<W: EventWindows> Lease<W> {
    /// The hidden window.
    pub fn window(&self) -> &W::Window {
        &self.window
    }
}

/// One use of an app's window, counted from before the window is looked up (so an idle close
/// cannot take a window this use found) until it is dropped, which starts the idle timer.
struct Use<W: EventWindows> {
    pool: Arc<HiddenPool<W>>,
    app_id: String,
    /// The runtime the use began on: `Drop` cannot count on being called inside one.
    runtime: tokio::runtime::Handle,
}

impl<W: EventWindows> Drop for Use<W> {
    fn drop(&mut self) {
        let generation = self.pool.end(&self.app_id);
        let (pool, app_id) = (self.pool.clone(), self.app_id.clone());
        self.runtime
            .spawn(async move { pool.close_when_idle(app_id, generation).await });
    }
}

impl<W: EventWindows> HiddenPool<W> {
    /// At most `max` hidden windows at once (at least one), each closed after `idle` unused.
    pub fn new(windows: Arc<W>, max: usize, idle: Duration) -> Arc<Self> {
        Arc::new(Self {
            windows,
            idle,
            slots: Arc::new(Semaphore::new(max.max(1))),
            apps: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
        })
    }

    /// `app`'s hidden window for one event: the open one, or a new one once a slot is free and
    /// its dispatch page has loaded.
    pub async fn lease(self: &Arc<Self>, app: &App) -> Result<Lease<W>, EventFailure> {
        self.begin(&app.id);
        let use_ = Use {
            pool: self.clone(),
            app_id: app.id.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        // Held until the page has loaded: a second event of the app waits here, then finds the
        // window ready.
        let _opening = self.lock(&app.id).await;
        let window = match self.windows.hidden_window(&app.id).await {
            Some(window) => window,
            None => {
                self.take_slot(&app.id).await?;
                self.windows.open_hidden(app).await?
            }
        };
        Ok(Lease { window, _use: use_ })
    }

    /// Closes `app_id`'s hidden window now and frees its slot (the app is being uninstalled).
    /// An event still in it gets no outcome and fails at its timeout, as before.
    pub async fn close(&self, app_id: &str) {
        let _closing = self.lock(app_id).await;
        self.windows.close_hidden(app_id).await;
        self.closed(app_id);
    }

    fn with_use<T>(&self, app_id: &str, f: impl FnOnce(&mut AppUse) -> T) -> T {
        let mut apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
        f(apps.entry(app_id.to_owned()).or_default())
    }

    /// Held while `app_id`'s window is looked up and opened, or checked and closed as idle.
    async fn lock(&self, app_id: &str) -> OwnedMutexGuard<()> {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(app_id.to_owned())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    /// A lease of `app_id`'s window begins.
    fn begin(&self, app_id: &str) {
        self.with_use(app_id, |u| {
            u.in_flight += 1;
            u.generation += 1;
        });
    }

    /// A lease ended; returns the generation an idle check must find unchanged.
    fn end(&self, app_id: &str) -> u64 {
        self.with_use(app_id, |u| {
            u.in_flight = u.in_flight.saturating_sub(1);
            u.generation
        })
    }

    /// Whether no lease of `app_id`'s window began since `generation` and none is out.
    fn idle_since(&self, app_id: &str, generation: u64) -> bool {
        let apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
        apps.get(app_id)
            .is_none_or(|u| u.in_flight == 0 && u.generation == generation)
    }

    /// Waits for a slot for `app_id`'s window, unless the app holds one already. Called with the
    /// app's lock held.
    async fn take_slot(&self, app_id: &str) -> Result<(), EventFailure> {
        if self.with_use(app_id, |u| u.slot.is_some()) {
            return Ok(());
        }
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| EventFailure::Window(e.to_string()))?;
        self.with_use(app_id, |u| u.slot = Some(permit));
        Ok(())
    }

    /// Parks `app_id`'s window, and frees its slot, if no lease uses it for the idle time.
    async fn close_when_idle(&self, app_id: String, generation: u64) {
        tokio::time::sleep(self.idle).await;
        let _closing = self.lock(&app_id).await;
        if self.idle_since(&app_id, generation) {
            // Still holding the app's lock: a lease waits until the window is parked, then wakes
            // it.
            self.windows.park_hidden(&app_id).await;
            self.closed(&app_id);
        }
    }

    /// `app_id`'s window was parked or closed: its slot is free and its use forgotten.
    fn closed(&self, app_id: &str) {
        self.apps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(app_id);
    }

    /// Slots free right now.
    #[cfg(test)]
    pub fn free_slots(&self) -> usize {
        self.slots.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::test_double::{app, FakeWindows};
    use std::future::Future;

    /// Polls `f` once: its output if it is ready at once, else `None` (no sleeping: a future
    /// that would wait is simply dropped).
    async fn ready_now<F: Future>(f: F) -> Option<F::Output> {
        tokio::time::timeout(Duration::ZERO, f).await.ok()
    }

    fn pool(max: usize) -> Arc<HiddenPool<FakeWindows>> {
        HiddenPool::new(
            Arc::new(FakeWindows::detached()),
            max,
            Duration::from_secs(30),
        )
    }

    #[tokio::test]
    async fn an_app_whose_window_went_away_reuses_its_slot() {
        let hidden = pool(1);
        hidden.take_slot("notes").await.unwrap();
        assert_eq!(hidden.free_slots(), 0);
        // The window crashed and an event wants a new one: no waiting for its own slot.
        let again = ready_now(hidden.take_slot("notes")).await;
        assert_eq!(again, Some(Ok(())), "the app's own slot is reused");
        assert_eq!(hidden.free_slots(), 0);
    }

    #[tokio::test]
    async fn another_app_waits_until_the_window_is_closed() {
        let hidden = pool(1);
        hidden.take_slot("notes").await.unwrap();
        assert_eq!(ready_now(hidden.take_slot("mail")).await, None, "none free");
        hidden.closed("notes");
        assert_eq!(ready_now(hidden.take_slot("mail")).await, Some(Ok(())));
        assert_eq!(hidden.free_slots(), 0);
        hidden.closed("mail");
        assert_eq!(hidden.free_slots(), 1);
    }

    #[test]
    fn a_window_is_idle_only_with_nothing_in_flight_and_no_use_since() {
        let hidden = pool(2);
        assert!(hidden.idle_since("notes", 0), "never used");
        hidden.begin("notes");
        hidden.begin("notes");
        let first = hidden.end("notes");
        assert!(!hidden.idle_since("notes", first), "one still in flight");
        let second = hidden.end("notes");
        assert_eq!(first, second, "no event began in between");
        assert!(hidden.idle_since("notes", first));
        hidden.begin("notes");
        let third = hidden.end("notes");
        assert!(
            !hidden.idle_since("notes", first),
            "used since the first timer started"
        );
        assert!(hidden.idle_since("notes", third));
        assert!(hidden.idle_since("mail", 0), "apps are apart");
    }

    #[tokio::test]
    async fn the_per_app_lock_serialises_one_app_only() {
        let hidden = pool(2);
        let notes = hidden.lock("notes").await;
        assert!(
            ready_now(hidden.lock("mail")).await.is_some(),
            "another app goes on"
        );
        assert!(
            ready_now(hidden.lock("notes")).await.is_none(),
            "the same app waits"
        );
        drop(notes);
        assert!(
            ready_now(hidden.lock("notes")).await.is_some(),
            "free again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_lease_during_an_idle_park_waits_for_it_and_wakes_the_window() {
        // Found by the soak test: the idle close asked for the window's end and let go of the
        // app, a retry leased the window still found by its label, and the event sent there was
        // never answered. (Idle windows are parked now; the same holds.)
        let windows = Arc::new(FakeWindows::detached());
        windows.set_close_lag(Duration::from_millis(50));
        let hidden = HiddenPool::new(windows.clone(), 1, Duration::from_secs(1));
        let notes = app("notes");
        drop(hidden.lease(&notes).await.unwrap());
        // The idle close has begun and the window is still there.
        tokio::time::sleep(Duration::from_millis(1_010)).await;
        assert_eq!(windows.hidden_open(), vec!["notes".to_owned()]);
        let lease = hidden.lease(&notes).await.unwrap();
        assert_eq!(windows.opened(), 2, "woken, not the one being parked");
        assert!(windows.parked().is_empty());
        assert_eq!(windows.hidden_open(), vec!["notes".to_owned()]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            windows.hidden_open(),
            vec!["notes".to_owned()],
            "the leased window stays"
        );
        drop(lease);
    }

    #[tokio::test(start_paused = true)]
    async fn a_leased_window_is_parked_after_the_idle_time_unless_leased_again() {
        let windows = Arc::new(FakeWindows::detached());
        let hidden = HiddenPool::new(windows.clone(), 1, Duration::from_secs(30));
        let notes = app("notes");
        drop(hidden.lease(&notes).await.unwrap());
        assert_eq!(windows.hidden_open(), vec!["notes".to_owned()]);
        tokio::time::sleep(Duration::from_secs(20)).await;
        // Used again 20 s in: the first idle timer must not close it at 30 s.
        let again = hidden.lease(&notes).await.unwrap();
        assert_eq!(windows.opened(), 1, "the open window was reused");
        tokio::time::sleep(Duration::from_secs(40)).await;
        assert_eq!(
            windows.hidden_open(),
            vec!["notes".to_owned()],
            "still leased"
        );
        drop(again);
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert_eq!(windows.hidden_open(), vec!["notes".to_owned()]);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(windows.hidden_open().is_empty(), "parked once idle");
        assert_eq!(windows.parked(), ["notes"]);
        assert_eq!(hidden.free_slots(), 1, "and its slot freed");
        // The next event wakes it, with a slot again.
        let woken = hidden.lease(&notes).await.unwrap();
        assert_eq!(windows.opened(), 2);
        assert!(windows.parked().is_empty());
        assert_eq!(hidden.free_slots(), 0);
        drop(woken);
        // Uninstalled: closed for good, parked or not.
        tokio::time::sleep(Duration::from_secs(31)).await;
        hidden.close("notes").await;
        assert!(windows.parked().is_empty() && windows.hidden_open().is_empty());
    }
}
