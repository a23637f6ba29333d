//! Events in flight: each dispatched event waits here for its outcome, bound to the window it was
//! sent to. Only that window may report the outcome; a window whose web process died fails all
//! of its events at once, and so does one whose page went away (closed, reloaded).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::oneshot;

use super::failure::EventFailure;
use crate::label::WindowLabel;

/// What a fired event came to.
pub type Outcome = Result<(), EventFailure>;

/// The events waiting for their outcome, by dispatch id.
#[derive(Default)]
pub struct InFlight {
    events: Mutex<HashMap<u64, (WindowLabel, oneshot::Sender<Outcome>)>>,
    next_id: AtomicU64,
}

impl InFlight {
    /// Registers an event sent to `window`; returns its dispatch id and the receiver of its outcome.
    pub fn expect(&self, window: &WindowLabel) -> (u64, oneshot::Receiver<Outcome>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id, (window.clone(), tx));
        (id, rx)
    }

    /// Delivers the outcome of dispatch `id` reported by `window`. Unknown ids (late, or forged)
    /// and reports from any other window are ignored.
    pub fn deliver(&self, window: &WindowLabel, id: u64, outcome: Outcome) {
        let mut events = self.lock();
        if events.get(&id).is_some_and(|(w, _)| w == window) {
            if let Some((_, sender)) = events.remove(&id) {
                let _ = sender.send(outcome);
            }
        }
    }

    /// Fails every event in flight in `window` with `failure` (its web process died, its page
    /// went away); returns how many.
    pub fn fail_window(&self, window: &WindowLabel, failure: EventFailure) -> usize {
        let mut events = self.lock();
        let ids: Vec<u64> = events
            .iter()
            .filter(|(_, (w, _))| w == window)
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            if let Some((_, sender)) = events.remove(id) {
                let _ = sender.send(Err(failure.clone()));
            }
        }
        ids.len()
    }

    /// Fails every event in flight, in any window, with `failure` (the process with the windows
    /// ended); returns how many.
    pub fn fail_all(&self, failure: EventFailure) -> usize {
        let events: Vec<_> = self.lock().drain().collect();
        let count = events.len();
        for (_, (_, sender)) in events {
            let _ = sender.send(Err(failure.clone()));
        }
        count
    }

    /// Forgets dispatch `id` (timed out, or never sent).
    pub fn abandon(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<u64, (WindowLabel, oneshot::Sender<Outcome>)>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(id: &str) -> WindowLabel {
        WindowLabel::Hidden(id.into())
    }

    #[test]
    fn the_end_of_the_window_process_fails_every_event_in_it() {
        let in_flight = InFlight::default();
        let (_, a) = in_flight.expect(&hidden("notes"));
        let (_, b) = in_flight.expect(&WindowLabel::App("mail".into()));
        let gone = EventFailure::WebProcess("the window process ended".into());
        assert_eq!(in_flight.fail_all(gone.clone()), 2);
        assert_eq!(a.blocking_recv().unwrap(), Err(gone.clone()));
        assert_eq!(b.blocking_recv().unwrap(), Err(gone));
        assert_eq!(in_flight.fail_all(EventFailure::Abandoned), 0);
    }

    #[test]
    fn only_the_window_an_event_went_to_may_report_its_outcome() {
        let in_flight = InFlight::default();
        let (id, mut rx) = in_flight.expect(&hidden("notes"));
        in_flight.deliver(&WindowLabel::App("other".into()), id, Ok(()));
        in_flight.deliver(&hidden("other"), id, Ok(()));
        assert!(rx.try_recv().is_err(), "a foreign report was taken");
        in_flight.deliver(
            &hidden("notes"),
            id,
            Err(EventFailure::Reported("no".into())),
        );
        assert_eq!(
            rx.try_recv().unwrap(),
            Err(EventFailure::Reported("no".to_owned()))
        );
    }

    #[test]
    fn a_dead_window_fails_its_events_and_no_one_else_s() {
        let in_flight = InFlight::default();
        let (_, mut a) = in_flight.expect(&hidden("notes"));
        let (_, mut b) = in_flight.expect(&hidden("notes"));
        let (_, mut c) = in_flight.expect(&WindowLabel::App("notes".into()));
        assert_eq!(
            in_flight.fail_window(
                &hidden("notes"),
                EventFailure::WebProcess("the web process crashed".into())
            ),
            2
        );
        for rx in [&mut a, &mut b] {
            assert_eq!(
                rx.try_recv().unwrap(),
                Err(EventFailure::WebProcess("the web process crashed".into()))
            );
        }
        assert!(c.try_recv().is_err());
        assert_eq!(
            in_flight.fail_window(&hidden("notes"), EventFailure::PageGone("closed".into())),
            0
        );
    }
}
