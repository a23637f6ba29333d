//! `syncshell doctor`: checks what syncshell needs from the desktop and the machine (the host, the
//! session bus, a notification server and its capabilities, a tray, starting at login, the trust
//! store, the data and runtime directories' permissions, the local proxy) and says what to fix.
//! Run in the user's own session, so it sees what the host sees.

use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use syncshell_core::launcher;
use syncshell_core::paths::Paths;
use syncshell_core::store::{apps, Store};

use syncshell_cli::client;
use syncshell_cli::protocol::{Reply, Request};

mod trust;

/// How long any one D-Bus question may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(2);

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine.
    Ok,
    /// Works, with less than it could (no tray, no notification buttons...).
    Warn,
    /// Broken: something syncshell needs.
    Fail,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How it came out.
    pub level: Level,
    /// What was checked ("notification server").
    pub what: &'static str,
    /// What was found.
    pub detail: String,
    /// What to do about it, unless it is fine.
    pub fix: Option<String>,
}

fn finding(level: Level, what: &'static str, detail: impl Into<String>) -> Finding {
    Finding {
        level,
        what,
        detail: detail.into(),
        fix: None,
    }
}

impl Finding {
    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// The report: one line per check, what to do under each one that is not fine, and exit status
/// 1 when anything failed.
pub fn report(findings: &[Finding]) -> Reply {
    let mut out = String::new();
    for f in findings {
        let mark = match f.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        let _ = writeln!(out, "{mark}  {}: {}", f.what, f.detail);
        if let Some(fix) = &f.fix {
            let _ = writeln!(out, "      -> {fix}");
        }
    }
    let failed = findings.iter().filter(|f| f.level == Level::Fail).count();
    let warned = findings.iter().filter(|f| f.level == Level::Warn).count();
    let _ = writeln!(out, "{failed} to fix, {warned} to look at");
    Reply {
        code: i32::from(failed > 0),
        stdout: out,
        stderr: String::new(),
    }
}

/// Runs every check.
pub async fn run(paths: &Paths) -> Reply {
    let mut findings = Vec::new();
    let proxy = host(paths, &mut findings);
    desktop(&mut findings).await;
    findings.push(autostart(paths));
    findings.push(trust_store());
    findings.push(private_dir(
        "data directory",
        &paths.data_dir,
        Links::Follow,
    ));
    findings.push(private_dir(
        "runtime directory",
        &paths.runtime_dir,
        Links::Refuse,
    ));
    findings.push(ca_key(&paths.data_dir.join("tls/ca-key.pem")));
    if let Some(proxy) = proxy {
        findings.push(proxy_answers(&proxy).await);
    }
    report(&findings)
}

/// The host: running or not; its proxy's address when it runs.
fn host(paths: &Paths, findings: &mut Vec<Finding>) -> Option<String> {
    match client::send(paths, &Request::Status) {
        Ok(reply) if reply.code == 0 => {
            let line = |key: &str| {
                reply
                    .stdout
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(str::to_owned)
            };
            let pid = line("syncshell host: ").unwrap_or_default();
            findings.push(finding(Level::Ok, "host", pid));
            line("proxy: ")
        }
        Ok(reply) => {
            findings.push(
                finding(Level::Fail, "host", reply.stderr.trim().to_owned())
                    .fix("syncshell quit, then syncshell --background"),
            );
            None
        }
        Err(_) => {
            findings.push(
                finding(Level::Warn, "host", "not running: nothing syncs in the background")
                    .fix("start it: syncshell --background (it starts at login once an app is installed)"),
            );
            None
        }
    }
}

/// The session bus, a notification server and a tray.
async fn desktop(findings: &mut Vec<Finding>) {
    let bus = match tokio::time::timeout(ASK_TIMEOUT, zbus::Connection::session()).await {
        Ok(Ok(bus)) => bus,
        Ok(Err(e)) => {
            findings.push(
                finding(Level::Fail, "session bus", e.to_string())
                    .fix("run syncshell inside your desktop session (DBUS_SESSION_BUS_ADDRESS)"),
            );
            return;
        }
        Err(_) => {
            findings.push(finding(Level::Fail, "session bus", "did not answer in 2 s"));
            return;
        }
    };
    findings.push(finding(Level::Ok, "session bus", "connected"));
    findings.push(notification_server(&bus).await);
    findings.push(tray(&bus).await);
}

async fn ask<B>(
    bus: &zbus::Connection,
    dest: &str,
    path: &str,
    iface: &str,
    method: &str,
    body: &B,
) -> Result<zbus::Message, String>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    match tokio::time::timeout(
        ASK_TIMEOUT,
        bus.call_method(Some(dest), path, Some(iface), method, body),
    )
    .await
    {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("did not answer in 2 s".into()),
    }
}

