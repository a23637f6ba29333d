//! The registration rules: registering (coalescing, re-registering while firing, quota, limits),
//! firing, finishing (retry with backoff, lastChance, drop), and recovering after a crash. Every
//! step is written to the background-services log with the names DevTools uses.

use rusqlite::Connection;
use serde_json::json;

use crate::clock::Millis;
use crate::engagement::Level;
use crate::origin;
use crate::store::background_log::{self, LogEntry};
use crate::store::engagement;
use crate::store::log_event::LogEvent;
use crate::store::sync_registrations::{self as regs, Key, Kind, Registration, State};
use crate::store::{Store, StoreError};
use crate::sync::delay::{self, AfterFailure};
use crate::sync::errors::{SyncError, MAX_TAG_LENGTH};
use crate::sync::hold::{Holds, Network};
use crate::sync::parameters::Parameters;

/// What the user allows for the calling site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitePolicy {
    /// The permission is not blocked.
    pub permitted: bool,
    /// Background sync is available to the site at all (else "Background Sync is disabled."). The
    /// host sets it when an app is installed on the origin: a worker left running after its app
    /// was uninstalled is refused.
    pub enabled: bool,
}

/// A `register()` call.
#[derive(Debug, Clone)]
pub struct RegisterCall<'a> {
    /// The caller's origin, from the webview or the shim's token, never from the message.
    pub origin: &'a str,
    /// The service worker registration's scope.
    pub scope: &'a str,
    /// Which API.
    pub kind: Kind,
    /// The tag.
    pub tag: &'a str,
    /// Periodic only: requested minimum interval (ms).
    pub min_interval: Millis,
    // No "has an active worker" here: only the caller's own realm can see
    // `registration.active` (WebKit gives the host no view of a worker's state), so the page
    // bridge and the worker shim reject with InvalidStateError before calling.
}

/// What a `register()` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// A new registration.
    New,
    /// The same tag was already waiting: one registration serves both.
    Coalesced,
    /// The tag is firing: it fires once more afterwards.
    ReregisteredWhileFiring,
    /// Periodic: the existing registration's interval was updated.
    Updated,
}

/// An event about to be dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// The registration.
    pub registration: Registration,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// Whether this is the final attempt (`SyncEvent.lastChance`).
    pub last_chance: bool,
}

/// What happened after an event finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Succeeded; a one-off registration is gone, a periodic one waits for its next turn.
    Completed,
    /// Failed; retried after this delay (ms).
    Retry(Millis),
    /// Failed on its last attempt; a one-off registration is dropped, a periodic one resumes its cadence.
    Dropped,
    /// Registered again while firing: pending again, attempts reset.
    FireAgain,
}

fn entry(now: Millis, r: &Registration, event: LogEvent, metadata: serde_json::Value) -> LogEntry {
    LogEntry {
        at: now,
        origin: r.origin.clone(),
        scope: r.key.scope.clone(),
        service: r.key.kind.into(),
        event,
        tag: r.key.tag.clone(),
        metadata,
    }
}

/// Registers (or coalesces) a sync or periodic sync registration.
pub fn register(
    store: &mut Store,
    params: &Parameters,
    now: Millis,
    policy: SitePolicy,
    call: &RegisterCall<'_>,
) -> Result<Registered, SyncError> {
    if !origin::is_of(call.scope, call.origin) {
        return Err(SyncError::WrongOrigin);
    }
    if call.tag.chars().count() > MAX_TAG_LENGTH {
        return Err(SyncError::TagTooLong);
    }
    if !policy.enabled {
        return Err(SyncError::Disabled);
    }
    if !policy.permitted {
        return Err(SyncError::PermissionDenied);
    }
    let key = Key {
        scope: call.scope.to_owned(),
        kind: call.kind,
        tag: call.tag.to_owned(),
    };
    store.transaction(|tx| {
        let outcome = match regs::get(tx, &key)? {
            Some(mut existing) => match (call.kind, existing.state) {
                (Kind::Sync, State::Pending) => Registered::Coalesced,
                (Kind::Sync, _) => {
                    regs::set_state(tx, &key, State::Reregistered)?;
                    background_log::record(
                        tx,
                        &entry(now, &existing, LogEvent::Reregistered, json!({})),
                    )?;
                    Registered::ReregisteredWhileFiring
                }
                // Apps register on every page load: the same options change nothing (as in
                // Chromium), or a user who opens the app more often than the interval would push
                // its event back for ever.
                (Kind::Periodic, _) if existing.min_interval == call.min_interval => {
                    Registered::Coalesced
                }
                (Kind::Periodic, _) => {
                    existing.min_interval = call.min_interval;
                    let meta = json!({ "minInterval": call.min_interval });
                    background_log::record(tx, &entry(now, &existing, LogEvent::Registered, meta))?;
                    if existing.state == State::Pending {
                        let from = existing.last_fired_at.unwrap_or(existing.registered_at);
                        existing.delay_until =
                            Some(schedule_periodic(tx, params, now, from, &existing)?);
                    }
                    regs::put(tx, &existing)?;
                    Registered::Updated
                }
            },
            None => {
                let count = regs::count_for_origin(tx, call.origin)?;
                if count >= params.max_registrations_per_origin {
                    return Err(SyncError::QuotaExceeded(count));
                }
                let mut r = Registration {
                    origin: call.origin.to_owned(),
                    key: key.clone(),
                    min_interval: call.min_interval,
                    state: State::Pending,
                    attempts: 0,
                    // One-off: as soon as online.
                    delay_until: None,
                    registered_at: now,
                    last_fired_at: None,
                };
                let meta = match call.kind {
                    Kind::Sync => json!({}),
                    Kind::Periodic => json!({ "minInterval": call.min_interval }),
                };
                background_log::record(tx, &entry(now, &r, LogEvent::Registered, meta))?;
                if call.kind == Kind::Periodic {
                    // Never at registration time.
                    r.delay_until = Some(schedule_periodic(tx, params, now, now, &r)?);
                }
                regs::put(tx, &r)?;
                Registered::New
            }
        };
        Ok(outcome)
    })
}

