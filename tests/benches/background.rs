//! Background sync benchmarks against the real host (Xvfb, dbus-run-session, fixture servers on
//! 127.0.0.1), as in the end-to-end tests. Prints figures; asserts nothing about time.
//!
//! `cargo bench -p syncshell-e2e --bench background [-- register|dispatch|notify|idle|resident|views|cli]`
//! `SYNCSHELL_BENCH_IDLE_SECS` shortens the idle measurement (default 60 s).

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use syncshell_e2e::fixture::FixtureServer;
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::notification_server::NotificationServer;
use syncshell_e2e::session_bus::SessionBus;
use syncshell_e2e::{bench, process_tree};

const REGISTER_CALLS: usize = 500;
const WARM_RUNS: usize = 30;
const COLD_RUNS: usize = 15;
const IDLE_APPS: usize = 20;

fn main() {
    let Some(parts) = bench::parts() else {
        return;
    };
    let wanted = |name: &str| bench::wanted(&parts, name);
    if wanted("register") {
        register_round_trip();
    }
    if wanted("dispatch") {
        dispatch();
    }
    if wanted("notify") {
        notifications();
    }
    if wanted("idle") {
        idle_host();
    }
    if wanted("resident") {
        resident();
    }
    if wanted("views") {
        views_follow_the_cli();
    }
    if wanted("cli") {
        cli_fast_path();
    }
}

const CLI_RUNS: usize = 100;
const OPEN_RUNS: usize = 20;

/// The small `syncshell` command against a running host: `status` from process start to exit
/// (and the same through `syncshell-host`, the resident's binary: since the resident split it
/// links no GTK either, and asks the running host the same way), and a
/// launcher's `syncshell open ID` with the app's window closed, until the X server maps the
/// window (seen by `xev` on the root window, timestamped as its lines arrive).
fn cli_fast_path() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let mut env = Env::new();
    let server = FixtureServer::start(Some("notes"));
    env.run(&["install", &server.url("/app/")]).success();
    env.start_host();
    let host_binary = Env::binary().with_file_name("syncshell-host");
    let time_status = |program: &std::path::Path| {
        let mut ms: Vec<f64> = (0..CLI_RUNS)
            .map(|_| {
                let mut cmd = Command::new(program);
                cmd.arg("status");
                env.apply_env(&mut cmd);
                let start = Instant::now();
                let out = cmd.output().expect("the command runs");
                let took = start.elapsed().as_secs_f64() * 1000.0;
                assert!(out.status.success(), "{out:?}");
                took
            })
            .collect();
        print_ms(
            &format!(
                "`{} status`, host running ({CLI_RUNS} runs)",
                program.file_name().unwrap().to_string_lossy()
            ),
            &mut ms,
        );
    };
    time_status(&Env::binary());
    time_status(&host_binary);

    // Every top-level window the X server maps, as it happens (no window manager runs, so the
    // app's window is a child of the root window).
    let mut xev = Command::new("stdbuf")
        .args(["-oL", "xev", "-root", "-event", "substructure"])
        .env("DISPLAY", env.display())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("xev (x11-utils) and stdbuf (coreutils) must be installed");
    let (maps_tx, maps) = std::sync::mpsc::channel::<(Instant, String)>();
    let stdout = xev.stdout.take().unwrap();
    std::thread::spawn(move || {
        // "MapNotify event, serial 27, synthetic NO, window 0x50d,"
        // "    event 0x50d, window 0x1e00006, override NO": the second line names the window.
        let mut lines = std::io::BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            if !line.starts_with("MapNotify event") {
                continue;
            }
            let at = Instant::now();
            let Some(Ok(next)) = lines.next() else { break };
            let window = next
                .trim()
                .split(", ")
                .find_map(|part| part.strip_prefix("window "))
                .unwrap_or_default()
                .to_owned();
            if maps_tx.send((at, window)).is_err() {
                break;
            }
        }
    });
    let (mut ms, mut loaded_ms) = (Vec::new(), Vec::new());
    for _ in 0..OPEN_RUNS {
        env.run(&["close", "notes"]).success();
        wait_until("the window to close", PAGE_TIMEOUT, || {
            env.run(&["status"]).stdout.contains("open windows: none")
        });
        while maps.try_recv().is_ok() {}
        let loads = server.reports("loaded").len();
        let start = Instant::now();
        env.run(&["open", "notes"]).success();
        // The app's window: GTK maps helper windows of its own too (no title), so each window
        // mapped is named by asking the X server (after the fact; the time is when it mapped).
        let mapped = loop {
            let (at, window) = maps
                .recv_timeout(PAGE_TIMEOUT)
                .expect("the window to be mapped");
            let name = env.x_tool("xprop", &["-id", &window, "WM_NAME"]);
            if name.stdout.contains("Fixture Notes") {
                break at;
            }
        };
        ms.push(mapped.duration_since(start).as_secs_f64() * 1000.0);
        wait_until("the page to load", PAGE_TIMEOUT, || {
            server.reports("loaded").len() > loads
        });
        let loaded = server.reports("loaded")[loads].at;
        loaded_ms.push(loaded.duration_since(start).as_secs_f64() * 1000.0);
    }
    let _ = xev.kill();
    let _ = xev.wait();
    print_ms(
        &format!("launcher `syncshell open notes`, host running, to the window mapped ({OPEN_RUNS} runs)"),
        &mut ms,
    );
    print_ms(
        &format!("launcher `syncshell open notes`, host running, to the page's first script ({OPEN_RUNS} runs)"),
        &mut loaded_ms,
    );
}