async fn notification_server(bus: &zbus::Connection) -> Finding {
    const WHAT: &str = "notification server";
    const PATH: &str = "/org/freedesktop/Notifications";
    const NAME: &str = "org.freedesktop.Notifications";
    let info = match ask(bus, NAME, PATH, NAME, "GetServerInformation", &()).await {
        Ok(reply) => reply
            .body()
            .deserialize::<(String, String, String, String)>()
            .map(|(name, vendor, version, _)| format!("{name} {version} ({vendor})"))
            .unwrap_or_else(|_| "answers".into()),
        Err(e) => {
            return finding(Level::Warn, WHAT, format!("none answers: {e}"))
                .fix("notifications need a notification server (GNOME, KDE, dunst, mako...)");
        }
    };
    let caps: Vec<String> = match ask(bus, NAME, PATH, NAME, "GetCapabilities", &()).await {
        Ok(reply) => reply.body().deserialize().unwrap_or_default(),
        Err(e) => return finding(Level::Warn, WHAT, format!("{info}, capabilities: {e}")),
    };
    let missing: Vec<&str> = ["body", "actions"]
        .into_iter()
        .filter(|c| !caps.iter().any(|have| have == c))
        .collect();
    if missing.is_empty() {
        finding(Level::Ok, WHAT, format!("{info}, with {}", caps.join(", ")))
    } else {
        finding(
            Level::Warn,
            WHAT,
            format!("{info}, without {}", missing.join(" and ")),
        )
        .fix("clicks on notifications need a server with \"actions\"")
    }
}

async fn tray(bus: &zbus::Connection) -> Finding {
    const WHAT: &str = "tray";
    const NAME: &str = "org.kde.StatusNotifierWatcher";
    let present = ask(
        bus,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        &NAME,
    )
    .await
    .ok()
    .and_then(|reply| reply.body().deserialize::<bool>().ok())
    .unwrap_or(false);
    if present {
        finding(
            Level::Ok,
            WHAT,
            "a StatusNotifierWatcher shows syncshell's icon",
        )
    } else {
        finding(Level::Warn, WHAT, "no StatusNotifierWatcher on the session bus: no tray icon")
            .fix("GNOME: install the \"AppIndicator and KStatusNotifierItem Support\" extension; or use syncshell settings")
    }
}

fn autostart(paths: &Paths) -> Finding {
    const WHAT: &str = "start at login";
    // Read only when it exists: a check creates nothing.
    let db = paths.database();
    let installed = db
        .exists()
        .then(|| Store::open(&db).ok())
        .flatten()
        .and_then(|store| apps::list(store.conn()).ok())
        .map_or(0, |a| a.len());
    let file = paths.autostart_file();
    match (launcher::autostart_enabled(paths), file.exists(), installed) {
        (true, _, _) => finding(Level::Ok, WHAT, file.display().to_string()),
        (false, true, _) => finding(
            Level::Warn,
            WHAT,
            "turned off: background sync stops at logout",
        )
        .fix("turn it on in syncshell settings (Apps)"),
        (false, false, 0) => finding(Level::Ok, WHAT, "no app installed, nothing to start"),
        (false, false, _) => finding(Level::Warn, WHAT, format!("{} is missing", file.display()))
            .fix("turn on \"Start syncshell at login\" in syncshell settings (Apps)"),
    }
}

/// The system store and `SSL_CERT_FILE`, judged by [`trust::judge`].
fn trust_store() -> Finding {
    let system = Path::new(trust::SYSTEM_BUNDLE);
    let env_file = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    trust::judge(
        trust::Bundle {
            path: system,
            text: std::fs::read_to_string(system),
        },
        env_file.as_deref().map(|path| trust::Bundle {
            path,
            text: std::fs::read_to_string(path),
        }),
    )
}

/// Whether a directory may be a symbolic link.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Links {
    /// Followed: the data directory, in the user's home, may live on another disk.
    Follow,
    /// Refused: the runtime directory's fallback under `/tmp` could be planted by someone else.
    Refuse,
}

