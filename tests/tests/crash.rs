//! Nothing written is lost when the host crashes: the real outbox flow (a post written to the
//! app's IndexedDB, a sync registered, the worker sending it to the fixture API and deleting it)
//! with the host killed by SIGKILL at a random point between "post written" and "sync completed",
//! then started again: the host alone (relaunched at once, while its WebKit processes may still
//! hold the app's storage, or once they are gone) or the host with all its processes. Counts
//! delivered, lost and duplicated posts; the goal is 0 lost, and a duplicate only for a post whose
//! event was in flight (its POST reached the API) at the kill.
//!
//! `SYNCSHELL_CRASH_RUNS` (default 20) sets the number of kills, `SYNCSHELL_CRASH_SEED` replays
//! a run's kill points (the seed is printed).

use std::time::{Duration, Instant};

use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;

/// A retry, a recovery delay and a cold hidden window, with room to spare.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

/// Where in the flow a kill lands: after this point, plus a random delay (0-300 ms offline,
/// 0-60 ms online).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillAfter {
    /// Offline, the page's `register()` resolved: the post is in IndexedDB and the registration
    /// stored, nothing fires until the network is back (after the restart). The outbox's case.
    WrittenOffline,
    /// Online, the page's `register()` resolved (the event fires at once).
    Registered,
    /// The worker's sync handler started.
    HandlerStarted,
    /// The POST reached the API (which answers 150 ms later): the event is in flight.
    PostReceived,
    /// The API answered: the worker deletes the post and the event completes.
    PostAnswered,
}

const POINTS: [KillAfter; 5] = [
    KillAfter::WrittenOffline,
    KillAfter::Registered,
    KillAfter::HandlerStarted,
    KillAfter::PostReceived,
    KillAfter::PostAnswered,
];

/// How long the fixture API takes to answer.
const API_DELAY: Duration = Duration::from_millis(150);

/// How the host dies and comes back.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// SIGKILL to the host alone; a new host starts at once, while the killed host's WebKit
    /// processes (which notice on their own) may still be there, holding the app's storage.
    HostRestartAtOnce,
    /// SIGKILL to the host alone; the new host starts once its WebKit processes are gone.
    HostRestartAfter,
    /// SIGKILL to the host and its WebKit processes at once (a session's end, an out-of-memory
    /// kill of the session): the storage process dies mid-write too.
    Group,
}

const KILLS: [Kill; 3] = [Kill::HostRestartAtOnce, Kill::HostRestartAfter, Kill::Group];

/// xorshift64*: kill points that a printed seed replays.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn posts_of(server: &FixtureServer, text: &str) -> usize {
    let body = serde_json::json!({ "text": text }).to_string();
    outbox::posts(server).iter().filter(|p| **p == body).count()
}

