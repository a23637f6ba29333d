//! Apps' WebKit network processes ended once no app has had a page for a while
//! (`network_process_idle`, 1 min by default).
//!
//! Each app has a WebKit context of its own, so a network process of its own (about 18 MiB PSS),
//! and WebKitGTK keeps it for the host's life even when no page of the app is left (Tauri keeps
//! the context on Linux for that reason: tauri-apps/tauri#14626). A host in the tray for a day
//! with 20 apps used once would hold 20 of them for nothing. So when the last app page goes (app
//! windows and hidden windows parked and their web processes ended, or destroyed), a timer
//! starts; if no app page was opened or woken by the time it fires, the apps' network processes
//! are ended (`network_process.rs`), and WebKit starts a new one with an app's next page, reading
//! the same data directory.
//!
//! Why only when no app has a page: WebKit's UI process answers the end of *any* network process
//! by stopping the service workers of every web process, other apps' included (measured with
//! WebKit's logs: `NetworkProcessProxy::didClose`, then `disableWorkers` in another app's page's
//! process). A worker stopped in the middle of a sync event never answers it; in the soak, with
//! one app's process ended while others fired events, an event's POST reached its server and its
//! answer never came back, so it timed out and was sent again.
//!
//! Why waiting is safe for the apps' data: WebKit's network process writes an app's data for
//! seconds after its last page went (the HTTP cache's records about 2 s after, measured;
//! `network_process.rs`), and IndexedDB commits before the page hears of it. An idle time of
//! tens of seconds leaves it nothing in flight.
//!
//! What a new network process does not know: the proxy's leaf an https app's context was told
//! to trust goes with the process, so a woken window trusts it again (`parked.rs`). The proxy
//! settings are the context's own and are given to each new process by WebKit.
//!
//! Not done under WebDriver (`TAURI_WEBVIEW_AUTOMATION=true`): WebKit ends an automation
//! session when any network process ends (measured), so the host keeps them all.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::network_process::Wait;

/// Whether any app page is open (an app's window, visible or hidden, not parked).
pub type AnyPage = Arc<dyn Fn() -> bool + Send + Sync>;

/// How long opening a page waits for the network processes being ended at that moment (their
/// kill and WebKit noticing: milliseconds; bounded by the kill's own wait).
const ENDING_WAIT: Duration = Duration::from_secs(5);

/// Ends the apps' network processes once no app has a page (see the module's doc). Cheap to
/// clone: clones share the state.
#[derive(Clone)]
pub struct IdleNetwork(Arc<Inner>);

struct Inner {
    /// `None`: never end them (WebDriver; see the module's doc).
    idle: Option<Duration>,
    any_page: AnyPage,
    /// Where every app's data is (`…/apps`): a network process with a file open under it serves
    /// an app.
    apps_dir: PathBuf,
    state: Mutex<State>,
    /// Notified when the network processes have been ended.
    ended: Condvar,
}

/// The count of page starts and page ends (a timer acts only if nothing happened since it was
/// set), and whether the network processes are being ended right now.
#[derive(Default)]
struct State {
    generation: u64,
    ending: bool,
}

impl IdleNetwork {
    /// Ends the apps' network processes (those with a file open under `apps_dir`) `idle` after
    /// the last app page went (`None`: never), asking `any_page` whether a page came back.
    pub fn new(idle: Option<Duration>, any_page: AnyPage, apps_dir: PathBuf) -> Self {
        Self(Arc::new(Inner {
            idle,
            any_page,
            apps_dir,
            state: Mutex::default(),
            ended: Condvar::new(),
        }))
    }

    /// An app page is about to start (a window built or woken): a pending end is called off, and
    /// one under way is waited for (bounded), so the page's web process meets a new network
    /// process rather than one being killed. Blocks: never on the main thread.
    pub fn in_use(&self) {
        let mut state = self.lock();
        let deadline = std::time::Instant::now() + ENDING_WAIT;
        while state.ending {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                eprintln!("syncshell: the idle network processes were still being ended");
                break;
            }
            state = self
                .0
                .ended
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.generation += 1;
    }

    /// An app page went (its web process ended, or its window was destroyed): if no app page is
    /// open when the idle time has passed, and none was started in between, the apps' network
    /// processes are ended. Does not block (the main thread calls it).
    pub fn page_gone(&self) {
        let Some(idle) = self.0.idle else { return };
        let generation = {
            let mut state = self.lock();
            state.generation += 1;
            state.generation
        };
        let this = self.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(idle).await;
            this.end_if_still_idle(generation).await;
        });
    }

    async fn end_if_still_idle(&self, generation: u64) {
        let current = |state: &State| state.generation == generation && !state.ending;
        // Asked outside the lock: it looks at Tauri's windows, whose own lock is not ours.
        if !current(&self.lock()) || (self.0.any_page)() {
            return;
        }
        {
            let mut state = self.lock();
            // A page started while the windows were looked at: it keeps the processes.
            if !current(&state) {
                return;
            }
            state.ending = true;
        }
        if let Err(e) = super::network_process::end_serving(&self.0.apps_dir, Wait::Reaped).await {
            // Memory, not correctness: they stay until the next idle time.
            eprintln!("syncshell: the idle network processes were not all ended: {e}");
        }
        self.lock().ending = false;
        self.0.ended.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
