//! Debian's Chromium (package `chromium`) as a user runs installed web apps in it: `--app`
//! windows of one profile, on the test's X server. For the comparison bench: the figures
//! syncshell is held to are Chromium's, measured in the same run.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::{wait_until, Env, COMMAND_TIMEOUT};

/// Where Debian installs it.
pub const BINARY: &str = "/usr/bin/chromium";

/// A running Chromium browser with a profile of its own.
pub struct Chromium {
    browser: Child,
    profile: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Chromium {
    /// Starts Chromium on `env`'s X server with `first` (an `--app=URL` argument, or a URL) as
    /// its first window, and returns once that window is up.
    pub fn start(env: &Env, first: &str) -> Self {
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut cmd = Command::new(BINARY);
        env.apply_env(&mut cmd);
        // No session bus: with none named, libdbus would start one of its own for the X display,
        // which would outlive the bench.
        cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
        let env_vars: Vec<(String, String)> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
            .collect();
        cmd.args(flags(profile.path()))
            .arg(first)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that dropping it ends every process it started.
            .process_group(0);
        let browser = cmd
            .spawn()
            .expect("Chromium must be installed (`make bench-compare` installs it)");
        let chromium = Self {
            browser,
            profile,
            env: env_vars,
        };
        // Until then a second `chromium` finds no browser to hand its window to.
        wait_until("Chromium's first window", COMMAND_TIMEOUT, || {
            chromium.targets().iter().any(|(kind, _)| kind == "page")
        });
        chromium
    }

    /// Opens another window (`--app=URL`, or a URL for a tab window) in the running browser, as
    /// a launcher does: a second `chromium` hands it to the first and exits.
    pub fn open(&self, what: &str) {
        let mut launcher = Command::new(BINARY);
        launcher
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(flags(self.profile.path()))
            .arg(what)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = launcher.spawn().expect("a second chromium");
        wait_until("the launcher to hand over", COMMAND_TIMEOUT, || {
            child.try_wait().ok().flatten().is_some()
        });
    }

    /// The browser process (the root of every process Chromium started).
    pub fn pid(&self) -> u32 {
        self.browser.id()
    }

    /// What Chromium runs now, as its DevTools endpoint lists it (`/json/list`): each target's
    /// type (`page`, `service_worker`, …) and URL. A service worker is listed while it runs.
    pub fn targets(&self) -> Vec<(String, String)> {
        let port_file = self.profile.path().join("DevToolsActivePort");
        let Some(port) = std::fs::read_to_string(port_file)
            .ok()
            .and_then(|s| s.lines().next().map(str::to_owned))
        else {
            return Vec::new();
        };
        // reqwest is built without a default TLS provider; this is plain http on loopback, but
        // the client wants one installed anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listed = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .and_then(|c| c.get(format!("http://127.0.0.1:{port}/json/list")).send())
            .and_then(|r| r.json::<Vec<serde_json::Value>>());
        listed
            .unwrap_or_default()
            .iter()
            .map(|t| {
                let field = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                (field("type"), field("url"))
            })
            .collect()
    }

    /// Whether a service worker of `origin` runs.
    pub fn runs_worker_of(&self, origin: &str) -> bool {
        self.targets()
            .iter()
            .any(|(kind, url)| kind == "service_worker" && url.starts_with(&format!("{origin}/")))
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let group = self.browser.id() as i32;
        // SAFETY: a plain kill(2) of the browser's own process group.
        unsafe { libc::killpg(group, libc::SIGKILL) };
        let _ = self.browser.wait();
        // Its helpers re-parent when the browser dies; wait (bounded) until the group is gone
        // so that the profile directory can be removed.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        // SAFETY: signal 0 only probes whether the group still has members.
        while unsafe { libc::killpg(group, 0) } == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How every window of the bench's browser is started: root needs `--no-sandbox`; most of the
/// rest keeps Chromium from reaching for the internet (closed here) and from first-run screens.
fn flags(profile: &std::path::Path) -> Vec<String> {
    vec![
        format!("--user-data-dir={}", profile.display()),
        "--no-sandbox".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--password-store=basic".into(),
        // Its DevTools endpoint on a port of its choosing (named in the profile), to see
        // whether it runs an app's worker.
        "--remote-debugging-port=0".into(),
    ]
}