fn registrations(env: &Env) -> i64 {
    env.db()
        .query_row("SELECT count(*) FROM sync_registrations", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn posts_survive_a_host_killed_between_written_and_sent() {
    let runs: usize = std::env::var("SYNCSHELL_CRASH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("SYNCSHELL_CRASH_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash test: seed {seed} (SYNCSHELL_CRASH_SEED={seed} replays it)");
    let mut random = Random(seed);

    let mut env = Env::new();
    outbox::quick_retries(&mut env);
    // An event cut short by the crash goes back to pending after 1 s (Chromium waits 6 min).
    env.set_env("SYNCSHELL_MIN_SYNC_RECOVERY_TIME", "1s");
    let server = FixtureServer::start(Some("outbox"));
    // The API takes a moment, as a real one does: a kill can land while a POST is in flight.
    server.route(
        "/api/posts",
        Canned {
            delay: Some(API_DELAY),
            ..Canned::status(201)
        },
    );
    outbox::install_and_open(&mut env, &server);
    // install_and_open started the first host.
    let mut host = 0;

    let (mut delivered, mut lost, mut duplicated, mut stranded) = (0, 0, 0, 0);
    let mut lines = Vec::new();
    for run in 0..runs {
        let text = format!("post {run}");
        if run > 0 {
            // The host restarted with no window: open the app to write the next post.
            let ready = server.reports("sw-ready").len();
            env.run(&["open", "outbox"]).success();
            wait_until("the worker to be ready", PAGE_TIMEOUT, || {
                server.reports("sw-ready").len() > ready
            });
        }
        let point = POINTS[run % POINTS.len()];
        let kill = KILLS[run % KILLS.len()];
        let extra = Duration::from_millis(if point == KillAfter::WrittenOffline {
            random.below(301)
        } else {
            random.below(61)
        });
        let network = if point == KillAfter::WrittenOffline {
            "offline"
        } else {
            "online"
        };
        env.run(&["network", network]).success();
        let (registered, handlers) = (
            server.reports("registered").len(),
            server.reports("sync-event").len(),
        );
        server.instruct(serde_json::json!({ "post": text }));
        let at = match point {
            KillAfter::WrittenOffline | KillAfter::Registered => {
                wait_until("the registration", PAGE_TIMEOUT, || {
                    server.reports("registered").len() > registered
                });
                server.reports("registered")[registered].at
            }
            KillAfter::HandlerStarted => {
                wait_until("the handler", SYNC_TIMEOUT, || {
                    server.reports("sync-event").len() > handlers
                });
                server.reports("sync-event")[handlers].at
            }
            KillAfter::PostReceived => {
                wait_until("the POST", SYNC_TIMEOUT, || posts_of(&server, &text) > 0);
                Instant::now()
            }
            KillAfter::PostAnswered => {
                wait_until("the POST", SYNC_TIMEOUT, || posts_of(&server, &text) > 0);
                Instant::now() + API_DELAY
            }
        };
        // The random part of the kill point (the one wait here that is not for a condition).
        std::thread::sleep((at + extra).saturating_duration_since(Instant::now()));
        match kill {
            Kill::HostRestartAtOnce => env.kill_host_only(host),
            Kill::HostRestartAfter => env.crash_host(host),
            Kill::Group => env.kill_host_group(host),
        }
        // Counted once the killed host's processes are gone: a POST its proxy had already
        // passed on still reaches the API, and is the killed host's doing.
        let sent_before_restart = posts_of(&server, &text);

        host = env.start_host();
        env.run(&["network", "online"]).success();
        wait_until("the sync to complete", SYNC_TIMEOUT, || {
            registrations(&env) == 0
        });
        let sent = posts_of(&server, &text);
        let outcome = match sent {
            1 => {
                delivered += 1;
                "delivered".to_owned()
            }
            0 => {
                // Was it lost from the app's IndexedDB, or left there with no registration?
                let queued = server.reports("queued").len();
                let ready = server.reports("sw-ready").len();
                env.run(&["open", "outbox"]).success();
                wait_until("the worker to be ready", PAGE_TIMEOUT, || {
                    server.reports("sw-ready").len() > ready
                });
                server.instruct(serde_json::json!({ "countQueued": true }));
                wait_until("the count", PAGE_TIMEOUT, || {
                    server.reports("queued").len() > queued
                });
                let n = server.reports("queued")[queued].query["n"].clone();
                env.run(&["close", "outbox"]).success();
                if n == "0" {
                    lost += 1;
                    "LOST (not in IndexedDB)".to_owned()
                } else {
                    stranded += 1;
                    format!("STRANDED ({n} in IndexedDB, no registration)")
                }
            }
            n => {
                duplicated += 1;
                format!("sent {n} times ({sent_before_restart} before the restart)")
            }
        };
        lines.push(format!(
            "run {run:2}: {kill:?} {extra:>5?} after {point:?}: {outcome}"
        ));
        // A duplicate is fine only when the killed host's POST had gone out: the app could not
        // delete the post it was sending. The restarted host sends it once.
        if sent > 1 {
            assert_eq!(sent, sent_before_restart + 1, "{}", lines.join("\n"));
        }
    }
    for line in &lines {
        println!("{line}");
    }
    println!(
        "crash test: {runs} kills: {delivered} delivered once, {lost} lost, {stranded} stranded, \
         {duplicated} sent twice (in flight at the kill)"
    );
    assert_eq!((lost, stranded), (0, 0), "{}", lines.join("\n"));
}
