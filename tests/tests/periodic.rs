//! Periodic Background Sync end to end: an unmodified app registers `periodicSync` in real WebKit,
//! and the real host fires `periodicsync` into its worker at the effective interval (the minimum
//! scaled by how much the app is used) with the window closed, and once on restart for an overdue
//! registration.

use std::time::{Duration, Instant};

use syncshell_e2e::fixture::{FixtureServer, Received};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;

/// The host's minimum interval in these tests (Chromium's is 12 h).
const INTERVAL: Duration = Duration::from_secs(3);
/// Generous bound for a few intervals plus cold hidden windows.
const EVENTS_TIMEOUT: Duration = Duration::from_secs(90);

/// The outbox fixture with a 3 s periodic minimum, a periodic registration `feed` (asking for
/// 1 s, so the host's minimum decides), and its window closed. Returns when the registration was
/// made, and the arrival of the report sent just before it (no event may come sooner than one
/// interval after that).
fn feed_registered() -> (Env, FixtureServer, Instant) {
    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_MIN_PERIODIC_SYNC_EVENTS_INTERVAL", "3s");
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    server.instruct(serde_json::json!({ "periodic": "feed", "minInterval": 1000 }));
    let before = server
        .wait_for_report("periodic-registering", PAGE_TIMEOUT)
        .at;
    let registered = server.wait_for_report("periodic-registered", PAGE_TIMEOUT);
    assert_eq!(registered.query["tags"], r#"["feed"]"#, "getTags lists it");
    env.run(&["close", "outbox"]).success();
    (env, server, before)
}

fn events(server: &FixtureServer) -> Vec<Received> {
    server.reports("periodic-event")
}

/// When the periodic registration is next due (ms since the epoch), from the SQLite file.
fn due_at(env: &Env) -> i64 {
    env.db()
        .query_row(
            "SELECT delay_until FROM sync_registrations WHERE tag = 'feed'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// When the host dispatched each periodicsync event (ms since the epoch), from the log. The
/// cadence is counted between these starts; arrivals at the fixture server also carry how long
/// each hidden window took to load, which differs between a cold and a warm one.
fn dispatched_at(env: &Env) -> Vec<i64> {
    let db = env.db();
    let mut stmt = db
        .prepare("SELECT at FROM background_log WHERE event = 'Dispatched periodicsync event' ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn a_periodic_registration_fires_at_the_engagement_scaled_interval_with_the_window_closed() {
    let (env, server, before) = feed_registered();
    // Installed and opened once: "low" engagement, twice the minimum.
    let json = env
        .run(&["sync", "list", "outbox", "--json"])
        .success()
        .stdout;
    let listed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let feed = &listed[0];
    assert_eq!(feed["kind"], "periodicsync", "{json}");
    assert_eq!(feed["min_interval"], 1000, "{json}");
    assert_eq!(feed["engagement"], "low", "{json}");
    let every = Duration::from_millis(feed["effective_interval"].as_u64().unwrap());
    assert_eq!(every, INTERVAL * 2, "{json}");
    assert!(feed["next_due"].as_i64().unwrap() > now_ms(), "{json}");
    assert!(feed["held"].is_null(), "{json}");
    let text = env.run(&["sync", "list", "outbox"]).success().stdout;
    assert!(text.contains("MIN-INTERVAL\tEVERY\tENGAGEMENT"), "{text}");
    assert!(text.contains("\t1s\t6s\tlow\t-"), "{text}");

    wait_until("three periodic events", EVENTS_TIMEOUT, || {
        events(&server).len() >= 3
    });
    let fired = events(&server);
    assert!(fired.iter().all(|r| r.query["tag"] == "feed"));
    // Never at registration time: the first event comes one interval after registering at the
    // earliest, and each next one an interval after the one before finished.
    assert!(
        fired[0].at - before >= every,
        "first event {:?} after registering",
        fired[0].at - before
    );
    let starts = dispatched_at(&env);
    let every_ms = every.as_millis() as i64;
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= every_ms, "events started {gap} ms apart");
        assert!(
            gap < every_ms * 3,
            "events {gap} ms apart: the cadence stalled"
        );
    }
    // Through a hidden window: nothing was shown.
    let status = env.run(&["status"]).success().stdout;
    assert!(status.contains("open windows: none"), "{status}");
    let log = env.log_events(Some("periodicsync"));
    let cycle = [
        "Got next event delay",
        "Dispatched periodicsync event",
        "periodicsync event completed",
    ];
    let mut expected = vec!["Registered periodicsync"];
    for _ in 0..3 {
        expected.extend(cycle);
    }
    assert_eq!(log[..10], expected, "{log:?}");
    let delay = env
        .db()
        .query_row(
            "SELECT metadata FROM background_log WHERE event = 'Got next event delay' LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert!(
        delay.contains("\"Next Attempt Delay (ms)\":6000"),
        "{delay}"
    );
    let listed = env.run(&["sync", "list", "outbox"]).success().stdout;
    assert!(
        listed
            .lines()
            .any(|l| l.contains("periodicsync\tfeed\tpending")),
        "{listed}"
    );
}

#[test]
fn an_overdue_registration_fires_once_after_a_restart_then_keeps_the_cadence() {
    let (mut env, server, _) = feed_registered();
    wait_until("the first periodic event", EVENTS_TIMEOUT, || {
        !events(&server).is_empty()
    });
    wait_until("the first event to be recorded", EVENTS_TIMEOUT, || {
        env.log_events(Some("periodicsync"))
            .contains(&"periodicsync event completed".to_owned())
    });
    // The host goes away (a crash, a logout) and stays away for more than two intervals.
    env.crash_host(0);
    let missed = events(&server).len();
    let started_before = dispatched_at(&env).len();
    let due = due_at(&env);
    wait_until("two intervals to be missed", EVENTS_TIMEOUT, || {
        now_ms() > due + 2 * INTERVAL.as_millis() as i64
    });
    assert_eq!(events(&server).len(), missed, "no host, no events");

    let restarted = Instant::now();
    env.start_host();
    env.run(&["network", "online"]).success();
    wait_until("the catch-up event and the next", EVENTS_TIMEOUT, || {
        events(&server).len() >= missed + 2
    });
    let after: Vec<Received> = events(&server).into_iter().skip(missed).collect();
    // One catch-up event soon after the start, not one per missed interval: the next comes a full
    // interval later.
    assert!(
        after[0].at - restarted < INTERVAL * 4,
        "catch-up {:?} after the restart",
        after[0].at - restarted
    );
    let starts = dispatched_at(&env);
    let (catch_up, next) = (starts[started_before], starts[started_before + 1]);
    assert!(
        next - catch_up >= 2 * INTERVAL.as_millis() as i64,
        "the second event started {} ms after the catch-up",
        next - catch_up
    );
}