/// When periodic registration `r`'s next event is due: its interval at the origin's engagement
/// now, counted `from` its last event's start (or its registration), snapped to the origin's
/// other periodic events, and never before `now`. Counting from the start, not the end, keeps tags
/// that fired together in step however long each took. Logged as "Got next event delay".
fn schedule_periodic(
    tx: &Connection,
    params: &Parameters,
    now: Millis,
    from: Millis,
    r: &Registration,
) -> rusqlite::Result<Millis> {
    let level = engagement::get(tx, &r.origin)?.level_at(now);
    let interval = delay::periodic_interval(params, r.min_interval, level);
    let next_for_origin = regs::next_periodic_of_origin(tx, &r.origin, &r.key, now)?;
    let gap = params.min_periodic_sync_events_interval;
    let delay = delay::snap_to_origin(interval, next_for_origin.map(|at| at - from), gap);
    let at = from.saturating_add(delay).max(now);
    let meta = json!({ "Next Attempt Delay (ms)": at - now, "engagement": level.as_str() });
    background_log::record(tx, &entry(now, r, LogEvent::NextEventDelay, meta))?;
    Ok(at)
}

/// The interval between `r`'s periodic events at `level`, as the scheduler would use it now.
pub fn effective_interval(params: &Parameters, r: &Registration, level: Level) -> Millis {
    delay::periodic_interval(params, r.min_interval, level)
}

/// Unregisters a periodic registration. Unknown tags resolve quietly, as in Chromium.
pub fn unregister_periodic(
    store: &mut Store,
    now: Millis,
    scope: &str,
    tag: &str,
) -> Result<bool, SyncError> {
    let key = Key {
        scope: scope.into(),
        kind: Kind::Periodic,
        tag: tag.into(),
    };
    store.transaction(|tx| {
        let Some(r) = regs::get(tx, &key)? else {
            return Ok(false);
        };
        regs::delete(tx, &key)?;
        background_log::record(tx, &entry(now, &r, LogEvent::Unregistered, json!({})))?;
        Ok(true)
    })
}

/// Marks a due registration as firing and says which attempt this is. `None` if it is no longer
/// pending (unregistered, or already firing).
pub fn begin_firing(
    store: &mut Store,
    params: &Parameters,
    now: Millis,
    key: &Key,
) -> Result<Option<Dispatch>, SyncError> {
    store.transaction(|tx| {
        let Some(mut r) = regs::get(tx, key)? else {
            return Ok(None);
        };
        if r.state != State::Pending {
            return Ok(None);
        }
        r.state = State::Firing;
        r.attempts += 1;
        r.last_fired_at = Some(now);
        regs::put(tx, &r)?;
        let last_chance = delay::is_last_chance(params, r.attempts);
        let meta = match r.key.kind {
            Kind::Sync => json!({ "Last Chance": last_chance, "attempt": r.attempts }),
            Kind::Periodic => json!({ "attempt": r.attempts }),
        };
        background_log::record(tx, &entry(now, &r, LogEvent::Dispatched, meta))?;
        Ok(Some(Dispatch {
            attempt: r.attempts,
            last_chance,
            registration: r,
        }))
    })
}