/// A directory that must be the user's alone (0700, theirs; a link only where `links` allows).
/// The host makes both 0700 when it starts; a looser one here means it has not run since, or
/// something else changed it.
fn private_dir(what: &'static str, dir: &Path, links: Links) -> Finding {
    let meta = match links {
        Links::Follow => std::fs::metadata(dir),
        Links::Refuse => std::fs::symlink_metadata(dir),
    };
    match meta {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => finding(
            Level::Ok,
            what,
            format!("{} (not created yet)", dir.display()),
        ),
        Err(e) => finding(Level::Fail, what, format!("{}: {e}", dir.display())),
        Ok(m) if m.file_type().is_symlink() => finding(
            Level::Fail,
            what,
            format!("{} is a symbolic link", dir.display()),
        )
        .fix(format!(
            "remove {} (syncshell makes its own)",
            dir.display()
        )),
        Ok(m) => {
            let me = rustix::process::getuid().as_raw();
            let mode = m.permissions().mode() & 0o777;
            if m.uid() != me {
                finding(
                    Level::Fail,
                    what,
                    format!("{} belongs to uid {}", dir.display(), m.uid()),
                )
            } else if mode != 0o700 {
                finding(
                    Level::Fail,
                    what,
                    format!(
                        "{} is {mode:o}, not 700: other users can enter it",
                        dir.display()
                    ),
                )
                .fix(format!("chmod 700 {}", dir.display()))
            } else {
                finding(Level::Ok, what, format!("{} ({mode:o})", dir.display()))
            }
        }
    }
}

fn ca_key(key: &Path) -> Finding {
    const WHAT: &str = "local CA key";
    match std::fs::metadata(key) {
        Err(_) => finding(
            Level::Ok,
            WHAT,
            "not created yet (made for the first https app)",
        ),
        Ok(m) if m.permissions().mode() & 0o077 != 0 => finding(
            Level::Fail,
            WHAT,
            format!(
                "{} is readable by others ({:o})",
                key.display(),
                m.permissions().mode() & 0o777
            ),
        )
        .fix(format!("chmod 600 {}", key.display())),
        Ok(_) => finding(Level::Ok, WHAT, format!("{} (600)", key.display())),
    }
}

async fn proxy_answers(proxy: &str) -> Finding {
    const WHAT: &str = "local proxy";
    let address = proxy
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/');
    match tokio::time::timeout(ASK_TIMEOUT, tokio::net::TcpStream::connect(address)).await {
        Ok(Ok(_)) => finding(Level::Ok, WHAT, format!("listening on {address}")),
        Ok(Err(e)) => finding(Level::Fail, WHAT, format!("{address}: {e}"))
            .fix("syncshell quit, then syncshell --background"),
        Err(_) => finding(
            Level::Fail,
            WHAT,
            format!("{address} did not answer in 2 s"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_each_check_with_its_fix_and_fails_only_on_a_failure() {
        let warn = finding(Level::Warn, "tray", "none").fix("install one");
        let reply = report(&[finding(Level::Ok, "host", "running"), warn.clone()]);
        assert_eq!(reply.code, 0);
        assert_eq!(
            reply.stdout,
            "ok    host: running\nwarn  tray: none\n      -> install one\n0 to fix, 1 to look at\n"
        );
        let reply = report(&[finding(Level::Fail, "trust store", "0 certificates"), warn]);
        assert_eq!(reply.code, 1);
        assert!(reply.stdout.ends_with("1 to fix, 1 to look at\n"));
    }

    #[test]
    fn a_directory_others_can_enter_fails_and_a_link_only_where_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(
            private_dir("runtime directory", &dir, Links::Refuse).level,
            Level::Ok
        );
        // Readable by others is enough to fail: the data directory holds secrets.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            private_dir("data directory", &dir, Links::Follow).level,
            Level::Fail
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let link = tmp.path().join("l");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert_eq!(
            private_dir("runtime directory", &link, Links::Refuse).level,
            Level::Fail
        );
        assert_eq!(
            private_dir("data directory", &link, Links::Follow).level,
            Level::Ok
        );
        assert_eq!(
            private_dir("data directory", &tmp.path().join("none"), Links::Follow).level,
            Level::Ok
        );
        let key = tmp.path().join("ca-key.pem");
        std::fs::write(&key, "k").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(ca_key(&key).level, Level::Fail);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(ca_key(&key).level, Level::Ok);
    }
}