const VIEW_RUNS: usize = 20;

/// A permission changed from the CLI, until the open settings panel (its radio checked) and the
/// tray's menu (its check mark, read over D-Bus as a desktop shell does) show it. Timed from just
/// before the CLI process starts (a few ms of its own), polled every few ms.
fn views_follow_the_cli() {
    use serde_json::json;
    use syncshell_e2e::tray_watcher::TrayWatcher;
    use syncshell_e2e::webdriver::Panel;

    let bus = SessionBus::start();
    let watcher = TrayWatcher::start(&bus);
    let mut env = Env::new();
    env.use_session_bus(&bus);
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    let panel = Panel::start(&env);
    panel.click_css("#tab-button-permissions");
    let (mut to_panel, mut to_tray) = (Vec::new(), Vec::new());
    for run in 0..VIEW_RUNS {
        let (setting, on) = if run % 2 == 0 {
            ("allow", true)
        } else {
            ("block", false)
        };
        let start = Instant::now();
        env.run(&["permission", "outbox", "notifications", setting])
            .success();
        let (mut panel_at, mut tray_at) = (None, None);
        // Polled as often as a round trip allows (wait_until's 50 ms would blur the figure).
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while panel_at.is_none() || tray_at.is_none() {
            assert!(
                Instant::now() < deadline,
                "the views did not follow the CLI"
            );
            if panel_at.is_none() {
                let shown = panel.execute(
                    "const b = document.querySelector(`[data-testid=\"permission-outbox-notifications\"] input[value=\"${arguments[0]}\"]`);
                     return !!b && b.checked;",
                    json!([setting]),
                );
                if shown == json!(true) {
                    panel_at = Some(start.elapsed());
                }
            }
            if tray_at.is_none() {
                let menu = watcher.menu();
                let mark = menu
                    .find(&["Fixture Outbox", "Notifications"])
                    .map(|n| n.checked());
                if mark == Some(on) {
                    tray_at = Some(start.elapsed());
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        to_panel.push(panel_at.unwrap().as_secs_f64() * 1000.0);
        to_tray.push(tray_at.unwrap().as_secs_f64() * 1000.0);
    }
    print_ms(
        "views: CLI permission change to the open panel showing it",
        &mut to_panel,
    );
    print_ms(
        "views: CLI permission change to the tray menu showing it",
        &mut to_tray,
    );
}

const NOTIFY_RUNS: usize = 20;
const CLICK_RUNS: usize = 8;

/// The worker's `showNotification` (measured in the worker: call to resolved, which is after the
/// server's `Notify` returned) with the window open and from a hidden window; then a click with
/// the window closed to the app's window loading the URL the handler opens (timed from just
/// before the test's `ActionInvoked` is emitted, which starts a Python process: about 40 ms).
fn notifications() {
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions body-markup");
    let mut env = Env::new();
    env.use_session_bus(&bus);
    env.set_env("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", "100ms");
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    env.start_host();
    env.run(&["network", "offline"]).success();
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    env.run(&["open", "outbox"]).success();
    server.wait_for_report("sw-ready", PAGE_TIMEOUT);

    let notified_ms = |tag: &str| -> f64 {
        let r = server.wait_for("the notification", PAGE_TIMEOUT, |r| {
            r.is_report("notified") && r.query.get("tag").map(String::as_str) == Some(tag)
        });
        r.query["ms"].parse().expect("the worker's timing")
    };
    let mut warm = Vec::new();
    for i in 0..NOTIFY_RUNS {
        let tag = format!("notify-warm-{i}");
        env.run(&["sync", "fire", "outbox", &tag]).success();
        warm.push(notified_ms(&tag));
    }
    print_ms(
        &format!("showNotification in the worker to resolved, window open ({NOTIFY_RUNS})"),
        &mut warm,
    );

    env.run(&["close", "outbox"]).success();
    let mut hidden = Vec::new();
    let mut cold = Vec::new();
    for i in 0..NOTIFY_RUNS {
        wait_until("no background window", PAGE_TIMEOUT, || {
            env.run(&["status"])
                .stdout
                .contains("background windows: none")
        });
        let tag = format!("notify-cold-{i}");
        let start = Instant::now();
        env.run(&["sync", "fire", "outbox", &tag]).success();
        hidden.push(notified_ms(&tag));
        let done = server.wait_for("the report", PAGE_TIMEOUT, |r| {
            r.is_report("notified") && r.query.get("tag").map(String::as_str) == Some(&tag)
        });
        cold.push(done.at.duration_since(start).as_secs_f64() * 1000.0);
    }
    print_ms(
        &format!("showNotification in the worker to resolved, hidden window ({NOTIFY_RUNS})"),
        &mut hidden,
    );
    print_ms(
        &format!("cold: `sync fire` with no window to the notification shown and reported ({NOTIFY_RUNS})"),
        &mut cold,
    );

    let mut clicks = Vec::new();
    for i in 0..CLICK_RUNS {
        env.run(&["close", "outbox"]).success();
        wait_until("no window at all", PAGE_TIMEOUT, || {
            let status = env.run(&["status"]).stdout;
            status.contains("background windows: none") && status.contains("open windows: none")
        });
        let id: u32 = env
            .db()
            .query_row(
                "SELECT server_id FROM notifications ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("a notification on screen");
        let seen = server.count(|r| r.path == "/app/" && r.query.contains_key("from"));
        let start = Instant::now();
        desktop.click(id, "default");
        wait_until("the app's window loading", PAGE_TIMEOUT, || {
            server.count(|r| r.path == "/app/" && r.query.contains_key("from")) > seen
        });
        let loaded = server
            .received()
            .into_iter()
            .rfind(|r| r.path == "/app/" && r.query.contains_key("from"))
            .expect("the window's page request");
        clicks.push(loaded.at.duration_since(start).as_secs_f64() * 1000.0);
        // The next click needs a notification on screen again.
        let tag = format!("notify-click-{i}");
        env.run(&["sync", "fire", "outbox", &tag]).success();
        notified_ms(&tag);
    }
    print_ms(
        &format!("click on the desktop, window closed, to the app's window loading the handler's URL ({CLICK_RUNS})"),
        &mut clicks,
    );
}

/// The outbox fixture installed and open, offline (nothing fires by itself), worker active.
fn open_outbox(idle: &str) -> (Env, FixtureServer) {
    let mut env = Env::new();
    env.set_env("SYNCSHELL_HIDDEN_WEBVIEW_IDLE", idle);
    let server = FixtureServer::start(Some("outbox"));
    env.run(&["install", &server.url("/app/")]).success();
    env.start_host();
    env.run(&["network", "offline"]).success();
    env.run(&["open", "outbox"]).success();
    server.wait_for_report("sw-ready", PAGE_TIMEOUT);
    (env, server)
}

fn register_round_trip() {
    let (_env, server) = open_outbox("30s");
    server.instruct(serde_json::json!({ "bench": REGISTER_CALLS }));
    let report = server.wait_for_report("bench", PAGE_TIMEOUT);
    let times: Vec<f64> = serde_json::from_slice(&report.body).expect("the page's timings");
    let mut ms = times;
    print_ms(
        &format!("register round trip, page call to stored to resolved ({REGISTER_CALLS} calls)"),
        &mut ms,
    );
}

/// Time from asking for an event (`syncshell sync fire`, so a CLI start and a control-socket
/// round trip are included) to the worker's handler running (its first fetch reaching the
/// fixture server).
fn fire_and_time(env: &Env, server: &FixtureServer, tag: &str) -> f64 {
    let start = Instant::now();
    env.run(&["sync", "fire", "outbox", tag]).success();
    let handler = server.wait_for("the handler", PAGE_TIMEOUT, |r| {
        r.path == "/report" && r.query.get("tag").map(String::as_str) == Some(tag)
    });
    handler.at.duration_since(start).as_secs_f64() * 1000.0
}

fn dispatch() {
    let (env, server) = open_outbox("100ms");
    let mut cli = Vec::new();
    for _ in 0..WARM_RUNS {
        let start = Instant::now();
        env.run(&["status"]).success();
        cli.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    print_ms(
        "CLI round trip (`syncshell status`), included below",
        &mut cli,
    );

    let mut warm: Vec<f64> = (0..WARM_RUNS)
        .map(|i| fire_and_time(&env, &server, &format!("warm-{i}")))
        .collect();
    print_ms(
        &format!("warm dispatch, window open, to the handler ({WARM_RUNS} events)"),
        &mut warm,
    );

    env.run(&["close", "outbox"]).success();
    let mut cold = Vec::new();
    for i in 0..COLD_RUNS {
        wait_until("no background window", PAGE_TIMEOUT, || {
            env.run(&["status"])
                .stdout
                .contains("background windows: none")
        });
        cold.push(fire_and_time(&env, &server, &format!("cold-{i}")));
    }
    print_ms(
        &format!("cold wake, no window open, to the handler ({COLD_RUNS} events)"),
        &mut cold,
    );
}

fn idle_seconds() -> u64 {
    std::env::var("SYNCSHELL_BENCH_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// `IDLE_APPS` outbox apps installed in `env`, each with one periodic registration due in six
/// hours, as a feed app leaves it; their servers.
fn idle_world(env: &Env) -> Vec<FixtureServer> {
    let servers: Vec<FixtureServer> = (0..IDLE_APPS)
        .map(|_| FixtureServer::start(Some("outbox")))
        .collect();
    for server in &servers {
        env.run(&["install", &server.url("/app/")]).success();
    }
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    let due = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 6 * 3_600_000;
    for server in &servers {
        db.execute(
            "INSERT INTO sync_registrations (origin, scope, kind, tag, min_interval, delay_until, registered_at)
             VALUES (?1, ?2, 'periodicsync', 'feed', 0, ?3, ?3)",
            rusqlite::params![server.origin(), server.url("/app/"), due],
        )
        .unwrap();
    }
    servers
}

/// What `pid` did and held over `seconds` of idling.
struct Idle {
    after: Sample,
    switches: u64,
    ended: usize,
    cpu_s: f64,
}

fn idle_over(pid: u32, seconds: u64) -> Idle {
    let before = sample(pid);
    // Threads are read every second through the window, and each one's last reading kept, so a
    // thread that ends meanwhile (tokio's idle blocking threads exit after 10 s) still counts
    // what it did up to its last reading. Reading /proc does not wake the process.
    let mut seen = before.threads.clone();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(1).min(deadline - Instant::now()));
        seen.extend(sample(pid).threads);
    }
    let after = sample(pid);
    let (switches, ended) = switches_between(&before.threads, &seen, &after.threads);
    let cpu_s = after.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / ticks_per_second();
    Idle {
        after,
        switches,
        ended,
        cpu_s,
    }
}

fn print_idle(idle: &Idle, pid: u32) {
    let a = &idle.after;
    println!(
        "  RSS {:.1} MB (peak {:.1} MB): {:.1} MB anonymous (its own), {:.1} MB file-backed; \
         PSS {:.1} MB",
        a.rss_mb,
        a.hwm_mb,
        a.anon_mb,
        a.file_mb,
        pss_mb(pid)
    );
    print_kinds(pid);
    println!(
        "  CPU {:.3} s, {} context switches (wake-ups), {} threads ({} ended meanwhile)",
        idle.cpu_s,
        idle.switches,
        a.threads.len(),
        idle.ended
    );
}

/// RSS and PSS by kind of mapping (`process_tree::memory_by_kind`).
fn print_kinds(pid: u32) {
    let kinds: Vec<String> = process_tree::memory_by_kind(pid)
        .into_iter()
        .map(|(kind, rss, pss)| {
            format!(
                "{kind} {:.1}/{:.1}",
                rss as f64 / 1024.0,
                pss as f64 / 1024.0
            )
        })
        .collect();
    println!("    RSS/PSS MB by kind: {}", kinds.join(", "));
}

fn idle_host() {
    let seconds = idle_seconds();
    let mut env = Env::new();
    let _servers = idle_world(&env);
    env.start_host();
    let pid = env.host_pid().expect("the host's pid");
    // Let start-up work (tray, network monitor, first scheduler pass) finish.
    std::thread::sleep(Duration::from_secs(3));
    let decisions = |env: &Env| -> u64 {
        let status = env.run(&["status"]).success().stdout;
        status
            .lines()
            .find_map(|l| l.strip_prefix("scheduler decisions: "))
            .and_then(|n| n.trim().parse().ok())
            .expect("the status names the scheduler's decisions")
    };
    let decided = decisions(&env);
    let idle = idle_over(pid, seconds);
    let woke = decisions(&env) - decided;
    let webkit = env
        .host_children()
        .iter()
        .filter(|(_, comm)| comm.starts_with("WebKit"))
        .count();
    println!(
        "idle host, {IDLE_APPS} apps installed, {IDLE_APPS} periodic registrations due in 6 h, no windows, over {seconds} s:"
    );
    println!("  scheduler wake-ups: {woke}");
    print_idle(&idle, pid);
    println!("  WebKit processes alive: {webkit}");

    // A desktop-like session: another GTK application running shares the GTK stack's pages
    // (PSS splits them between the two); WebKit's stay the host's alone.
    let other = GtkApp::start(&env);
    println!(
        "  with another GTK application running ({}): PSS {:.1} MB",
        GtkApp::PROGRAM,
        pss_mb(pid)
    );
    print_kinds(pid);
    drop(other);
}

/// The resident probe (`src/bin/resident_probe.rs`): what a process with the store, the proxy,
/// the tray, the notification bus and the control socket, and no GTK or WebKit, holds idle with
/// the same apps and registrations as [`idle_host`]'s.
fn resident() {
    use std::io::BufRead;
    use std::process::Stdio;

    let seconds = idle_seconds();
    let env = Env::new();
    let _servers = idle_world(&env);
    let mut session = Session::start(
        &env,
        env!("CARGO_BIN_EXE_resident_probe"),
        Stdio::piped(),
        Stdio::inherit(),
    );
    let mut ready = String::new();
    std::io::BufReader::new(session.leader.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready", "the probe did not start");
    let pid = session
        .pid_of("resident_probe")
        .expect("the probe under dbus-run-session");
    std::thread::sleep(Duration::from_secs(3));
    let idle = idle_over(pid, seconds);
    println!(
        "resident probe (store, proxy, tray, notification bus, control socket; no GTK or WebKit), \
         {IDLE_APPS} apps installed, {IDLE_APPS} periodic registrations due in 6 h, over {seconds} s:"
    );
    print_idle(&idle, pid);
    drop(session);

    // What the resident pays each time it starts the window process: from its decision to the
    // window process's Tauri setup (GTK, WebKit and Tauri initialised), for the settings panel.
    let mut starts = Vec::new();
    for _ in 0..HOST_STARTS {
        let mut env = Env::new();
        env.set_env("SYNCSHELL_TIMING", "1");
        let index = env.start_host();
        env.run(&["settings"]).success();
        let log = env.host_log(index);
        let mark = |name: &str| {
            log.lines()
                .filter_map(|l| l.strip_prefix("syncshell: timing "))
                .find_map(|l| {
                    let mut fields = l.split_whitespace();
                    let at: f64 = fields.next()?.parse().ok()?;
                    (fields.next()? == name).then_some(at)
                })
                .unwrap_or_else(|| panic!("no {name} mark with SYNCSHELL_TIMING=1:\n{log}"))
        };
        starts.push(mark("host-setup") - mark("window-process-start"));
    }
    print_ms(
        &format!(
            "window process start, the resident's decision to GTK, WebKit and Tauri set up \
             ({HOST_STARTS} runs)"
        ),
        &mut starts,
    );
}

const HOST_STARTS: usize = 10;

/// A program run as `dbus-run-session -- PROGRAM` with the test's environment, in a process
/// group of its own; the group (the program and its bus) is ended when dropped.
struct Session {
    leader: std::process::Child,
}

impl Session {
    fn start(
        env: &Env,
        program: &str,
        stdout: std::process::Stdio,
        stderr: std::process::Stdio,
    ) -> Self {
        let mut cmd = std::process::Command::new("dbus-run-session");
        cmd.args(["--", program]);
        env.apply_env(&mut cmd);
        let leader = cmd
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .expect("dbus-run-session must be installed");
        Self { leader }
    }

    /// The pid of the session's process whose command name is `comm` (the kernel's, cut to 15
    /// bytes), if it runs.
    fn pid_of(&self, comm: &str) -> Option<u32> {
        process_tree::descendants(self.leader.id())
            .into_iter()
            .find(|(_, c)| c == comm)
            .map(|(pid, _)| pid)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SIGTERM to the whole group: killing the leader alone leaves the bus behind.
        // SAFETY: kill has no memory preconditions; the group is the one the child leads.
        unsafe { libc::kill(-(self.leader.id() as i32), libc::SIGTERM) };
        let _ = self.leader.wait();
    }
}

/// Another GTK application on the test's display (Debian's `gtk-3-examples`), under a session
/// bus of its own; ended when dropped.
struct GtkApp {
    session: Session,
}

impl GtkApp {
    const PROGRAM: &'static str = "gtk3-widget-factory";

    fn start(env: &Env) -> Self {
        let session = Session::start(
            env,
            Self::PROGRAM,
            std::process::Stdio::null(),
            std::process::Stdio::null(),
        );
        let app = Self { session };
        wait_until(
            "the other GTK application's window",
            Duration::from_secs(30),
            || {
                app.pid().is_some_and(|pid| {
                    env.x_tool("xdotool", &["search", "--pid", &pid.to_string()])
                        .code
                        == 0
                })
            },
        );
        app
    }

    fn pid(&self) -> Option<u32> {
        // The kernel keeps 15 bytes of a command name.
        self.session.pid_of(&Self::PROGRAM[..15])
    }
}

/// `pid`'s proportional set size (shared pages split among the processes mapping them), MB. Read
/// once per figure, not with every [`sample`]: the kernel walks the process's page tables for it.
fn pss_mb(pid: u32) -> f64 {
    process_tree::pss_kib_of(pid).unwrap_or(0) as f64 / 1024.0
}

struct Sample {
    rss_mb: f64,
    anon_mb: f64,
    file_mb: f64,
    hwm_mb: f64,
    cpu_ticks: u64,
    /// Context switches so far of each thread alive, by thread id.
    threads: BTreeMap<u32, u64>,
}

/// Context switches between the first and the last sample, counted per thread from `seen`, each
/// thread's last reading: a thread born meanwhile counts all of its own, one that ended counts up
/// to its last reading. (Summing whichever threads are alive at the two ends, as this bench once
/// did, goes negative when a thread ends.) Also returns how many threads ended meanwhile.
fn switches_between(
    before: &BTreeMap<u32, u64>,
    seen: &BTreeMap<u32, u64>,
    after: &BTreeMap<u32, u64>,
) -> (u64, usize) {
    let switches = seen
        .iter()
        .map(|(tid, n)| n.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum();
    let ended = seen.keys().filter(|tid| !after.contains_key(tid)).count();
    (switches, ended)
}

/// Memory, CPU time and context switches of `pid`, all threads together (from /proc).
fn sample(pid: u32) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb = |key: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    let cpu_ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let mut threads = BTreeMap::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let Some(tid) = task
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<u32>().ok())
        else {
            continue;
        };
        // A thread that ends while it is read is skipped, not counted as zero.
        let Ok(text) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        let switches: u64 = text
            .lines()
            .filter(|l| {
                l.starts_with("voluntary_ctxt_switches")
                    || l.starts_with("nonvoluntary_ctxt_switches")
            })
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        threads.insert(tid, switches);
    }
    Sample {
        rss_mb: kb("VmRSS:") / 1024.0,
        anon_mb: kb("RssAnon:") / 1024.0,
        file_mb: kb("RssFile:") / 1024.0,
        hwm_mb: kb("VmHWM:") / 1024.0,
        cpu_ticks,
        threads,
    }
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

fn print_ms(what: &str, values: &mut [f64]) {
    println!(
        "{what}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        bench::quantile(values, 0.5),
        bench::quantile(values, 0.9),
        bench::quantile(values, 0.99),
        bench::quantile(values, 1.0)
    );
}