/// Records the outcome of a fired event (`error` is `None` on success).
pub fn finish(
    store: &mut Store,
    params: &Parameters,
    now: Millis,
    key: &Key,
    error: Option<&str>,
) -> Result<Option<Finished>, SyncError> {
    store.transaction(|tx| {
        let Some(mut r) = regs::get(tx, key)? else {
            return Ok(None);
        };
        let outcome = if r.state == State::Reregistered {
            Finished::FireAgain
        } else if error.is_none() {
            Finished::Completed
        } else {
            match delay::after_failure(params, r.attempts) {
                AfterFailure::Retry(d) => Finished::Retry(d),
                AfterFailure::Drop => Finished::Dropped,
            }
        };
        let meta = match (outcome, error) {
            (Finished::Retry(d), Some(e)) => {
                json!({ "Failure Reason": e, "Next Attempt Delay (ms)": d })
            }
            (_, Some(e)) => json!({ "Failure Reason": e }),
            _ => json!({}),
        };
        let event = match error {
            None => LogEvent::Completed,
            Some(_) => LogEvent::Failed,
        };
        background_log::record(tx, &entry(now, &r, event, meta))?;
        let periodic_next = match (outcome, r.key.kind) {
            (Finished::Completed | Finished::Dropped | Finished::FireAgain, Kind::Periodic) => {
                let from = r.last_fired_at.unwrap_or(now);
                Some(schedule_periodic(tx, params, now, from, &r)?)
            }
            _ => None,
        };
        match (outcome, r.key.kind) {
            (Finished::Completed | Finished::Dropped, Kind::Sync) => {
                regs::delete(tx, key)?;
                if outcome == Finished::Dropped {
                    let meta = json!({ "attempts": r.attempts });
                    background_log::record(tx, &entry(now, &r, LogEvent::Dropped, meta))?;
                }
            }
            (Finished::Completed | Finished::Dropped, Kind::Periodic) => {
                r.state = State::Pending;
                r.attempts = 0;
                r.delay_until = periodic_next;
                regs::put(tx, &r)?;
            }
            (Finished::Retry(d), _) => {
                r.state = State::Pending;
                r.delay_until = Some(now + d);
                regs::put(tx, &r)?;
            }
            (Finished::FireAgain, _) => {
                r.state = State::Pending;
                r.attempts = 0;
                r.delay_until = match r.key.kind {
                    Kind::Sync => None,
                    Kind::Periodic => periodic_next,
                };
                regs::put(tx, &r)?;
            }
        }
        Ok(Some(outcome))
    })
}

/// An event whose outcome can no longer come back because the page relaying it went away (the
/// user closed or reloaded the app's window mid-event). In Chromium closing a tab does not touch
/// a running sync event, so this attempt does not count: the registration goes back to pending
/// with the attempt number it had, after the delay a failure of that attempt would get (the
/// worker may still be running the cut-off handler, and a second event at once could run beside
/// it). A registration re-registered meanwhile starts over, as after [`finish`]. Logged as a
/// failure whose reason says so. `None` if the registration is gone.
pub fn cut_short(
    store: &mut Store,
    params: &Parameters,
    now: Millis,
    key: &Key,
    reason: &str,
) -> Result<Option<Millis>, SyncError> {
    store.transaction(|tx| {
        let Some(mut r) = regs::get(tx, key)? else {
            return Ok(None);
        };
        let attempt = r.attempts.max(1);
        let delay = delay::retry_delay(params, attempt);
        r.attempts = if r.state == State::Reregistered {
            0
        } else {
            attempt - 1
        };
        r.state = State::Pending;
        r.delay_until = Some(now.saturating_add(delay));
        regs::put(tx, &r)?;
        let meta = json!({
            "Failure Reason": format!("{reason}; this attempt does not count"),
            "Next Attempt Delay (ms)": delay,
        });
        background_log::record(tx, &entry(now, &r, LogEvent::Failed, meta))?;
        Ok(Some(delay))
    })
}

/// After a restart: registrations whose event was cut short go back to pending, no sooner than
/// the recovery delay. Returns how many.
pub fn recover(store: &mut Store, params: &Parameters, now: Millis) -> Result<usize, StoreError> {
    store.transaction(|tx| {
        let interrupted = regs::interrupted(tx)?;
        for mut r in interrupted.iter().cloned() {
            r.state = State::Pending;
            let earliest = now + params.min_sync_recovery_time;
            r.delay_until = Some(r.delay_until.map_or(earliest, |d| d.max(earliest)));
            regs::put(tx, &r)?;
            background_log::record(tx, &entry(now, &r, LogEvent::Interrupted, json!({})))?;
        }
        Ok::<_, StoreError>(interrupted.len())
    })
}

/// What the scheduler should do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Registrations to fire now, oldest first.
    pub due: Vec<Registration>,
    /// When to look again (`None`: only when something changes: a registration, the network,
    /// a permission, pause, engagement).
    pub next: Option<Millis>,
}

