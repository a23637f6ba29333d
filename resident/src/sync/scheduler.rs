//! The scheduler loop: asks the rules what is due and when to look again, hands due events to
//! the dispatcher, and sleeps until then or until something changes. No polling.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use syncshell_core::store::background_log;
use syncshell_core::sync::rules;

use super::dispatcher::Dispatcher;
use super::target::EventWindows;

/// How long to wait before reading the store again after it failed.
const STORE_RETRY_MS: i64 = 60_000;

/// Runs for the host's life: recovers events a previous run left firing, then fires what is due.
pub async fn run<W: EventWindows>(dispatcher: Arc<Dispatcher<W>>) {
    let sync = dispatcher.sync().clone();
    let now = sync.ctx.clock.now_ms();
    match rules::recover(&mut sync.ctx.store(), &sync.params, now) {
        Ok(0) => {}
        Ok(n) => eprintln!("syncshell: {n} background event(s) were cut short by the last exit; they will be retried"),
        Err(e) => eprintln!("syncshell: cannot recover interrupted events: {e}"),
    }
    loop {
        sync.decisions.fetch_add(1, Ordering::Relaxed);
        let now = sync.ctx.clock.now_ms();
        let _ = background_log::purge(sync.ctx.store().conn(), now, sync.params.log_retention);
        // The network is checked right before dispatch, not only when the wake-up was planned.
        let network = sync.network.state();
        let planned = rules::plan(&sync.ctx.store(), &sync.params, now, network);
        let next = match planned {
            Ok(rules::Plan { due, next }) => {
                for registration in due {
                    let started = rules::begin_firing(
                        &mut sync.ctx.store(),
                        &sync.params,
                        now,
                        &registration.key,
                    );
                    match started {
                        Ok(Some(dispatch)) => {
                            let dispatcher = dispatcher.clone();
                            tokio::spawn(async move { dispatcher.dispatch(dispatch).await });
                        }
                        Ok(None) => {}
                        Err(e) => eprintln!("syncshell: cannot start an event: {e}"),
                    }
                }
                next
            }
            Err(e) => {
                eprintln!("syncshell: scheduler cannot read the store: {e}");
                Some(now + STORE_RETRY_MS)
            }
        };
        let notified = sync.wake.notified();
        match next {
            Some(at) => {
                let wait =
                    Duration::from_millis(at.saturating_sub(sync.ctx.clock.now_ms()).max(0) as u64);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = notified => {}
                }
            }
            None => notified.await,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The scheduler and the dispatcher together, over the window double and a clock that follows
    //! tokio's paused time: minutes and hours of schedule run in milliseconds, with no sleeping.

    use super::*;
    use crate::label::WindowLabel;
    use crate::sync::test_double::{app, sync_host, FakeWindows, Fired, Knob};
    use crate::sync::SyncHost;
    use syncshell_core::store::apps::App;
    use syncshell_core::store::background_log;
    use syncshell_core::store::sync_registrations::{self as regs, Kind};
    use syncshell_core::sync::parameters::Parameters;
    use syncshell_core::sync::rules::{RegisterCall, SitePolicy};

    const MINUTE: Duration = Duration::from_secs(60);

    struct World {
        _dir: tempfile::TempDir,
        sync: Arc<SyncHost>,
        windows: FakeWindows,
    }

    /// A running scheduler over the double, with `apps` installed.
    fn world(params: Parameters, apps: &[&App]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let sync = sync_host(dir.path(), params, apps);
        let windows = FakeWindows::new(sync.clone());
        let dispatcher = Arc::new(Dispatcher::new(sync.clone(), Arc::new(windows.clone())));
        tokio::spawn(run(dispatcher));
        World {
            _dir: dir,
            sync,
            windows,
        }
    }

    impl World {
        fn register(&self, app: &App, kind: Kind, tag: &str) {
            let call = RegisterCall {
                origin: &app.origin,
                scope: app.scope.as_str(),
                kind,
                tag,
                min_interval: 0,
            };
            let allowed = SitePolicy {
                permitted: true,
                enabled: true,
            };
            let now = self.sync.ctx.clock.now_ms();
            syncshell_core::sync::rules::register(
                &mut self.sync.ctx.store(),
                &self.sync.params,
                now,
                allowed,
                &call,
            )
            .unwrap();
            self.sync.wake.notify_one();
        }

        fn registrations(&self) -> Vec<regs::Registration> {
            regs::list(self.sync.ctx.store().conn(), None).unwrap()
        }

        fn log(&self) -> Vec<(String, serde_json::Value)> {
            background_log::list(self.sync.ctx.store().conn(), None)
                .unwrap()
                .into_iter()
                .map(|e| (e.event_name().to_owned(), e.metadata))
                .collect()
        }

        /// Waits (virtual time) until the log has `n` entries named `event`.
        async fn until_log_has(&self, n: usize, event: &str) {
            let waiting = async {
                while self.log().iter().filter(|(e, _)| e == event).count() < n {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            };
            tokio::time::timeout(Duration::from_secs(86_400), waiting)
                .await
                .unwrap_or_else(|_| panic!("not {n} \"{event}\" in the log: {:?}", self.log()));
        }

        /// Waits (virtual time) until the log has an entry named `event`; its metadata.
        async fn logged(&self, event: &str) -> serde_json::Value {
            let waiting = async {
                loop {
                    if let Some((_, meta)) = self.log().into_iter().find(|(e, _)| e == event) {
                        return meta;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            };
            tokio::time::timeout(Duration::from_secs(86_400), waiting)
                .await
                .unwrap_or_else(|_| panic!("no \"{event}\" in the log: {:?}", self.log()))
        }
    }

    /// A running scheduler with app "feed" installed and periodic events 10 s apart at the least.
    fn feed_world() -> (App, World) {
        let feed = app("feed");
        let params = Parameters {
            min_periodic_sync_events_interval: 10_000,
            ..Parameters::default()
        };
        let w = world(params, &[&feed]);
        (feed, w)
    }

    fn times(fired: &[Fired]) -> Vec<Duration> {
        fired.iter().map(|f| f.at).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_registration_fires_at_once_through_a_hidden_window_and_is_gone_after_success() {
        let notes = app("notes");
        let w = world(Parameters::default(), &[&notes]);
        w.register(&notes, Kind::Sync, "outbox");
        let fired = w.windows.until("one event", |f| !f.is_empty()).await;
        assert_eq!(fired[0].window, WindowLabel::Hidden("notes".into()));
        assert_eq!(fired[0].message.tag, "outbox");
        assert_eq!(fired[0].message.kind, "sync");
        assert!(!fired[0].message.last_chance);
        assert!(
            fired[0].at < Duration::from_secs(1),
            "fired at {:?}",
            fired[0].at
        );
        w.logged("sync event completed").await;
        assert!(w.registrations().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_app_window_takes_the_event_instead_of_a_hidden_one() {
        let notes = app("notes");
        let w = world(Parameters::default(), &[&notes]);
        w.windows.set_app_window("notes", true);
        w.register(&notes, Kind::Sync, "outbox");
        let fired = w.windows.until("one event", |f| !f.is_empty()).await;
        assert_eq!(fired[0].window, WindowLabel::App("notes".into()));
        w.logged("sync event completed").await;
        assert_eq!(w.windows.opened(), 0, "no hidden window was needed");
    }

    #[tokio::test(start_paused = true)]
    async fn failures_retry_after_five_then_fifteen_minutes_with_last_chance_then_drop() {
        let notes = app("notes");
        let w = world(Parameters::default(), &[&notes]);
        w.windows.set("notes", Knob::Fail("offline"));
        w.register(&notes, Kind::Sync, "outbox");
        let fired = w.windows.until("three attempts", |f| f.len() == 3).await;
        let at = times(&fired);
        let gap = |a: Duration, b: Duration| b - a;
        // Within a second of the policy's delays (the scheduler wakes on the stored deadline).
        let near = |d: Duration, want: Duration| d >= want && d < want + Duration::from_secs(1);
        assert!(near(gap(at[0], at[1]), 5 * MINUTE), "{at:?}");
        assert!(near(gap(at[1], at[2]), 15 * MINUTE), "{at:?}");
        let last: Vec<bool> = fired.iter().map(|f| f.message.last_chance).collect();
        assert_eq!(last, [false, false, true]);
        w.logged("Registration dropped after the last attempt")
            .await;
        assert!(w.registrations().is_empty());
        let failed = w.logged("sync event failed").await;
        assert_eq!(failed["Failure Reason"], "offline");
    }

    #[tokio::test(start_paused = true)]
    async fn an_event_that_never_reports_fails_at_the_event_timeout_and_is_retried() {
        let notes = app("notes");
        let params = Parameters {
            max_sync_event_duration: 3 * 60_000,
            ..Parameters::default()
        };
        let w = world(params, &[&notes]);
        w.windows.set("notes", Knob::Stall);
        w.register(&notes, Kind::Sync, "outbox");
        w.windows.until("the first attempt", |f| f.len() == 1).await;
        let started = tokio::time::Instant::now();
        let failed = w.logged("sync event failed").await;
        assert_eq!(failed["Failure Reason"], "timed out");
        let waited = started.elapsed();
        // The event's 3 minutes plus the 10 s allowed for the report.
        assert!(
            waited >= Duration::from_secs(190) && waited < Duration::from_secs(191),
            "{waited:?}"
        );
        let pending = w.registrations();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].attempts, 1);
        assert!(pending[0].delay_until.is_some(), "a retry is scheduled");
    }

    #[tokio::test(start_paused = true)]
    async fn a_crash_mid_event_fails_it_at_once_and_the_retry_opens_a_fresh_window() {
        let notes = app("notes");
        let params = Parameters {
            initial_retry_delay: 2_000,
            ..Parameters::default()
        };
        let w = world(params, &[&notes]);
        w.windows.set("notes", Knob::Crash);
        w.register(&notes, Kind::Sync, "outbox");
        w.windows.until("the first attempt", |f| f.len() == 1).await;
        let failed = w.logged("sync event failed").await;
        assert_eq!(failed["Failure Reason"], "the web process crashed");
        assert!(
            w.windows.fired()[0].at < Duration::from_secs(1),
            "failed at once, not at the timeout"
        );
        assert!(
            w.windows.hidden_open().is_empty(),
            "the crashed window is gone"
        );
        w.windows.set("notes", Knob::Succeed);
        w.windows.until("the retry", |f| f.len() == 2).await;
        w.logged("sync event completed").await;
        assert_eq!(
            w.windows.opened(),
            2,
            "the retry opened a new hidden window"
        );
        assert!(w.registrations().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn hidden_windows_never_exceed_the_slot_limit_and_the_next_app_gets_the_freed_slot() {
        let (notes, mail) = (app("notes"), app("mail"));
        let params = Parameters {
            max_hidden_webviews: 1,
            hidden_webview_idle: 30_000,
            ..Parameters::default()
        };
        let w = world(params, &[&notes, &mail]);
        w.windows
            .set("notes", Knob::SucceedAfter(Duration::from_secs(5)));
        w.register(&notes, Kind::Sync, "a");
        w.windows.until("notes' event", |f| f.len() == 1).await;
        w.register(&mail, Kind::Sync, "b");
        let fired = w.windows.until("mail's event", |f| f.len() == 2).await;
        assert_eq!(fired[1].window, WindowLabel::Hidden("mail".into()));
        // notes' event takes 5 s, then its window idles 30 s before closing and freeing the slot.
        let waited = fired[1].at - fired[0].at;
        assert!(
            waited >= Duration::from_secs(35) && waited < Duration::from_secs(36),
            "{waited:?}"
        );
        assert_eq!(w.windows.most_hidden_at_once(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_apps_worker_gets_its_events_a_few_at_a_time_and_the_time_limit_starts_with_its_turn(
    ) {
        use crate::sync::dispatcher::EVENTS_AT_ONCE_PER_APP;
        let (notes, mail) = (app("notes"), app("mail"));
        // Each event takes 10 s of a 15 s limit: 20 of them one turn after another take 30 s,
        // and none times out, since waiting for a turn is not handling the event.
        let params = Parameters {
            max_sync_event_duration: 15_000,
            ..Parameters::default()
        };
        let w = world(params, &[&notes, &mail]);
        w.windows
            .set("notes", Knob::SucceedAfter(Duration::from_secs(10)));
        w.windows
            .set("mail", Knob::SucceedAfter(Duration::from_secs(10)));
        for n in 0..20 {
            w.register(&notes, Kind::Sync, &format!("n{n}"));
        }
        w.register(&mail, Kind::Sync, "m");
        let fired = w.windows.until("every event", |f| f.len() == 21).await;
        let notes_at = |from: u64, to: u64| {
            fired
                .iter()
                .filter(|f| f.window == WindowLabel::Hidden("notes".into()))
                .filter(|f| f.at >= Duration::from_secs(from) && f.at < Duration::from_secs(to))
                .count()
        };
        assert_eq!(
            (notes_at(0, 1), notes_at(10, 11), notes_at(20, 21)),
            (EVENTS_AT_ONCE_PER_APP, EVENTS_AT_ONCE_PER_APP, 4),
            "{:?}",
            times(&fired)
        );
        // Another app's event does not wait behind them.
        let mail_at = fired.iter().find(|f| f.message.tag == "m").unwrap().at;
        assert!(mail_at < Duration::from_secs(1), "{mail_at:?}");
        w.until_log_has(21, "sync event completed").await;
        assert!(
            w.log().iter().all(|(e, _)| e != "sync event failed"),
            "{:?}",
            w.log()
        );
        assert!(w.registrations().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_hidden_window_closes_after_the_idle_time() {
        let notes = app("notes");
        let params = Parameters {
            hidden_webview_idle: 30_000,
            ..Parameters::default()
        };
        let w = world(params, &[&notes]);
        w.register(&notes, Kind::Sync, "a");
        w.logged("sync event completed").await;
        assert_eq!(w.windows.hidden_open(), ["notes"]);
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert_eq!(
            w.windows.hidden_open(),
            ["notes"],
            "not before the idle time"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(w.windows.hidden_open().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn offline_nothing_fires_until_the_network_comes_back() {
        let notes = app("notes");
        let w = world(Parameters::default(), &[&notes]);
        let _ = w.sync.network.set_monitor(false, false);
        w.register(&notes, Kind::Sync, "outbox");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(w.windows.fired().is_empty(), "fired while offline");
        let _ = w.sync.network.set_monitor(true, false);
        w.sync.changed();
        w.windows.until("the event", |f| f.len() == 1).await;
    }

    #[tokio::test(start_paused = true)]
    async fn periodic_events_come_at_the_engagement_scaled_interval_never_at_registration() {
        let (feed, w) = feed_world();
        // Opened once: "low" engagement, twice the minimum.
        w.sync.record_launch(&feed.origin);
        w.register(&feed, Kind::Periodic, "news");
        let fired = w.windows.until("three events", |f| f.len() == 3).await;
        // `at` counts from the test's start, which is when it registered.
        let since_start = times(&fired);
        assert!(since_start[0] >= Duration::from_secs(20), "{since_start:?}");
        for pair in since_start.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap >= Duration::from_secs(20) && gap < Duration::from_secs(21),
                "{since_start:?}"
            );
        }
        assert!(fired.iter().all(|f| f.message.kind == "periodicsync"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unused_apps_periodic_sync_waits_until_it_is_opened() {
        let (feed, w) = feed_world();
        w.register(&feed, Kind::Periodic, "news");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(w.windows.fired().is_empty(), "engagement none suspends");
        w.sync.record_launch(&feed.origin);
        w.windows.until("the overdue event", |f| f.len() == 1).await;
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_every_event_and_resume_lets_them_fire() {
        let notes = app("notes");
        let w = world(Parameters::default(), &[&notes]);
        let now = w.sync.ctx.clock.now_ms();
        syncshell_core::sync::hold::set_paused(&mut w.sync.ctx.store(), now, true).unwrap();
        w.register(&notes, Kind::Sync, "outbox");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(w.windows.fired().is_empty(), "fired while paused");
        let now = w.sync.ctx.clock.now_ms();
        syncshell_core::sync::hold::set_paused(&mut w.sync.ctx.store(), now, false).unwrap();
        w.sync.changed();
        w.windows.until("the event", |f| f.len() == 1).await;
        w.logged("sync event completed").await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_blocked_sync_waits_and_fires_once_when_allowed_again() {
        use syncshell_core::permission::{self, Permission, Setting};
        let notes = app("notes");
        let w = world(Parameters::default(), &[&notes]);
        let set = |setting| {
            let now = w.sync.ctx.clock.now_ms();
            let (origin, scope) = (&notes.origin, notes.scope.as_str());
            let p = Permission::BackgroundSync;
            permission::set(&mut w.sync.ctx.store(), now, origin, scope, p, setting).unwrap();
            w.sync.changed();
        };
        set(Setting::Block);
        // Registered before the block in real life; the page would be refused now, the test's
        // `register` goes to the rules as allowed.
        w.register(&notes, Kind::Sync, "outbox");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(w.windows.fired().is_empty(), "fired while blocked");
        assert_eq!(w.registrations().len(), 1, "kept while blocked");
        set(Setting::Allow);
        w.windows.until("the event", |f| f.len() == 1).await;
        w.logged("sync event completed").await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(w.windows.fired().len(), 1, "delivered once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_metered_connection_holds_periodic_sync_but_not_one_off_sync() {
        let (feed, w) = feed_world();
        w.sync.record_launch(&feed.origin);
        w.sync.network.set_mode(crate::sync::network::Mode::Metered);
        w.register(&feed, Kind::Periodic, "news");
        w.register(&feed, Kind::Sync, "outbox");
        let fired = w.windows.until("the one-off event", |f| f.len() == 1).await;
        assert_eq!(fired[0].message.kind, "sync");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(w.windows.fired().len(), 1, "periodic held on metered");
        w.sync.network.set_mode(crate::sync::network::Mode::Online);
        w.sync.changed();
        let fired = w
            .windows
            .until("the periodic event", |f| f.len() == 2)
            .await;
        assert_eq!(fired[1].message.kind, "periodicsync");
        // The worker is told the connection with the event.
        let state = fired[1].message.state.as_ref().unwrap();
        assert!(!state.connection.save_data);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_host_with_periodic_registrations_does_not_wake_before_the_first_is_due() {
        let feed = app("feed");
        let w = world(Parameters::default(), &[&feed]);
        w.sync.record_launch(&feed.origin);
        for n in 0..20 {
            w.register(&feed, Kind::Periodic, &format!("feed-{n}"));
        }
        // Let the scheduler take in the registrations, then count its looks at the store.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = w.sync.decisions.load(Ordering::Relaxed);
        // "low" engagement: due in 24 h; nothing to do for 23 h.
        tokio::time::sleep(Duration::from_secs(23 * 3600)).await;
        assert_eq!(w.sync.decisions.load(Ordering::Relaxed), before);
        assert!(w.windows.fired().is_empty());
    }
}
