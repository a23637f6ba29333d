//! The store's change feed: every row the host writes (for the CLI, the tray, the panel, the
//! scheduler) marks its table, and a network change or an app window opening or closing marks
//! those; marks made close together go out as one [`Changed`] to every view that subscribed. Views re-read what they show; nothing
//! polls.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use syncshell_core::store::changes::Changes;
use tokio::sync::{broadcast, Notify};

use crate::context::Context;

/// How long marks gather before they go out: a burst of writes (an install, a scheduler pass)
/// becomes one change, well within the second a view has to follow it.
const GATHER: Duration = Duration::from_millis(50);

/// What changed: tables of the store, whether the network the host sees did, and whether an app
/// window opened or closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changed {
    /// The tables written.
    pub tables: Changes,
    /// The network (its state or the override) changed.
    pub network: bool,
    /// An app window opened or closed.
    pub windows: bool,
}

impl Changed {
    /// Everything, for a view that missed changes.
    pub fn everything() -> Self {
        Self {
            tables: Changes::all(),
            network: true,
            windows: true,
        }
    }
}

/// The marks of a network change and of an app window opening or closing, beside the tables' bits.
const NETWORK_BIT: u32 = 1 << 31;
const WINDOWS_BIT: u32 = 1 << 30;

/// The feed.
pub struct ChangeFeed {
    sender: broadcast::Sender<Changed>,
    marks: Arc<AtomicU32>,
    wake: Arc<Notify>,
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
        let feed = Arc::new(Self {
            sender,
            marks: marks.clone(),
            wake: wake.clone(),
        });
        let out = feed.sender.clone();
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                tokio::time::sleep(GATHER).await;
                let bits = marks.swap(0, Ordering::Relaxed);
                let changed = Changed {
                    tables: Changes::from_bits(bits),
                    network: bits & NETWORK_BIT != 0,
                    windows: bits & WINDOWS_BIT != 0,
                };
                if changed != Changed::default() {
                    // No subscriber is no error: nobody is looking.
                    let _ = out.send(changed);
                }
            }
        });
        feed
    }

    /// Marks a change of the network the host sees (not a store change).
    pub fn network_changed(&self) {
        self.mark(NETWORK_BIT);
    }

    /// Marks an app window opening or closing.
    pub fn windows_changed(&self) {
        self.mark(WINDOWS_BIT);
    }

    fn mark(&self, bit: u32) {
        self.marks.fetch_or(bit, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// A receiver of the changes from now on. One that falls behind gets `Lagged`: it should
    /// re-read everything.
    pub fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.sender.subscribe()
    }
}
