//! Runs the real `syncshell` binary the way a user's desktop would: its own HOME and XDG
//! directories per test, a private X server (Xvfb), hosts inside `dbus-run-session`, a recording
//! `BROWSER`. Every wait has a deadline; every process started is stopped when the test ends.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The system's trust bundle (Debian), read by GnuTLS (WebKit) and by rustls' native roots.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How long one CLI command may take before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a page in a fresh WebKit process gets to load and report.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(45);

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    /// Exit status (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Panics with the output unless the command succeeded.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(
            self.code, 0,
            "command failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A private X server.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("Xvfb must be installed (`make test` installs it)");
        // Xvfb writes the display number once it accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("Xvfb display number");
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        Self {
            child,
            display: format!(":{number}"),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One test's world: directories, display, and the processes it started.
pub struct Env {
    /// Root of everything this test writes.
    pub root: tempfile::TempDir,
    xvfb: Xvfb,
    hosts: Vec<Child>,
    extra: Vec<(String, String)>,
    /// Hosts run on the test's own session bus (see [`Env::use_session_bus`]).
    shared_bus: bool,
    /// A system trust bundle that syncshell's processes see in place of the machine's (see
    /// [`Env::trust_ca_system_wide`]).
    system_bundle: Option<PathBuf>,
    /// A command that syncshell's processes run under (see [`Env::run_under`]).
    wrapper: Vec<String>,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    /// A fresh world with empty XDG directories.
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("syncshell-e2e-")
            .tempdir()
            .expect("temp dir");
        let runtime = root.path().join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let browser = root.path().join("browser.sh");
        std::fs::write(
            &browser,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n\
                 printf '%s %s\\n' \"${{WEBKIT_DISABLE_COMPOSITING_MODE-unset}}\" \"${{GDK_GL-unset}}\" >> '{}'\n",
                root.path().join("browser.log").display(),
                root.path().join("browser-compositing.log").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(
            &browser,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        Self {
            root,
            xvfb: Xvfb::start(),
            hosts: Vec::new(),
            extra: Vec::new(),
            shared_bus: false,
            system_bundle: None,
            wrapper: Vec::new(),
        }
    }

    /// Runs hosts (and commands) on `bus`, the test's own session bus, instead of one
    /// `dbus-run-session` each: for tests that put services of their own on it (a notification
    /// server).
    pub fn use_session_bus(&mut self, bus: &crate::session_bus::SessionBus) {
        self.set_env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        self.shared_bus = true;
    }

    /// Sets an extra environment variable for every command started from now on.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra.push((key.into(), value.into()));
    }

    /// The `syncshell` binary under test: `SYNCSHELL_BIN`, or the one built next to this test.
    pub fn binary() -> PathBuf {
        if let Some(bin) = std::env::var_os("SYNCSHELL_BIN") {
            return PathBuf::from(bin);
        }
        // target/debug/deps/e2e-HASH -> target/debug/syncshell
        let exe = std::env::current_exe().unwrap();
        let bin = exe.parent().unwrap().parent().unwrap().join("syncshell");
        assert!(
            bin.exists(),
            "{} is missing: build it first (cargo build --workspace)",
            bin.display()
        );
        bin
    }

    /// Opens this test's directories (its root, `$HOME`, `$XDG_DATA_HOME`, `$XDG_RUNTIME_DIR`)
    /// to other users (0755), as a home directory often is and as the runtime directory's
    /// fallback under `/tmp` is: then only the modes syncshell gives its own files keep another
    /// user out, which is what a test of that must see.
    pub fn open_to_other_users(&self) {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::Permissions::from_mode(0o755);
        for dir in [
            self.root.path().to_owned(),
            self.home(),
            self.home().join(".local"),
            self.data_home(),
            self.runtime_dir(),
        ] {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, open.clone()).unwrap();
        }
    }

    /// `$HOME`.
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// `$XDG_DATA_HOME`.
    pub fn data_home(&self) -> PathBuf {
        self.home().join(".local/share")
    }

    /// `$XDG_RUNTIME_DIR`.
    pub fn runtime_dir(&self) -> PathBuf {
        self.root.path().join("run")
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_home().join("syncshell/syncshell.db")
    }

    /// A read-only connection to the host's database.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the syncshell database")
    }

    /// The first column of every row `sql` selects from the SQLite file, as text.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        let db = self.db();
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// The background-services log's event names, oldest first: of one service (`sync`,
    /// `periodicsync`), or of all.
    pub fn log_events(&self, service: Option<&str>) -> Vec<String> {
        let db = self.db();
        let mut stmt = db
            .prepare(
                "SELECT event FROM background_log WHERE ?1 IS NULL OR service = ?1 ORDER BY id",
            )
            .unwrap();
        stmt.query_map([service], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// How many "sync event failed" entries the log holds whose metadata (the failure reason
    /// among it) contains `text`.
    pub fn sync_failures_saying(&self, text: &str) -> i64 {
        self.db()
            .query_row(
                "SELECT count(*) FROM background_log WHERE event = 'sync event failed' \
                 AND instr(metadata, ?1) > 0",
                [text],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// The launcher of `app_id`.
    pub fn desktop_file(&self, app_id: &str) -> PathBuf {
        self.data_home()
            .join(format!("applications/syncshell-{app_id}.desktop"))
    }

    /// The X display of this test.
    pub fn display(&self) -> &str {
        &self.xvfb.display
    }

    /// URLs handed to the browser so far.
    pub fn browser_urls(&self) -> Vec<String> {
        self.browser_log("browser.log")
    }

    /// What `WEBKIT_DISABLE_COMPOSITING_MODE` and `GDK_GL` were for each browser started so far,
    /// space-separated ("unset" where one was not set): syncshell sets them for itself where there
    /// is no GPU, and the user's browser must not inherit them.
    pub fn browser_compositing_env(&self) -> Vec<String> {
        self.browser_log("browser-compositing.log")
    }

    /// The lines the stand-in browser (`browser.sh`) wrote to `name` so far.
    fn browser_log(&self, name: &str) -> Vec<String> {
        std::fs::read_to_string(self.root.path().join(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// A `syncshell` command with this test's environment and nothing inherited from the runner.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.program(Self::binary());
        cmd.args(args);
        self.apply_env(&mut cmd);
        cmd
    }

    /// Replaces `cmd`'s environment with this test's.
    pub fn apply_env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_DATA_HOME", self.data_home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("XDG_CACHE_HOME", self.home().join(".cache"))
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("DISPLAY", self.display())
            .env("BROWSER", self.root.path().join("browser.sh"))
            .env("LANG", "C.UTF-8")
            .env("NO_AT_BRIDGE", "1");
        // WebKit's log channels, chosen by whoever runs the tests (tests/tools/webkit_log.py).
        if let Some(v) = std::env::var_os("WEBKIT_DEBUG") {
            cmd.env("WEBKIT_DEBUG", v);
        }
        for (k, v) in &self.extra {
            cmd.env(k, v);
        }
    }

    /// Runs `syncshell install URL`, which must succeed, and returns the new app's id (from the
    /// reply's "Open it with" line).
    pub fn install(&self, url: &str) -> String {
        let out = self.run(&["install", url]).success();
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix("Open it with: syncshell open "))
            .unwrap_or_else(|| panic!("no app id in the install's reply: {}", out.stdout))
            .to_owned()
    }

    /// Runs `syncshell ARGS` to completion (bounded) and returns what it printed.
    pub fn run(&self, args: &[&str]) -> Output {
        let child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start syncshell");
        wait_output(
            child,
            COMMAND_TIMEOUT,
            &format!("syncshell {}", args.join(" ")),
        )
    }

    /// Starts `dbus-run-session -- syncshell ARGS` as a host-to-be (its own session bus, its own
    /// process group) and returns its index; it is stopped when the test ends.
    pub fn spawn_host(&mut self, args: &[&str]) -> usize {
        let log = std::fs::File::create(
            self.root
                .path()
                .join(format!("host-{}.log", self.hosts.len())),
        )
        .unwrap();
        let mut cmd = if self.shared_bus {
            self.program(Self::binary())
        } else {
            let mut cmd = self.program("dbus-run-session");
            cmd.arg("--").arg(Self::binary());
            cmd
        };
        cmd.args(args);
        self.apply_env(&mut cmd);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("dbus-run-session must be installed (`make test` installs dbus)");
        self.hosts.push(child);
        self.hosts.len() - 1
    }

    /// What host `index` printed so far.
    pub fn host_log(&self, index: usize) -> String {
        std::fs::read_to_string(self.root.path().join(format!("host-{index}.log")))
            .unwrap_or_default()
    }

    /// Starts a host with `--background` and waits until it answers on its control socket.
    pub fn start_host(&mut self) -> usize {
        let index = self.spawn_host(&["--background"]);
        self.wait_for_host();
        index
    }

    /// Waits until a host answers `status`.
    pub fn wait_for_host(&self) {
        wait_until(
            "the host to answer on its control socket",
            COMMAND_TIMEOUT,
            || self.run(&["status"]).code == 0,
        );
    }

    /// The pid of the process started for host `index` (`dbus-run-session`'s unless the test
    /// shares a session bus, then the `syncshell` command's own).
    pub fn spawned_pid(&self, index: usize) -> u32 {
        self.hosts[index].id()
    }

    /// Whether host `index` has exited, and with which status.
    pub fn host_exit(&mut self, index: usize) -> Option<i32> {
        self.hosts[index]
            .try_wait()
            .unwrap()
            .map(|s| s.code().unwrap_or(-1))
    }

    /// Kills host `index` with SIGKILL, as a crash would, and waits (bounded) until everything it
    /// started (WebKit processes, its session bus) is gone too.
    pub fn crash_host(&mut self, index: usize) {
        self.kill_host_only(index);
        self.wait_for_group_gone(index);
    }

    /// Kills host `index` with SIGKILL and returns once it is reaped, leaving what it started
    /// (WebKit's processes, which notice on their own) to go in their own time: a host started
    /// right after meets them, as after a crash and an immediate relaunch.
    pub fn kill_host_only(&mut self, index: usize) {
        let pid = self.host_pid().expect("the host wrote its pid");
        // SAFETY: kill(2) on the pid our host wrote.
        assert_eq!(
            unsafe { libc::kill(pid as i32, libc::SIGKILL) },
            0,
            "kill the host"
        );
        let _ = self.hosts[index].wait();
    }

    /// Kills host `index` and everything it started at once with SIGKILL (its process group, as
    /// the end of a session or an out-of-memory kill of the session's cgroup does) and waits
    /// (bounded) until they are gone.
    pub fn kill_host_group(&mut self, index: usize) {
        let group = self.hosts[index].id() as i32;
        // SAFETY: killpg(2) on the process group our host runs in (its own, see spawn_host).
        assert_eq!(
            unsafe { libc::killpg(group, libc::SIGKILL) },
            0,
            "kill the group"
        );
        let _ = self.hosts[index].wait();
        self.wait_for_group_gone(index);
    }

    fn wait_for_group_gone(&self, index: usize) {
        let group = self.hosts[index].id() as i32;
        // SAFETY: signal 0 only probes whether the process group still has members.
        wait_until(
            "the killed host's processes to be gone",
            COMMAND_TIMEOUT,
            || unsafe { libc::killpg(group, 0) != 0 },
        );
    }

    /// Every process the running host started (WebKit's, its helpers): pid and command name.
    pub fn host_children(&self) -> Vec<(u32, String)> {
        crate::process_tree::descendants(self.host_pid().expect("the host wrote its pid"))
    }

    /// Makes `ca` part of the system's trust store as syncshell's processes (and WebKit's) see
    /// it, as a user with a private CA who ran `update-ca-certificates` would have it: each
    /// process runs in a mount namespace of its own where the system bundle is the machine's
    /// plus `ca`. The machine's own file is not touched. Needs root, as `make test` has.
    pub fn trust_ca_system_wide(&mut self, ca: &crate::tls::TestCa) {
        let mut bundle = std::fs::read_to_string(SYSTEM_BUNDLE).unwrap_or_default();
        bundle.push_str(&ca.pem);
        let path = self.root.path().join("system-bundle.pem");
        std::fs::write(&path, bundle).unwrap();
        self.system_bundle = Some(path);
    }

    /// A command running `program`: in a mount namespace with the test's system bundle when
    /// there is one (same pid: `unshare` and `sh` exec it).
    fn program(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut line: Vec<std::ffi::OsString> = self.wrapper.iter().map(Into::into).collect();
        if let Some(bundle) = &self.system_bundle {
            line.extend(
                [
                    "unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "--",
                    "sh",
                    "-c",
                ]
                .map(Into::into),
            );
            line.push(format!(r#"mount --bind "$0" {SYSTEM_BUNDLE} && exec "$@""#).into());
            line.push(bundle.into());
        }
        line.push(program.as_ref().to_owned());
        let mut cmd = Command::new(&line[0]);
        cmd.args(&line[1..]);
        cmd
    }

    /// Runs syncshell's processes (hosts and commands) under `wrapper`, a command that runs the
    /// command line after it (`prlimit --nofile=256:` to start them with a low limit).
    pub fn run_under(&mut self, wrapper: &[&str]) {
        self.wrapper = wrapper.iter().map(|s| (*s).to_owned()).collect();
    }

    /// Makes syncshell trust `ca` (on top of nothing else: `SSL_CERT_FILE` replaces the system
    /// store), as a user with a private CA would.
    pub fn trust_ca(&mut self, ca: &crate::tls::TestCa) {
        let path = self.root.path().join("test-ca.pem");
        ca.write_pem(&path);
        self.set_env("SSL_CERT_FILE", &path.to_string_lossy());
    }

    /// The address of the running host's proxy (from `syncshell status`).
    pub fn proxy_address(&self) -> String {
        let status = self.run(&["status"]).stdout;
        status
            .lines()
            .find_map(|l| l.strip_prefix("proxy: "))
            .map(|u| {
                u.trim_start_matches("http://")
                    .trim_end_matches('/')
                    .to_owned()
            })
            .unwrap_or_else(|| panic!("no proxy in the status: {status}"))
    }

    /// Kills (SIGKILL) every WebKit web process the running host started, as a crash or the OOM
    /// killer would, and returns how many there were. The host itself lives on.
    pub fn kill_web_processes(&self) -> usize {
        let victims = self.web_process_pids();
        for pid in &victims {
            // SAFETY: kill(2) on a WebKit child of our own host.
            unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
        }
        victims.len()
    }

    /// The running host's resident memory, KiB: the resident's and its window process's (if one
    /// runs) together.
    pub fn host_rss_kib(&self) -> u64 {
        let host = self.host_pid().expect("the host's pid");
        std::iter::once(host)
            .chain(self.window_process_pid())
            .map(rss_kib)
            .sum()
    }
}

/// The resident memory of process `pid`, KiB (0 once it ended).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

impl Env {
    /// The running host's WebKit web processes.
    pub fn web_processes(&self) -> usize {
        self.web_process_pids().len()
    }

    /// The pids of the running host's WebKit web processes.
    pub fn web_process_pids(&self) -> Vec<u32> {
        web_process_ids(self.host_pid().expect("the host wrote its pid"))
    }

    /// The running host's WebKit network processes (one per app context that has served a page
    /// since the app was last idle).
    pub fn network_processes(&self) -> usize {
        let host = self.host_pid().expect("the host wrote its pid");
        crate::process_tree::descendants(host)
            .into_iter()
            .filter(|(_, comm)| comm.starts_with(NETWORK_PROCESS))
            .count()
    }

    /// Starts noting the running host's web processes: those running now and every one started
    /// until the watch is finished (a process that lives 50 ms or more is never missed).
    pub fn watch_web_processes(&self) -> crate::process_tree::Watch {
        let host = self.host_pid().expect("the host wrote its pid");
        crate::process_tree::Watch::start(host, WEB_PROCESS)
    }

    /// The pid of the running host's window process (`syncshell-windows`: GTK and WebKit), if
    /// one runs.
    pub fn window_process_pid(&self) -> Option<u32> {
        let host = self.host_pid()?;
        crate::process_tree::descendants(host)
            .into_iter()
            .find(|(_, comm)| comm == WINDOW_PROCESS)
            .map(|(pid, _)| pid)
    }

    /// The sizes of the WebKit shared memory the running host's window process holds open, one
    /// per descriptor (WebKitGTK keeps one, 4 KiB, for every web view it closed: README
    /// "Reliability").
    pub fn webkit_shared_memory(&self) -> Vec<u64> {
        let pid = self.window_process_pid().expect("the window process's pid");
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .flatten()
            .filter(|fd| {
                std::fs::read_link(fd.path())
                    .is_ok_and(|target| target.to_string_lossy().contains("WebKitSharedMemory"))
            })
            .filter_map(|fd| std::fs::metadata(fd.path()).ok().map(|m| m.len()))
            .collect()
    }

    /// The pid the running host wrote.
    pub fn host_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.runtime_dir().join("syncshell/host.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Runs an X tool (xdotool) against this test's display.
    pub fn x_tool(&self, program: &str, args: &[&str]) -> Output {
        let child = Command::new(program)
            .args(args)
            .env("DISPLAY", self.display())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
        wait_output(child, COMMAND_TIMEOUT, program)
    }

    /// Asks the X window `window_id` to close as a window manager's close button does
    /// (`fixtures/wm_close.py`: no window manager runs under Xvfb).
    pub fn wm_close(&self, window_id: &str) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/wm_close.py");
        self.x_tool("/usr/bin/python3", &[script, window_id])
            .success();
    }
}

impl Env {
    /// After a failed test: what the hosts printed and what the database holds, on stderr, so
    /// that a failure in CI (where the test's directory is gone) can be read afterwards.
    fn report_failure(&self) {
        for index in 0..self.hosts.len() {
            let log = self.host_log(index);
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(80)..];
            eprintln!(
                "--- host {index} printed ({} lines, last {}):\n{}",
                lines.len(),
                tail.len(),
                tail.join("\n")
            );
        }
        if !self.db_path().exists() {
            return;
        }
        let Ok(db) = rusqlite::Connection::open_with_flags(
            self.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        ) else {
            return;
        };
        for (what, sql) in [
            (
                "background log",
                "SELECT at || ' ' || service || ' ' || tag || ' ' || event || ' ' || metadata \
                 FROM background_log ORDER BY id",
            ),
            (
                "registrations",
                "SELECT kind || ' ' || tag || ' ' || state || ' attempts=' || attempts \
                 || ' delay_until=' || ifnull(delay_until, '-') FROM sync_registrations",
            ),
        ] {
            let rows: Vec<String> = db
                .prepare(sql)
                .and_then(|mut stmt| {
                    stmt.query_map([], |r| r.get::<_, String>(0))?
                        .collect::<Result<_, _>>()
                })
                .unwrap_or_else(|e| vec![format!("(could not read: {e})")]);
            eprintln!("--- {what}:\n{}", rows.join("\n"));
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.report_failure();
        }
        // For debugging a failure: SYNCSHELL_E2E_KEEP=1 keeps the test's directory (logs, database).
        if std::env::var_os("SYNCSHELL_E2E_KEEP").is_some() {
            self.root.disable_cleanup(true);
            eprintln!("kept {}", self.root.path().display());
        }
        if self
            .hosts
            .iter_mut()
            .any(|h| matches!(h.try_wait(), Ok(None)))
        {
            let _ = self
                .command(&["quit"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for host in &mut self.hosts {
            while matches!(host.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            // Whatever is left of the group (dbus-daemon, WebKit processes) goes too.
            // SAFETY: killpg on a process group we created.
            unsafe { libc::killpg(host.id() as i32, libc::SIGKILL) };
            let _ = host.wait();
        }
    }
}

/// Waits (bounded) for `child` and collects its output.
fn wait_output(mut child: Child, timeout: Duration, what: &str) -> Output {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Polls `cond` until it holds, failing the test after `timeout`.
#[track_caller]
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Files under `dir`, recursively, relative to it (for "nothing was left behind" checks).
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// WebKit's web processes' command name (as the kernel cuts it, 15 characters).
const WEB_PROCESS: &str = "WebKitWebProces";

/// WebKit's network processes' command name (as the kernel cuts it).
const NETWORK_PROCESS: &str = "WebKitNetworkPr";

/// The window process's command name (as the kernel cuts it).
const WINDOW_PROCESS: &str = "syncshell-windo";

/// The pids of `host`'s WebKit web processes.
fn web_process_ids(host: u32) -> Vec<u32> {
    crate::process_tree::descendants(host)
        .into_iter()
        .filter(|(_, comm)| comm.starts_with(WEB_PROCESS))
        .map(|(pid, _)| pid)
        .collect()
}
