//! An app's WebKit network process ended once the app has had no page for a while
//! (`network_process_idle`, 1 min by default).
//!
//! Each app has a WebKit context of its own, so a network process of its own (about 20 MiB PSS),
//! and WebKitGTK keeps it for the host's life even when no page of the app is left (Tauri keeps
//! the context on Linux for that reason: tauri-apps/tauri#14626). A host in the tray for a day
//! with 20 apps used once would hold 20 of them for nothing. So when an app's last page goes
//! (its windows parked and their web processes ended, or destroyed), a timer starts; if no page
//! of the app was opened or woken by the time it fires, the app's network process is ended
//! (`network_process.rs`) and WebKit starts a new one with the app's next page, reading the
//! same data directory.
//!
//! Why waiting is safe for the app's data: WebKit's network process writes an app's data for
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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::network_process::Wait;

/// Whether any page of the app with this id is open (a window not parked).
pub type HasPage = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// The WebKit data directory of the app with this id.
pub type DataDir = Arc<dyn Fn(&str) -> PathBuf + Send + Sync>;

/// How long opening a page waits for the app's network process being ended at that moment (its
/// kill and WebKit noticing: milliseconds; bounded by the kill's own wait).
const ENDING_WAIT: Duration = Duration::from_secs(5);

/// Ends apps' network processes after their last page went (see the module's doc). Cheap to
/// clone: clones share the state.
#[derive(Clone)]
pub struct IdleNetwork(Arc<Inner>);

struct Inner {
    /// `None`: never end them (WebDriver; see the module's doc).
    idle: Option<Duration>,
    has_page: HasPage,
    data_dir: DataDir,
    apps: Mutex<HashMap<String, AppState>>,
    /// Notified when an app's network process has been ended.
    ended: Condvar,
}

/// One app's count of page starts and idle starts (a timer acts only if nothing happened since
/// it was set), and whether its network process is being ended right now.
#[derive(Default)]
struct AppState {
    generation: u64,
    ending: bool,
}

impl IdleNetwork {
    /// Ends an app's network process `idle` after its last page went (`None`: never), asking
    /// `has_page` whether a page came back and `data_dir` where the app's data is.
    pub fn new(idle: Option<Duration>, has_page: HasPage, data_dir: DataDir) -> Self {
        Self(Arc::new(Inner {
            idle,
            has_page,
            data_dir,
            apps: Mutex::default(),
            ended: Condvar::new(),
        }))
    }

    /// A page of `app_id` is about to start (a window built or woken): a pending end is called
    /// off, and one under way is waited for (bounded), so the page's web process meets a new
    /// network process rather than one being killed. Blocks: never on the main thread.
    pub fn in_use(&self, app_id: &str) {
        let mut apps = self.lock();
        let deadline = std::time::Instant::now() + ENDING_WAIT;
        while apps.get(app_id).is_some_and(|a| a.ending) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                eprintln!("syncshell: {app_id}: its network process was still being ended");
                break;
            }
            apps = self
                .0
                .ended
                .wait_timeout(apps, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        apps.entry(app_id.to_owned()).or_default().generation += 1;
    }

    /// A page of `app_id` went (its web process ended, or its window was destroyed): if none of
    /// the app's pages is open when the idle time has passed, and none was started in between,
    /// the app's network process is ended. Does not block (the main thread calls it).
    pub fn page_gone(&self, app_id: &str) {
        let Some(idle) = self.0.idle else { return };
        let generation = {
            let mut apps = self.lock();
            let state = apps.entry(app_id.to_owned()).or_default();
            state.generation += 1;
            state.generation
        };
        let (this, app_id) = (self.clone(), app_id.to_owned());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(idle).await;
            this.end_if_still_idle(&app_id, generation).await;
        });
    }

    async fn end_if_still_idle(&self, app_id: &str, generation: u64) {
        let current = |apps: &HashMap<String, AppState>| {
            apps.get(app_id)
                .is_some_and(|s| s.generation == generation && !s.ending)
        };
        // Asked outside the lock: it looks at Tauri's windows, whose own lock is not ours.
        if !current(&self.lock()) || (self.0.has_page)(app_id) {
            return;
        }
        {
            let mut apps = self.lock();
            // A page started while the windows were looked at: it keeps the process.
            if !current(&apps) {
                return;
            }
            if let Some(state) = apps.get_mut(app_id) {
                state.ending = true;
            }
        }
        let data_dir = (self.0.data_dir)(app_id);
        if let Err(e) = super::network_process::end_serving(&data_dir, Wait::Reaped).await {
            // Memory, not correctness: the process stays until the app's next idle time.
            eprintln!("syncshell: {app_id}: its idle network process was not ended: {e}");
        }
        if let Some(state) = self.lock().get_mut(app_id) {
            state.ending = false;
        }
        self.0.ended.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, AppState>> {
        self.0.apps.lock().unwrap_or_else(|e| e.into_inner())
    }
}
