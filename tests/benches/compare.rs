//! syncshell against Chromium, side by side in one run on this machine (issue 14): the same
//! fixture apps, in syncshell and in Debian's Chromium as `--app` windows of one profile. Prints
//! each figure for both and the ratio (syncshell / Chromium: below 1 is syncshell ahead).
//! Asserts nothing about either.
//!
//! `make bench-compare` (as root: the bench runs in a network namespace of its own, so that the
//! network can really go down and come back), or
//! `cargo bench -p syncshell-e2e --bench compare [-- memory|online|idle]`.
//!
//! - memory: PSS of each whole process tree with 1 and then 4 app windows open.
//! - online: a post written offline in the outbox app, its window closed (in Chromium, the
//!   browser kept up by another window, and the app's worker stopped), then the network comes
//!   back: time until the app's server has the POST.
//! - idle: 20 apps each opened once and closed, nothing open (Chromium: one blank window, which
//!   it needs to stay up and fire syncs): PSS of each tree, syncshell's once its apps' network
//!   processes have ended (`network_process_idle`, 1 min).

use std::time::{Duration, Instant, SystemTime};

use syncshell_e2e::chromium::Chromium;
use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::{bench, own_network, process_tree};

/// The fixtures the memory comparison opens, in order (two of each, on their own ports: four
/// origins, four apps).
const APPS: [&str; 4] = ["outbox", "notes", "outbox", "notes"];
const ONLINE_RUNS: usize = 5;
const IDLE_APPS: usize = 20;
/// How long Chromium may take to stop an idle worker (its idle timeout is 30 s).
const WORKER_STOP_TIMEOUT: Duration = Duration::from_secs(120);

fn main() {
    let Some(parts) = bench::parts() else {
        return;
    };
    own_network::enter();
    own_network::set_online(true);
    println!("figure | syncshell | Chromium | ratio");
    if bench::wanted(&parts, "memory") {
        memory();
    }
    if bench::wanted(&parts, "online") {
        online();
    }
    if bench::wanted(&parts, "idle") {
        idle();
    }
}

/// A test environment for syncshell whose network state comes from the link this bench takes
/// down and brings back: GIO's netlink monitor, not NetworkManager's (which, where it runs,
/// would report the machine's network, outside this namespace).
fn syncshell_env() -> Env {
    let mut env = Env::new();
    env.set_env("GIO_USE_NETWORK_MONITOR", "netlink");
    env
}

fn row(what: &str, ours: f64, theirs: f64, unit: &str) {
    println!(
        "{what} | {ours:.1} {unit} | {theirs:.1} {unit} | {:.2}x",
        ours / theirs
    );
}

fn servers(kinds: &[&str]) -> Vec<FixtureServer> {
    kinds
        .iter()
        .map(|k| FixtureServer::start(Some(k)))
        .collect()
}

/// Until a page reported its worker active: its page loaded and its worker running.
fn wait_ready(server: &FixtureServer, times: usize) {
    wait_until("the app's worker to be active", PAGE_TIMEOUT, || {
        server.count(|r| r.is_report("sw-ready")) >= times
    });
}

/// PSS of `root`'s tree in MiB once it settled: three readings a second apart within 2% of
/// each other (bounded: after 30 s, the last reading), and how many processes.
fn settled_pss_mib(root: u32) -> (f64, usize) {
    let (kib, processes) = process_tree::settled_pss_kib(root);
    (kib as f64 / 1024.0, processes)
}

/// syncshell's memory with 1 and then 4 app windows open, each (PSS MiB, processes), with
/// `hardware_acceleration` as `acceleration` says (`None`: as it ships, `auto`).
fn syncshell_memory(acceleration: Option<&str>) -> ((f64, usize), (f64, usize)) {
    // The host and everything it started.
    let mut env = syncshell_env();
    if let Some(setting) = acceleration {
        env.set_env("SYNCSHELL_HARDWARE_ACCELERATION", setting);
    }
    let servers = servers(&APPS);
    let ids: Vec<String> = servers
        .iter()
        .map(|s| env.install(&s.url("/app/")))
        .collect();
    env.start_host();
    let host = env.host_pid().expect("the host's pid");
    env.run(&["open", &ids[0]]).success();
    wait_ready(&servers[0], 1);
    let one = settled_pss_mib(host);
    for (id, server) in ids.iter().zip(&servers).skip(1) {
        env.run(&["open", id]).success();
        wait_ready(server, 1);
    }
    let four = settled_pss_mib(host);
    let what = format!(
        "syncshell, hardware_acceleration {}, 4 app windows",
        acceleration.unwrap_or("auto")
    );
    breakdown(&what, host);
    (one, four)
}

