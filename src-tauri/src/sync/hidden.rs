//! Book-keeping for hidden dispatch windows, apart from the windows themselves: how many may
//! exist at once, which app's window holds a slot, how many events go through each, and
//! whether one has been idle long enough to close.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// What one app's hidden window is doing.
#[derive(Default)]
struct AppUse {
    /// Events being delivered through it right now.
    in_flight: usize,
    /// Bumped by every event, so an idle timer started earlier can tell it was used since.
    generation: u64,
    /// The slot it holds from opening until it is closed as idle. Kept when the window goes
    /// away otherwise (its web process crashed): the app's next window reuses it, rather than
    /// waiting for a slot that only its own idle close would free.
    slot: Option<OwnedSemaphorePermit>,
}

/// The hidden windows' shared state: slots (`max_hidden_webviews`), use per app, and one lock
/// per app that serialises opening and closing its window.
pub struct HiddenWindows {
    slots: Arc<Semaphore>,
    apps: Mutex<HashMap<String, AppUse>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl HiddenWindows {
    /// At most `max` hidden windows at once (at least one).
    pub fn new(max: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max.max(1))),
            apps: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
        }
    }

    fn with_use<T>(&self, app_id: &str, f: impl FnOnce(&mut AppUse) -> T) -> T {
        let mut apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
        f(apps.entry(app_id.to_owned()).or_default())
    }

    /// Held while `app_id`'s window is looked up and opened, or checked and closed as idle, so
    /// that two events never open it twice and an idle close never takes a window an event
    /// has just found.
    pub async fn lock(&self, app_id: &str) -> OwnedMutexGuard<()> {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(app_id.to_owned())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    /// An event starts going through `app_id`'s hidden window (before its window is looked up).
    pub fn begin(&self, app_id: &str) {
        self.with_use(app_id, |u| {
            u.in_flight += 1;
            u.generation += 1;
        });
    }

    /// That event is over; returns the generation an idle check must find unchanged.
    pub fn end(&self, app_id: &str) -> u64 {
        self.with_use(app_id, |u| {
            u.in_flight = u.in_flight.saturating_sub(1);
            u.generation
        })
    }

    /// Whether no event has gone through `app_id`'s window since `generation` and none is in
    /// flight.
    pub fn idle_since(&self, app_id: &str, generation: u64) -> bool {
        let apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
        apps.get(app_id)
            .is_none_or(|u| u.in_flight == 0 && u.generation == generation)
    }

    /// Waits for a slot for `app_id`'s window, unless the app holds one already. Call with the
    /// app's [`lock`](Self::lock) held.
    pub async fn take_slot(&self, app_id: &str) -> Result<(), String> {
        if self.with_use(app_id, |u| u.slot.is_some()) {
            return Ok(());
        }
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        self.with_use(app_id, |u| u.slot = Some(permit));
        Ok(())
    }

    /// `app_id`'s window was closed as idle: its slot is free and its use forgotten.
    pub fn closed(&self, app_id: &str) {
        self.apps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(app_id);
    }

    /// Slots free right now.
    #[cfg(test)]
    fn free_slots(&self) -> usize {
        self.slots.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::time::Duration;

    /// Polls `f` once: its output if it is ready at once, else `None` (no sleeping: a future
    /// that would wait is simply dropped).
    async fn ready_now<F: Future>(f: F) -> Option<F::Output> {
        tokio::time::timeout(Duration::ZERO, f).await.ok()
    }

    #[tokio::test]
    async fn an_app_whose_window_went_away_reuses_its_slot() {
        let hidden = HiddenWindows::new(1);
        hidden.take_slot("notes").await.unwrap();
        assert_eq!(hidden.free_slots(), 0);
        // The window crashed and an event wants a new one: no waiting for its own slot.
        let again = ready_now(hidden.take_slot("notes")).await;
        assert_eq!(again, Some(Ok(())), "the app's own slot is reused");
        assert_eq!(hidden.free_slots(), 0);
    }

    #[tokio::test]
    async fn another_app_waits_until_the_window_is_closed() {
        let hidden = HiddenWindows::new(1);
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
        let hidden = HiddenWindows::new(2);
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
        let hidden = HiddenWindows::new(2);
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
}
