//! What every command runs against: paths, the store, the HTTP client, the clock.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use syncshell_core::clock::{Clock, SystemClock};
use syncshell_core::fetch::Fetcher;
use syncshell_core::paths::Paths;
use syncshell_core::store::Store;

/// Shared state of one syncshell process (host or one-shot command).
pub struct Context {
    /// Where files go.
    pub paths: Paths,
    /// The database. Held only for short, synchronous operations; never across an await.
    store: Mutex<Store>,
    /// HTTP client for installs.
    pub fetcher: Fetcher,
    /// Wall clock.
    pub clock: Arc<dyn Clock>,
    /// This executable, for launchers' `Exec=`.
    pub exe: PathBuf,
}

impl Context {
    /// Opens the store and prepares the client.
    pub fn open(paths: Paths) -> Result<Self, String> {
        let store = Store::open(&paths.database()).map_err(|e| e.to_string())?;
        let exe = std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .map_err(|e| format!("cannot locate the syncshell executable: {e}"))?;
        Ok(Self {
            paths,
            store: Mutex::new(store),
            fetcher: Fetcher::new()?,
            clock: Arc::new(SystemClock),
            exe,
        })
    }

    /// The store. A panic while it was held does not make later commands fail: SQLite's own
    /// transactions keep the file consistent.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}
