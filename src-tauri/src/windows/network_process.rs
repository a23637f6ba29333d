//! The WebKit network process that serves one app's data: ended when the app's data is deleted,
//! and when no app has had a page for a while (`idle_network.rs`).
//!
//! Each app has a WebKit context of its own (its data directory), so a network process of its
//! own, and Tauri keeps the context (and so the process) for the host's life. That process writes
//! into the app's directory for seconds after the app's last page went: measured on WebKitGTK
//! 2.50, the HTTP cache's `SubResources` record of a page about 2 s after its window closed, a
//! `dump.json` of the cache about 4 s after its directory was removed, the storage `origin` files.
//! Cleared through WebKit's data manager first, the directory still came back. A process that no
//! longer runs writes nothing: after its windows are gone, the app's network process is ended and
//! only then is the directory removed. WebKit starts a new one with the app's next page (the app
//! installed again, or woken after an idle end); other apps' pages carry on (they have network
//! processes of their own; `tests/tests/install.rs`), but WebKit stops their service workers
//! when any network process ends (`idle_network.rs`): an event running in one at that moment
//! gets no answer, times out and is fired again.
//! One thing does not: a WebDriver session of the host, which WebKit ends when any network process
//! ends (measured; the panel test works around it, and idle ends are off under WebDriver).
//! WebKitGTK has no call to end a context's network process, so it is found by what it has open
//! (a database in the app's directory) among the host's own children, and killed.

use std::path::Path;
use std::time::Duration;

use procfs::process::{FDTarget, Process};

use super::{WindowError, Windows};

/// How long a killed network process may take to be gone (it is SIGKILLed: only the kernel's
/// teardown and WebKit reaping it).
const EXIT_WAIT: Duration = Duration::from_secs(3);

impl Windows {
    /// Ends the WebKit network process serving app `app_id`'s data (see the module's doc), once
    /// its windows are gone. Returns how many processes were ended (0: none served it).
    pub async fn end_app_network_process(&self, app_id: &str) -> Result<usize, WindowError> {
        end_serving(&self.ctx.paths.webview_data_dir(app_id), Wait::Dead).await
    }
}

/// What "gone" means for an ended network process.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Dead: its files are closed (a zombie will do, whoever reaps it). Enough before deleting
    /// the app's data.
    Dead,
    /// Reaped by WebKit, which has so seen it go: the next app page gets a new one rather than
    /// asking the dead one for a connection.
    Reaped,
}

/// Ends the host's WebKit network processes that have a file under `data_dir` open, and waits
/// until they are gone as `wait` says. Returns how many there were (0: none was serving it,
/// nothing to end).
pub(super) async fn end_serving(data_dir: &Path, wait: Wait) -> Result<usize, WindowError> {
    let serving = serving(data_dir)?;
    for process in &serving {
        // /proc lists positive ids only.
        let Some(pid) = rustix::process::Pid::from_raw(process.pid()) else {
            continue;
        };
        match rustix::process::kill_process(pid, rustix::process::Signal::KILL) {
            // Gone on its own in between: what was wanted.
            Ok(()) | Err(rustix::io::Errno::SRCH) => {}
            Err(source) => {
                return Err(WindowError::EndProcess {
                    pid: process.pid(),
                    source,
                })
            }
        }
    }
    let deadline = tokio::time::Instant::now() + EXIT_WAIT;
    for process in &serving {
        let gone = || match wait {
            Wait::Dead => !process.is_alive(),
            Wait::Reaped => !Path::new(&format!("/proc/{}", process.pid())).exists(),
        };
        while !gone() {
            if tokio::time::Instant::now() >= deadline {
                return Err(WindowError::ProcessStillRunning { pid: process.pid() });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    Ok(serving.len())
}

/// The host's children named as WebKit's network process with a file under `data_dir` open.
fn serving(data_dir: &Path) -> Result<Vec<Process>, WindowError> {
    let host = std::process::id();
    let mut found = Vec::new();
    for process in procfs::process::all_processes()? {
        // Processes come and go while /proc is read: one that went is not ours to end.
        let Ok(process) = process else { continue };
        let Ok(stat) = process.stat() else { continue };
        // The kernel keeps 15 bytes of the name: "WebKitNetworkProcess" reads "WebKitNetworkPr".
        if u32::try_from(stat.ppid).ok() != Some(host) || !stat.comm.starts_with("WebKitNetwork") {
            continue;
        }
        let Ok(fds) = process.fd() else { continue };
        let has_open = fds.flatten().any(|fd| match fd.target {
            FDTarget::Path(path) => path.starts_with(data_dir),
            _ => false,
        });
        if has_open {
            found.push(process);
        }
    }
    Ok(found)
}