/// What the scheduler should do at `now` on `network`: the due registrations that nothing holds
/// (see [`crate::sync::hold`]), and the next time something becomes due or a spacing hold ends.
/// Held registrations are left as they are: when what held them changes, they fire.
pub fn plan(
    store: &Store,
    params: &Parameters,
    now: Millis,
    network: Network,
) -> Result<Plan, StoreError> {
    let conn = store.conn();
    let mut holds = Holds::new(conn, params, now, network)?;
    if holds.everything().is_some() {
        return Ok(Plan {
            due: Vec::new(),
            next: None,
        });
    }
    let mut next = regs::next_due_at(conn, now)?;
    let mut due = Vec::new();
    for r in regs::due(conn, now)? {
        match holds.of(&r)? {
            None => due.push(r),
            Some(crate::sync::hold::Hold::Spacing(until)) => {
                next = Some(next.map_or(until, |n| n.min(until)));
            }
            Some(_) => {}
        }
    }
    Ok(Plan { due, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, FakeClock};
    use crate::store::sync_registrations::tags;

    const ORIGIN: &str = "http://127.0.0.1:8000";
    const SCOPE: &str = "http://127.0.0.1:8000/app/";
    const ALLOWED: SitePolicy = SitePolicy {
        permitted: true,
        enabled: true,
    };
    const MINUTE: Millis = 60_000;

    fn call(kind: Kind, tag: &str) -> RegisterCall<'_> {
        RegisterCall {
            origin: ORIGIN,
            scope: SCOPE,
            kind,
            tag,
            min_interval: 0,
        }
    }

    fn key(kind: Kind, tag: &str) -> Key {
        Key {
            scope: SCOPE.into(),
            kind,
            tag: tag.into(),
        }
    }

    /// `register` now, allowed, from an active worker.
    fn register_now(
        store: &mut Store,
        p: &Parameters,
        clock: &FakeClock,
        kind: Kind,
        tag: &str,
    ) -> Result<Registered, SyncError> {
        register(store, p, clock.now_ms(), ALLOWED, &call(kind, tag))
    }

    /// Registers `tag` now (it must succeed); its key.
    fn registered(
        store: &mut Store,
        p: &Parameters,
        clock: &FakeClock,
        kind: Kind,
        tag: &str,
    ) -> Key {
        register_now(store, p, clock, kind, tag).unwrap();
        key(kind, tag)
    }

    /// Starts firing `k` now (it must be handed out); the dispatch.
    fn firing(store: &mut Store, p: &Parameters, clock: &FakeClock, k: &Key) -> Dispatch {
        begin_firing(store, p, clock.now_ms(), k).unwrap().unwrap()
    }

    /// A store where the app at ORIGIN is highly engaged (periodic events at the minimum gap).
    fn setup() -> (Store, Parameters, FakeClock) {
        let store = Store::open_in_memory().unwrap();
        let clock = FakeClock::new(1_000_000);
        engage(&store, &clock, 100.0);
        (store, Parameters::default(), clock)
    }

    fn engage(store: &Store, clock: &FakeClock, score: f64) {
        let e = crate::engagement::Engagement {
            score,
            updated_at: clock.now_ms(),
            last_launch: Some(clock.now_ms()),
        };
        engagement::put(store.conn(), ORIGIN, &e).unwrap();
    }

    fn online(online: bool) -> Network {
        Network {
            online,
            metered: false,
        }
    }

    fn due_tags(store: &Store, clock: &FakeClock, up: bool) -> (Vec<String>, Option<Millis>) {
        let p = Parameters::default();
        let Plan { due, next } = plan(store, &p, clock.now_ms(), online(up)).unwrap();
        (due.into_iter().map(|r| r.key.tag).collect(), next)
    }

    fn events(store: &Store) -> Vec<String> {
        background_log::list(store.conn(), None)
            .unwrap()
            .iter()
            .map(|e| e.event_name().to_owned())
            .collect()
    }

    #[test]
    fn a_new_one_off_registration_is_due_at_once_when_online_only() {
        let (mut store, p, clock) = setup();
        assert_eq!(
            register_now(&mut store, &p, &clock, Kind::Sync, "outbox"),
            Ok(Registered::New)
        );
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec!["outbox".to_owned()], None)
        );
        assert_eq!(due_tags(&store, &clock, false), (vec![], None));
        assert_eq!(events(&store), ["Registered sync"]);
    }

    #[test]
    fn registering_a_pending_tag_again_coalesces() {
        let (mut store, p, clock) = setup();
        registered(&mut store, &p, &clock, Kind::Sync, "outbox");
        let again = register_now(&mut store, &p, &clock, Kind::Sync, "outbox");
        assert_eq!(again, Ok(Registered::Coalesced));
        assert_eq!(tags(store.conn(), SCOPE, Kind::Sync).unwrap(), ["outbox"]);
    }

    #[test]
    fn registering_while_firing_fires_once_more_with_attempts_reset() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Sync, "outbox");
        firing(&mut store, &p, &clock, &k);
        // Firing tags are still listed by getTags.
        assert_eq!(tags(store.conn(), SCOPE, Kind::Sync).unwrap(), ["outbox"]);
        let again = register_now(&mut store, &p, &clock, Kind::Sync, "outbox");
        assert_eq!(again, Ok(Registered::ReregisteredWhileFiring));
        assert_eq!(
            finish(&mut store, &p, clock.now_ms(), &k, Some("boom")),
            Ok(Some(Finished::FireAgain))
        );
        let d = firing(&mut store, &p, &clock, &k);
        assert_eq!((d.attempt, d.last_chance), (1, false));
    }

    #[test]
    fn failures_back_off_then_the_last_chance_then_drop() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Sync, "outbox");

        let d = firing(&mut store, &p, &clock, &k);
        assert_eq!((d.attempt, d.last_chance), (1, false));
        assert_eq!(
            finish(&mut store, &p, clock.now_ms(), &k, Some("offline")),
            Ok(Some(Finished::Retry(5 * MINUTE)))
        );
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(clock.now_ms() + 5 * MINUTE))
        );

        clock.advance(5 * MINUTE - 1);
        assert!(
            due_tags(&store, &clock, true).0.is_empty(),
            "not a millisecond early"
        );
        clock.advance(1);
        assert_eq!(due_tags(&store, &clock, true).0, ["outbox"]);
        let d = firing(&mut store, &p, &clock, &k);
        assert_eq!((d.attempt, d.last_chance), (2, false));
        assert_eq!(
            finish(&mut store, &p, clock.now_ms(), &k, Some("offline")),
            Ok(Some(Finished::Retry(15 * MINUTE)))
        );

        clock.advance(15 * MINUTE);
        let d = firing(&mut store, &p, &clock, &k);
        assert_eq!((d.attempt, d.last_chance), (3, true));
        assert_eq!(
            finish(&mut store, &p, clock.now_ms(), &k, Some("offline")),
            Ok(Some(Finished::Dropped))
        );
        assert!(tags(store.conn(), SCOPE, Kind::Sync).unwrap().is_empty());
        assert_eq!(due_tags(&store, &clock, true), (vec![], None));
        let log = events(&store);
        assert_eq!(
            log.last().unwrap(),
            "Registration dropped after the last attempt"
        );
        assert_eq!(log.iter().filter(|e| *e == "sync event failed").count(), 3);
    }

    #[test]
    fn an_event_cut_short_by_its_page_going_is_retried_without_counting_the_attempt() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Sync, "outbox");
        firing(&mut store, &p, &clock, &k);
        finish(&mut store, &p, clock.now_ms(), &k, Some("offline")).unwrap();
        clock.advance(5 * MINUTE);
        // The second attempt's page goes away: it waits as a failure would, then is attempt 2
        // again, not the last chance.
        let d = firing(&mut store, &p, &clock, &k);
        assert_eq!(d.attempt, 2);
        assert_eq!(
            cut_short(&mut store, &p, clock.now_ms(), &k, "the window closed"),
            Ok(Some(15 * MINUTE))
        );
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(clock.now_ms() + 15 * MINUTE))
        );
        clock.advance(15 * MINUTE);
        let d = firing(&mut store, &p, &clock, &k);
        assert_eq!((d.attempt, d.last_chance), (2, false));
        let log = background_log::list(store.conn(), None).unwrap();
        let cut = log
            .iter()
            .rev()
            .find(|e| e.event == LogEvent::Failed)
            .unwrap();
        assert_eq!(
            cut.metadata["Failure Reason"],
            "the window closed; this attempt does not count"
        );
        assert_eq!(cut.metadata["Next Attempt Delay (ms)"], 15 * MINUTE);

        // On the last chance too: cut short, it is not dropped.
        finish(&mut store, &p, clock.now_ms(), &k, Some("offline")).unwrap();
        clock.advance(15 * MINUTE);
        let d = firing(&mut store, &p, &clock, &k);
        assert!(d.last_chance);
        cut_short(&mut store, &p, clock.now_ms(), &k, "closed").unwrap();
        assert_eq!(tags(store.conn(), SCOPE, Kind::Sync).unwrap(), ["outbox"]);
        clock.advance(15 * MINUTE);
        assert_eq!(firing(&mut store, &p, &clock, &k).attempt, 3);
    }

    #[test]
    fn a_registration_gone_or_reregistered_while_cut_short() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Sync, "outbox");
        firing(&mut store, &p, &clock, &k);
        register_now(&mut store, &p, &clock, Kind::Sync, "outbox").unwrap();
        assert_eq!(
            cut_short(&mut store, &p, clock.now_ms(), &k, "closed"),
            Ok(Some(5 * MINUTE))
        );
        clock.advance(5 * MINUTE);
        assert_eq!(firing(&mut store, &p, &clock, &k).attempt, 1);
        regs::delete(store.conn(), &k).unwrap();
        assert_eq!(
            cut_short(&mut store, &p, clock.now_ms(), &k, "closed"),
            Ok(None)
        );
    }

    #[test]
    fn success_removes_a_one_off_registration() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Sync, "outbox");
        begin_firing(&mut store, &p, clock.now_ms(), &k).unwrap();
        // A registration already firing is not handed out twice.
        assert_eq!(begin_firing(&mut store, &p, clock.now_ms(), &k), Ok(None));
        assert_eq!(
            finish(&mut store, &p, clock.now_ms(), &k, None),
            Ok(Some(Finished::Completed))
        );
        assert!(tags(store.conn(), SCOPE, Kind::Sync).unwrap().is_empty());
        assert_eq!(
            events(&store),
            [
                "Registered sync",
                "Dispatched sync event",
                "sync event completed"
            ]
        );
    }

    #[test]
    fn calls_are_refused_with_the_domexception_apps_expect() {
        let (mut store, p, clock) = setup();
        let now = clock.now_ms();
        let long = "x".repeat(MAX_TAG_LENGTH + 1);
        assert_eq!(
            register(&mut store, &p, now, ALLOWED, &call(Kind::Sync, &long)),
            Err(SyncError::TagTooLong)
        );
        let exact = "x".repeat(MAX_TAG_LENGTH);
        assert!(register(&mut store, &p, now, ALLOWED, &call(Kind::Sync, &exact)).is_ok());
        let blocked = SitePolicy {
            permitted: false,
            enabled: true,
        };
        assert_eq!(
            register(&mut store, &p, now, blocked, &call(Kind::Sync, "a")),
            Err(SyncError::PermissionDenied)
        );
        let off = SitePolicy {
            permitted: true,
            enabled: false,
        };
        assert_eq!(
            register(&mut store, &p, now, off, &call(Kind::Sync, "a")),
            Err(SyncError::Disabled)
        );
        let foreign = RegisterCall {
            origin: "http://evil.test",
            ..call(Kind::Sync, "a")
        };
        assert_eq!(
            register(&mut store, &p, now, ALLOWED, &foreign),
            Err(SyncError::WrongOrigin)
        );
    }

    #[test]
    fn the_per_origin_quota_refuses_new_tags_only() {
        let (mut store, mut p, clock) = setup();
        p.max_registrations_per_origin = 2;
        let now = clock.now_ms();
        register(&mut store, &p, now, ALLOWED, &call(Kind::Sync, "a")).unwrap();
        register(&mut store, &p, now, ALLOWED, &call(Kind::Periodic, "b")).unwrap();
        assert_eq!(
            register(&mut store, &p, now, ALLOWED, &call(Kind::Sync, "c")),
            Err(SyncError::QuotaExceeded(2))
        );
        assert_eq!(
            register(&mut store, &p, now, ALLOWED, &call(Kind::Sync, "a")),
            Ok(Registered::Coalesced)
        );
    }

    #[test]
    fn an_event_cut_short_by_a_crash_fires_again_after_the_recovery_delay() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("db.sqlite");
        let (p, clock) = (Parameters::default(), FakeClock::new(1_000_000));
        {
            let mut store = Store::open(&path).unwrap();
            registered(&mut store, &p, &clock, Kind::Sync, "outbox");
            firing(&mut store, &p, &clock, &key(Kind::Sync, "outbox"));
            // The process dies here: no finish().
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(recover(&mut store, &p, clock.now_ms()).unwrap(), 1);
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(clock.now_ms() + 6 * MINUTE))
        );
        clock.advance(6 * MINUTE);
        assert_eq!(due_tags(&store, &clock, true).0, ["outbox"]);
        let d = firing(&mut store, &p, &clock, &key(Kind::Sync, "outbox"));
        assert_eq!(d.attempt, 2, "the interrupted attempt counts");
    }

    #[test]
    fn periodic_sync_never_fires_at_registration_and_keeps_its_cadence() {
        let (mut store, p, clock) = setup();
        let twelve_h = 12 * 60 * MINUTE;
        let mut c = call(Kind::Periodic, "feed");
        c.min_interval = 60 * MINUTE;
        register(&mut store, &p, clock.now_ms(), ALLOWED, &c).unwrap();
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(clock.now_ms() + twelve_h))
        );
        clock.advance(twelve_h);
        let k = key(Kind::Periodic, "feed");
        firing(&mut store, &p, &clock, &k);
        assert_eq!(
            finish(&mut store, &p, clock.now_ms(), &k, None),
            Ok(Some(Finished::Completed))
        );
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(clock.now_ms() + twelve_h))
        );
        // Registering again updates the interval (here to 30 h, so 36 h) instead of adding one.
        c.min_interval = 30 * 60 * MINUTE;
        assert_eq!(
            register(&mut store, &p, clock.now_ms(), ALLOWED, &c),
            Ok(Registered::Updated)
        );
        assert_eq!(
            due_tags(&store, &clock, true).1,
            Some(clock.now_ms() + 3 * twelve_h)
        );
        let log = events(&store);
        assert_eq!(
            log[log.len() - 2..],
            ["Registered periodicsync", "Got next event delay"]
        );
        assert!(unregister_periodic(&mut store, clock.now_ms(), SCOPE, "feed").unwrap());
        assert!(!unregister_periodic(&mut store, clock.now_ms(), SCOPE, "feed").unwrap());
        assert_eq!(events(&store).last().unwrap(), "Unregistered periodicsync");
    }

    #[test]
    fn a_periodic_registration_that_fails_to_the_end_resumes_its_cadence() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Periodic, "feed");
        clock.advance(12 * 60 * MINUTE);
        for _ in 0..p.max_sync_attempts {
            let due = plan(&store, &p, clock.now_ms(), online(true)).unwrap().due;
            assert_eq!(due.len(), 1);
            firing(&mut store, &p, &clock, &k);
            let outcome = finish(&mut store, &p, clock.now_ms(), &k, Some("500"))
                .unwrap()
                .unwrap();
            if let Finished::Retry(d) = outcome {
                clock.advance(d);
            } else {
                assert_eq!(outcome, Finished::Dropped);
            }
        }
        assert_eq!(tags(store.conn(), SCOPE, Kind::Periodic).unwrap(), ["feed"]);
        assert_eq!(
            due_tags(&store, &clock, true).1,
            Some(clock.now_ms() + 12 * 60 * MINUTE)
        );
    }

    #[test]
    fn engagement_sets_the_cadence_and_none_suspends_until_the_app_is_used() {
        let (mut store, p, clock) = setup();
        let h = 3_600_000;
        engage(&store, &clock, 10.0); // low: x2
        let k = registered(&mut store, &p, &clock, Kind::Periodic, "feed");
        assert_eq!(
            due_tags(&store, &clock, true).1,
            Some(clock.now_ms() + 24 * h)
        );
        let meta = background_log::list(store.conn(), None)
            .unwrap()
            .pop()
            .unwrap()
            .metadata;
        assert_eq!(meta["Next Attempt Delay (ms)"], 24 * h);
        assert_eq!(meta["engagement"], "low");
        // A month unused: "none" holds the due event, and asks for no wake-up.
        clock.advance(31 * 24 * h);
        engagement::put(
            store.conn(),
            ORIGIN,
            &crate::engagement::Engagement {
                score: 0.1,
                updated_at: clock.now_ms(),
                last_launch: None,
            },
        )
        .unwrap();
        assert_eq!(due_tags(&store, &clock, true), (vec![], None));
        // Opened again: the overdue event fires once.
        engagement::record_launch(store.conn(), ORIGIN, clock.now_ms()).unwrap();
        assert_eq!(due_tags(&store, &clock, true).0, ["feed"]);
        firing(&mut store, &p, &clock, &k);
        finish(&mut store, &p, clock.now_ms(), &k, None).unwrap();
        // Score 5.0 is low: 24 h again.
        assert_eq!(
            due_tags(&store, &clock, true).1,
            Some(clock.now_ms() + 24 * h)
        );
    }

    #[test]
    fn an_overdue_periodic_registration_fires_once_after_downtime_then_keeps_its_cadence() {
        let (mut store, p, clock) = setup();
        let h = 3_600_000;
        let k = registered(&mut store, &p, &clock, Kind::Periodic, "feed");
        // The host is down for three days: four intervals missed.
        clock.advance(3 * 24 * h);
        assert_eq!(recover(&mut store, &p, clock.now_ms()).unwrap(), 0);
        let (due, _) = due_tags(&store, &clock, true);
        assert_eq!(due, ["feed"], "one event, not one per missed interval");
        firing(&mut store, &p, &clock, &k);
        assert_eq!(due_tags(&store, &clock, true), (vec![], None), "firing");
        finish(&mut store, &p, clock.now_ms(), &k, None).unwrap();
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(clock.now_ms() + 12 * h))
        );
    }

    #[test]
    fn registering_a_periodic_tag_again_with_the_same_options_keeps_its_due_time() {
        let (mut store, p, clock) = setup();
        let k = registered(&mut store, &p, &clock, Kind::Periodic, "feed");
        let due = regs::get(store.conn(), &k).unwrap().unwrap().delay_until;
        let logged = events(&store).len();
        // The app registers on every page load, here every hour for eleven hours.
        for _ in 0..11 {
            clock.advance(3_600_000);
            assert_eq!(
                register_now(&mut store, &p, &clock, Kind::Periodic, "feed"),
                Ok(Registered::Coalesced)
            );
        }
        assert_eq!(
            regs::get(store.conn(), &k).unwrap().unwrap().delay_until,
            due
        );
        assert_eq!(events(&store).len(), logged, "nothing new to log");
        clock.advance(3_600_000);
        assert_eq!(due_tags(&store, &clock, true).0, ["feed"]);
    }

    #[test]
    fn tags_that_fired_together_stay_in_step_however_long_each_took() {
        let (mut store, p, clock) = setup();
        let h = 3_600_000;
        let a = registered(&mut store, &p, &clock, Kind::Periodic, "a");
        let b = registered(&mut store, &p, &clock, Kind::Periodic, "b");
        clock.advance(12 * h);
        for _ in 0..3 {
            assert_eq!(due_tags(&store, &clock, true).0, ["a", "b"]);
            let start = clock.now_ms();
            firing(&mut store, &p, &clock, &a);
            firing(&mut store, &p, &clock, &b);
            // "a" takes a second, "b" half a minute.
            clock.advance(1_000);
            finish(&mut store, &p, clock.now_ms(), &a, None).unwrap();
            clock.advance(29_000);
            finish(&mut store, &p, clock.now_ms(), &b, None).unwrap();
            // Both are due again 12 h after they started, not one a gap after the other.
            assert_eq!(due_tags(&store, &clock, true).1, Some(start + 12 * h));
            clock.advance(start + 12 * h - clock.now_ms());
        }
    }

    #[test]
    fn periodic_tags_of_one_origin_fall_into_step_and_fire_together() {
        let (mut store, p, clock) = setup();
        let h = 3_600_000;
        let a = registered(&mut store, &p, &clock, Kind::Periodic, "a");
        clock.advance(h);
        // Due in 12 h, i.e. 1 h after "a": snapped to a gap after "a" (24 h from the start).
        let b = registered(&mut store, &p, &clock, Kind::Periodic, "b");
        let at = |store: &Store, k: &Key| {
            regs::get(store.conn(), k)
                .unwrap()
                .unwrap()
                .delay_until
                .unwrap()
        };
        assert_eq!(at(&store, &b) - at(&store, &a), 12 * h);
        clock.advance(11 * h);
        assert_eq!(due_tags(&store, &clock, true).0, ["a"]);
        firing(&mut store, &p, &clock, &a);
        finish(&mut store, &p, clock.now_ms(), &a, None).unwrap();
        // "a"'s next event joins "b"'s.
        assert_eq!(at(&store, &a), at(&store, &b));
        clock.advance(12 * h);
        assert_eq!(due_tags(&store, &clock, true).0, ["a", "b"]);
    }

    #[test]
    fn a_periodic_event_due_soon_after_another_of_its_origin_waits_for_the_gap() {
        let (mut store, p, clock) = setup();
        let h = 3_600_000;
        let a = registered(&mut store, &p, &clock, Kind::Periodic, "a");
        let b = registered(&mut store, &p, &clock, Kind::Periodic, "b");
        clock.advance(12 * h);
        let start = clock.now_ms();
        // "a" fires alone (say "b" was unregistered and registered again meanwhile).
        let mut rb = regs::get(store.conn(), &b).unwrap().unwrap();
        rb.delay_until = Some(start + h);
        regs::put(store.conn(), &rb).unwrap();
        assert_eq!(due_tags(&store, &clock, true).0, ["a"]);
        firing(&mut store, &p, &clock, &a);
        clock.advance(h);
        // "b" is due but "a" started an hour ago: it waits until 12 h after that.
        assert_eq!(
            due_tags(&store, &clock, true),
            (vec![], Some(start + 12 * h))
        );
        // Held registrations and paused hosts: nothing, and no wake-up.
        crate::store::host_settings::set_paused(store.conn(), true).unwrap();
        assert_eq!(due_tags(&store, &clock, true), (vec![], None));
    }

    #[test]
    fn the_log_keeps_three_days() {
        let (mut store, p, clock) = setup();
        registered(&mut store, &p, &clock, Kind::Sync, "old");
        clock.advance(p.log_retention);
        registered(&mut store, &p, &clock, Kind::Sync, "new");
        assert_eq!(
            background_log::purge(store.conn(), clock.now_ms(), p.log_retention).unwrap(),
            0
        );
        clock.advance(1);
        assert_eq!(
            background_log::purge(store.conn(), clock.now_ms(), p.log_retention).unwrap(),
            1
        );
        let left = background_log::list(store.conn(), Some(ORIGIN)).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].tag, "new");
    }
}