fn memory() {
    let ours = syncshell_memory(None);
    // Composited, as WebKit has it by default: what `auto` saves without a GPU.
    let composited = syncshell_memory(Some("always"));
    // Chromium: the browser and everything it started.
    let theirs = {
        let env = Env::new();
        let servers = servers(&APPS);
        let chromium = Chromium::start(&env, &format!("--app={}", servers[0].url("/app/")));
        wait_ready(&servers[0], 1);
        let one = settled_pss_mib(chromium.pid());
        for server in servers.iter().skip(1) {
            chromium.open(&format!("--app={}", server.url("/app/")));
            wait_ready(server, 1);
        }
        let four = settled_pss_mib(chromium.pid());
        breakdown("Chromium, 4 app windows", chromium.pid());
        (one, four)
    };
    let ((one, one_n), (four, four_n)) = ours;
    let ((c_one, c_one_n), (c_four, c_four_n)) = theirs;
    row(
        &format!("1 app window open, PSS ({one_n} vs {c_one_n} processes)"),
        one,
        c_one,
        "MiB",
    );
    row(
        &format!("4 app windows open, PSS ({four_n} vs {c_four_n} processes)"),
        four,
        c_four,
        "MiB",
    );
    let ((a_one, _), (a_four, _)) = composited;
    row(
        "1 app window, syncshell composited (hardware_acceleration = always)",
        a_one,
        c_one,
        "MiB",
    );
    row(
        "4 app windows, syncshell composited (hardware_acceleration = always)",
        a_four,
        c_four,
        "MiB",
    );
}

/// Prints where a tree's PSS is, by process name (what the rows above do not show: which
/// processes an app window costs).
fn breakdown(what: &str, root: u32) {
    let rows = process_tree::pss_by_name(root);
    let parts: Vec<String> = rows
        .iter()
        .map(|(name, kib, n)| format!("{name} x{n} {:.1}", *kib as f64 / 1024.0))
        .collect();
    println!("  ({what}, PSS MiB by process: {})", parts.join(", "));
}

/// The outbox's page writes a post once the browser sees the network down (queued in
/// IndexedDB, a sync registered). `index`: how many runs came before (reports are counted, the
/// `index`-th of a kind is this run's).
fn write_post_offline(server: &FixtureServer, index: usize) {
    server.instruct(serde_json::json!({ "whenOnline": false }));
    wait_until("the page to look at the network", PAGE_TIMEOUT, || {
        server.count(|r| r.is_report("online")) > index
    });
    let seen = server.reports("online").swap_remove(index);
    assert_eq!(
        seen.query["online"], "false",
        "the page never saw the network go down"
    );
    server.instruct(serde_json::json!({ "post": format!("post {index}") }));
    wait_until("the post to be queued", PAGE_TIMEOUT, || {
        server.count(|r| r.is_report("registered")) > index
    });
}

/// From the network coming back to the POST at the app's server, ms, with when the network came
/// back (for the host's own timestamps).
fn time_to_post(server: &FixtureServer, index: usize) -> (f64, Start) {
    let posts = |s: &FixtureServer| s.count(|r| r.path == "/api/posts" && r.method == "POST");
    assert_eq!(
        posts(server),
        index,
        "a post went out while offline; the server saw:\n{}",
        server.seen()
    );
    let start = Start {
        at: Instant::now(),
        epoch_ms: epoch_ms(SystemTime::now()),
    };
    own_network::set_online(true);
    wait_until("the post to reach the server", PAGE_TIMEOUT, || {
        posts(server) > index
    });
    let post = server
        .received()
        .into_iter()
        .filter(|r| r.path == "/api/posts" && r.method == "POST")
        .nth(index)
        .expect("the post");
    (start.since(post.at), start)
}

/// When the network came back, on the bench's clock and the wall clock the host's timestamps
/// are on.
struct Start {
    at: Instant,
    epoch_ms: f64,
}

impl Start {
    fn since(&self, at: Instant) -> f64 {
        at.duration_since(self.at).as_secs_f64() * 1000.0
    }
}

fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The steps of syncshell's cold path, in order: the host's own (`SYNCSHELL_TIMING=1`: see
/// `resident/src/timing.rs`; the window process's start and setup only when none ran), then what
/// the app's server saw (the worker's handler reports first, then posts).
const STEPS: [&str; 9] = [
    "network-online",
    "window-process-start",
    "host-setup",
    "hidden-window-open",
    "hidden-window-ready",
    "dispatch-page-loaded",
    "event-sent",
    "handler-report",
    "post",
];

/// How many of [`STEPS`] the host logs.
const HOST_STEPS: usize = 7;

/// Each step of one run, ms after the network came back: the first time each host step was
/// logged after `start`, the run's `index`-th handler report and POST at the server.
fn steps_of_run(log: &str, server: &FixtureServer, index: usize, start: &Start) -> Vec<f64> {
    let mut at: Vec<f64> = STEPS[..HOST_STEPS]
        .iter()
        .map(|step| {
            log.lines()
                .filter_map(|l| l.strip_prefix("syncshell: timing "))
                .filter_map(|l| {
                    let mut words = l.split(' ');
                    let ms: f64 = words.next()?.parse().ok()?;
                    (words.next() == Some(*step) && ms >= start.epoch_ms).then_some(ms)
                })
                .next()
                .map_or(f64::NAN, |ms| ms - start.epoch_ms)
        })
        .collect();
    let nth = |pred: &dyn Fn(&syncshell_e2e::fixture::Received) -> bool| {
        server
            .received()
            .into_iter()
            .filter(|r| pred(r))
            .nth(index)
            .map_or(f64::NAN, |r| start.since(r.at))
    };
    at.push(nth(&|r| r.is_report("sync-event")));
    at.push(nth(&|r| r.path == "/api/posts" && r.method == "POST"));
    at
}

/// Prints the median of each step over the runs, and the time each step took after the one
/// before it.
fn print_steps(what: &str, runs: &[Vec<f64>]) {
    let mut parts = Vec::new();
    let mut before = 0.0;
    for (i, step) in STEPS.iter().enumerate() {
        let mut at: Vec<f64> = runs.iter().map(|r| r[i]).filter(|v| !v.is_nan()).collect();
        if at.is_empty() {
            parts.push(format!("{step} -"));
            continue;
        }
        let p50 = bench::quantile(&mut at, 0.5);
        parts.push(format!("{step} {p50:.0} (+{:.0})", p50 - before));
        before = p50;
    }
    println!(
        "  ({what}, p50 ms after the link came up: {})",
        parts.join(", ")
    );
}

/// The outbox app's server, its API accepting posts.
fn outbox_server() -> FixtureServer {
    let server = FixtureServer::start(Some("outbox"));
    server.route("/api/posts", Canned::status(201));
    server
}

/// How cold syncshell is when the network comes back. (Its window process stays while a
/// one-off sync waits for the network, so that is never colder.)
#[derive(Clone, Copy, PartialEq)]
enum Cold {
    /// The app's window closed; its WebKit network process still runs (`network_process_idle`
    /// as it ships, 1 min).
    WindowClosed,
    /// The app's network process ended too (`network_process_idle` 1 s, waited out).
    NetworkProcessEnded,
}

/// syncshell's runs of the online comparison, ms each, printing the steps' breakdown.
fn syncshell_online(cold: Cold) -> Vec<f64> {
    let mut env = syncshell_env();
    // Parked 1 s after its event rather than 30 s, so that each run starts cold sooner.
    env.set_env("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", "1s");
    env.set_env("SYNCSHELL_TIMING", "1");
    if cold != Cold::WindowClosed {
        env.set_env("SYNCSHELL_NETWORK_PROCESS_IDLE", "1s");
    }
    let server = outbox_server();
    let id = env.install(&server.url("/app/"));
    let host = env.start_host();
    env.run(&["network", "auto"]).success();
    let mut times = Vec::new();
    let mut steps = Vec::new();
    for i in 0..ONLINE_RUNS {
        own_network::set_online(false);
        wait_until("syncshell to see the network down", PAGE_TIMEOUT, || {
            env.run(&["network"]).stdout.starts_with("network: offline")
        });
        env.run(&["open", &id]).success();
        wait_ready(&server, i + 1);
        write_post_offline(&server, i);
        env.run(&["close", &id]).success();
        wait_until("nothing of the app to run", PAGE_TIMEOUT, || {
            env.web_processes() == 0 && (cold == Cold::WindowClosed || env.network_processes() == 0)
        });
        let (ms, start) = time_to_post(&server, i);
        times.push(ms);
        steps.push(steps_of_run(&env.host_log(host), &server, i, &start));
    }
    let what = match cold {
        Cold::WindowClosed => "syncshell",
        Cold::NetworkProcessEnded => "syncshell, network process ended",
    };
    print_steps(what, &steps);
    times
}

fn online() {
    let mut ours = syncshell_online(Cold::WindowClosed);
    // Colder: the app's WebKit network process ended too (`network_process_idle`), as after a
    // minute or more with no page of the app.
    let mut cold = syncshell_online(Cold::NetworkProcessEnded);
    let mut theirs: Vec<f64> = {
        let env = Env::new();
        let server = outbox_server();
        (0..ONLINE_RUNS)
            .map(|i| {
                // A browser started offline for each run. Chromium's background sync hears of
                // a network change only after a hold-down (Linux: 1.5-2 s going offline, 0.5 s
                // coming back); its pages' `navigator.onLine` at once. One kept across runs fired
                // a sync registered a moment after the network went down, as still online. At
                // start it reads the state as it is.
                own_network::set_online(false);
                // Another window keeps the browser up once the app's window is closed.
                let chromium = Chromium::start(&env, "about:blank");
                chromium.open(&format!("--app={}", server.url("/app/")));
                wait_ready(&server, i + 1);
                write_post_offline(&server, i);
                close_window(&env, "Fixture Outbox");
                // Chromium keeps the app's worker running for a while after its last page
                // closed (30 s idle); a cold wake is with it stopped, as syncshell's.
                wait_until(
                    "Chromium to stop the app's worker",
                    WORKER_STOP_TIMEOUT,
                    || !chromium.runs_worker_of(&server.origin()),
                );
                time_to_post(&server, i).0
            })
            .collect()
    };
    let series = |v: &[f64]| {
        let ms: Vec<String> = v.iter().map(|x| format!("{x:.0}")).collect();
        ms.join(", ")
    };
    println!(
        "  (each run, ms: syncshell {}; with its network process ended {}; Chromium {})",
        series(&ours),
        series(&cold),
        series(&theirs)
    );
    row(
        &format!("back online to the outbox's POST, window closed, p50 of {ONLINE_RUNS}"),
        bench::quantile(&mut ours, 0.5),
        bench::quantile(&mut theirs, 0.5),
        "ms",
    );
    row(
        &format!(
            "the same, syncshell's app idle (its network process ended), p50 of {ONLINE_RUNS}"
        ),
        bench::quantile(&mut cold, 0.5),
        bench::quantile(&mut theirs, 0.5),
        "ms",
    );
}

/// Closes the X window titled `title` as a window manager's close button does, and waits until
/// no window has that title.
fn close_window(env: &Env, title: &str) {
    let name = format!("^{title}$");
    let found = env.x_tool("xdotool", &["search", "--sync", "--name", &name]);
    env.wm_close(found.stdout.lines().next().expect("the window"));
    wait_until("the window to close", PAGE_TIMEOUT, || {
        env.x_tool("xdotool", &["search", "--name", &name]).code != 0
    });
}

fn idle() {
    let ours = {
        let mut env = syncshell_env();
        let servers = servers(&["outbox"; IDLE_APPS]);
        let ids: Vec<String> = servers
            .iter()
            .map(|s| env.install(&s.url("/app/")))
            .collect();
        env.start_host();
        for (id, server) in ids.iter().zip(&servers) {
            env.run(&["open", id]).success();
            wait_ready(server, 1);
            env.run(&["close", id]).success();
        }
        // With `network_process_idle` as it ships (1 min): each app's network process ends
        // once the app has had no page that long.
        // And `window_process_linger` (1 min): the window process ends once it has had no
        // window that long, leaving the resident alone.
        wait_until(
            "no WebKit or window process",
            Duration::from_secs(150),
            || {
                env.web_processes() == 0
                    && env.network_processes() == 0
                    && env.window_process_pid().is_none()
            },
        );
        settled_pss_mib(env.host_pid().expect("the host's pid"))
    };
    let theirs = {
        let env = Env::new();
        let servers = servers(&["outbox"; IDLE_APPS]);
        let chromium = Chromium::start(&env, "about:blank");
        for server in &servers {
            chromium.open(&format!("--app={}", server.url("/app/")));
            wait_ready(server, 1);
            close_window(&env, "Fixture Outbox");
        }
        wait_until(
            "Chromium to stop the apps' workers",
            WORKER_STOP_TIMEOUT,
            || {
                servers
                    .iter()
                    .all(|s| !chromium.runs_worker_of(&s.origin()))
            },
        );
        settled_pss_mib(chromium.pid())
    };
    row(
        &format!(
            "idle, {IDLE_APPS} apps used once, no app window, PSS ({} vs {} processes)",
            ours.1, theirs.1
        ),
        ours.0,
        theirs.0,
        "MiB",
    );
}
