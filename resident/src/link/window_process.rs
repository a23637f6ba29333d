//! The window process (`syncshell-windows`: Tauri, GTK, WebKit), started only while a window is
//! needed (an app opened, an event to fire, a notification's click, the settings panel) and
//! ended once it has had none for a while: it says so ([`Report::Idle`]) and the resident,
//! which knows whether it sent anything since, tells it to quit. One more need keeps it, or
//! starts it, with no window: a one-off sync waiting for the network
//! ([`WindowProcess::keep_warm`]), so that the event fires the moment the network is back
//! instead of after a process start. A window process that dies fails the events in flight in
//! its windows, as a dead web process does; the next need starts a new one.
//!
//! The link is a socketpair whose other end is the window process's standard input: nothing
//! on disk, so nobody else can connect.

use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};

use syncshell_core::store::changes::Table;
use tokio::net::UnixStream;
use tokio::sync::{broadcast, Mutex};
use url::Url;

use super::link_desktop::{serve_window_side, PanelCalls};
use super::protocol::ToWindows;
use super::rpc::Link;
use crate::changes::Changed;
use crate::desktop::{DesktopError, WindowReports};
use crate::page_calls::PageCalls;

/// The window process's binary, installed next to the resident's.
pub const WINDOWS_BINARY: &str = "syncshell-windows";

/// The environment variable that gives the window process the proxy's URL.
pub const PROXY_ENV: &str = "SYNCSHELL_PROXY_URL";

/// Starts a window process and returns the resident's end of its link. Tests give one that
/// connects to a double.
pub type Spawn = Box<dyn Fn() -> std::io::Result<UnixStream> + Send + Sync>;

/// Whether an idle window process is to be kept all the same (called on the blocking pool).
pub type Keep = Arc<dyn Fn() -> bool + Send + Sync>;

/// The window process, running or not. Cheap to clone.
#[derive(Clone)]
pub struct WindowProcess(Arc<Inner>);

struct Inner {
    spawn: Spawn,
    keep: Keep,
    reports: WindowReports,
    answers: OnceLock<(PageCalls, PanelCalls)>,
    current: Mutex<Option<Arc<Link>>>,
}

impl WindowProcess {
    /// The `syncshell-windows` next to this executable, loading through the proxy at
    /// `proxy_url`, with the environment this process has (its data and runtime directories
    /// among it); what it reports goes to `reports`; kept while idle as long as `keep` says so.
    pub fn new(proxy_url: Url, reports: WindowReports, keep: Keep) -> Self {
        let spawn: Spawn = Box::new(move || spawn_binary(&proxy_url));
        Self::with_spawn(spawn, reports, keep)
    }

    /// A window process started by `spawn`.
    pub fn with_spawn(spawn: Spawn, reports: WindowReports, keep: Keep) -> Self {
        Self(Arc::new(Inner {
            spawn,
            keep,
            reports,
            answers: OnceLock::new(),
            current: Mutex::new(None),
        }))
    }

    /// What answers the window process's calls: its pages' and its settings panel's. Set once,
    /// as soon as the host is up (before that, no window exists to call).
    pub fn answer_with(&self, calls: PageCalls, panel: PanelCalls) {
        let _ = self.0.answers.set((calls, panel));
    }

    /// The running window process's link; `None` when none runs (nothing is open, so whatever
    /// was asked has nothing to act on).
    pub async fn running(&self) -> Option<Arc<Link>> {
        let current = self.0.current.lock().await;
        current.as_ref().filter(|link| link.is_open()).cloned()
    }

