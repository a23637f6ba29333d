//! The store's change feed: every row the host writes (for the CLI, the tray, the panel, the
//! scheduler) marks its table; marks made close together go out as one [`Changes`] to every
//! view that subscribed. Views re-read what they show; nothing polls.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use syncshell_core::store::changes::Changes;
use tokio::sync::{broadcast, Notify};

use crate::context::Context;

/// How long marks gather before they go out: a burst of writes (an install, a scheduler pass)
/// becomes one change, well within the second a view has to follow it.
const GATHER: Duration = Duration::from_millis(50);

/// The feed.
pub struct ChangeFeed {
    sender: broadcast::Sender<Changes>,
}

impl ChangeFeed {
    /// Watches `ctx`'s store from now on; the gathering runs on the async runtime.
    pub fn start(ctx: &Context) -> Arc<Self> {
        let (sender, _) = broadcast::channel(64);
        let marks = Arc::new(AtomicU32::new(0));
        let wake = Arc::new(Notify::new());
        let (marked, woken) = (marks.clone(), wake.clone());
        // Runs inside each write, with the store locked: it only sets a bit.
        ctx.store().on_change(move |table| {
            marked.fetch_or(Changes::default().with(table).bits(), Ordering::Relaxed);
            woken.notify_one();
        });
        let feed = Arc::new(Self { sender });
        let out = feed.sender.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                wake.notified().await;
                tokio::time::sleep(GATHER).await;
                let changes = Changes::from_bits(marks.swap(0, Ordering::Relaxed));
                if !changes.is_empty() {
                    // No subscriber is no error: nobody is looking.
                    let _ = out.send(changes);
                }
            }
        });
        feed
    }

    /// A receiver of the changes from now on. One that falls behind gets `Lagged`: it should
    /// re-read everything.
    pub fn subscribe(&self) -> broadcast::Receiver<Changes> {
        self.sender.subscribe()
    }
}