    /// The running window process's link, or a new process's.
    pub async fn start(&self) -> Result<Arc<Link>, DesktopError> {
        let mut current = self.0.current.lock().await;
        if let Some(link) = current.as_ref().filter(|link| link.is_open()) {
            return Ok(link.clone());
        }
        if current.take().is_some() {
            // It died, and its end's report has not come yet: what was in it fails now, before
            // the new process has anything in flight.
            self.0.reports.window_process_gone();
        }
        // Checked before a process is started that nothing could answer.
        let Some((calls, panel)) = self.0.answers.get().cloned() else {
            return Err(DesktopError::Unreachable("the host is not up yet".into()));
        };
        crate::timing::mark("window-process-start", "-");
        let stream = (self.0.spawn)().map_err(|e| {
            DesktopError::Unreachable(format!("cannot start {WINDOWS_BINARY}: {e}"))
        })?;
        let (link, incoming) = Link::open(stream);
        let (gone, ended) = (self.clone(), link.clone());
        let (idle, idled) = (self.clone(), link.clone());
        serve_window_side(
            incoming,
            self.0.reports.clone(),
            calls,
            panel,
            Arc::new(move |received| {
                let (process, link) = (idle.clone(), idled.clone());
                tokio::spawn(async move { process.retire_if_idle(&link, received).await });
            }),
            Box::new(move || {
                tokio::spawn(async move { gone.ended(&ended).await });
            }),
        );
        *current = Some(link.clone());
        Ok(link)
    }

    /// The window process said it has had no window for its linger time, having received
    /// `received` messages: if nothing was sent to it since and nothing keeps it, it is told to
    /// quit, and the next need starts a new one. (Kept, it says so again after its next linger
    /// time.)
    async fn retire_if_idle(&self, link: &Arc<Link>, received: u64) {
        let keep = self.0.keep.clone();
        if tokio::task::spawn_blocking(move || keep())
            .await
            .unwrap_or(false)
        {
            return;
        }
        let mut current = self.0.current.lock().await;
        let is_current = current.as_ref().is_some_and(|c| Arc::ptr_eq(c, link));
        if is_current && link.sent() == received {
            current.take();
            link.note(&ToWindows::Quit { code: 0 });
        }
    }

    /// `link`'s process ended (or closed its end). If it was the current one, it died: its
    /// events in flight fail. A retired one (told to quit, with no window) leaves nothing, and
    /// the events of a newer process are not its to fail.
    async fn ended(&self, link: &Arc<Link>) {
        let mut current = self.0.current.lock().await;
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, link)) {
            current.take();
            drop(current);
            self.0.reports.window_process_gone();
        }
    }

    /// Runs for the resident's life: at start and after each change of the network, of the
    /// registrations or of the windows (one ended), starts the window process if `keep` says so
    /// and none runs. `keep` reads the store: it is called on the blocking pool.
    pub async fn keep_warm(&self, mut changes: broadcast::Receiver<Changed>) {
        loop {
            let keep = self.0.keep.clone();
            if tokio::task::spawn_blocking(move || keep())
                .await
                .unwrap_or(false)
                && self.running().await.is_none()
            {
                if let Err(e) = self.start().await {
                    eprintln!("syncshell: cannot start the window process ahead: {e}");
                }
            }
            loop {
                match changes.recv().await {
                    Ok(changed)
                        if changed.network
                            || changed.windows
                            || changed.tables.contains(Table::SyncRegistrations) =>
                    {
                        break
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }

    /// Tells a running window process to quit (the resident is quitting).
    pub fn quit(&self) {
        if let Ok(mut current) = self.0.current.try_lock() {
            if let Some(link) = current.take() {
                link.note(&ToWindows::Quit { code: 0 });
            }
        }
    }
}

/// Starts `syncshell-windows` with one end of a new socketpair as its standard input; returns
/// the other.
fn spawn_binary(proxy_url: &Url) -> std::io::Result<UnixStream> {
    let binary = std::env::current_exe()?.with_file_name(WINDOWS_BINARY);
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    ours.set_nonblocking(true)?;
    let mut child = tokio::process::Command::new(&binary)
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .env(PROXY_ENV, proxy_url.as_str())
        .spawn()?;
    tokio::spawn(async move {
        match child.wait().await {
            Ok(status) if status.success() => {}
            Ok(status) => eprintln!("syncshell: the window process ended: {status}"),
            Err(e) => eprintln!("syncshell: the window process could not be waited for: {e}"),
        }
    });
    UnixStream::from_std(ours)
}
