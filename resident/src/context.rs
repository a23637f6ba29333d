//! What every command runs against: paths, the store, the HTTP client, the clock.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use syncshell_core::clock::{Clock, SystemClock};
use syncshell_core::fetch::Fetcher;
use syncshell_core::paths::Paths;
use syncshell_core::store::Store;
use syncshell_core::sync::parameters::{ParameterError, Parameters};

/// The background sync parameters in force: the defaults, then the user's
/// `$XDG_CONFIG_HOME/syncshell/config.toml`, then `SYNCSHELL_*` environment variables. The host
/// and a one-shot `syncshell sync list` read them the same way.
pub fn load_parameters(paths: &Paths) -> Result<Parameters, ParameterError> {
    Parameters::load(&paths.config_dir.join("config.toml"), |k| {
        std::env::var(k).ok()
    })
}

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
    /// The `syncshell` command next to this executable, for launchers' `Exec=` (the small binary
    /// starts at once and hands over to this one only when no host runs).
    pub exe: PathBuf,
}

/// Why the context could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] syncshell_core::store::StoreError),
    /// The data directory could not be made, or made owner-only.
    #[error("cannot make the data directory {} owner-only: {source}", path.display())]
    DataDirectory {
        /// The data directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The running executable could not be found (launchers need its path).
    #[error("cannot locate the syncshell executable: {0}")]
    Executable(std::io::Error),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] syncshell_core::fetch::ClientError),
}

impl Context {
    /// Opens the store and prepares the client, on the system clock.
    pub fn open(paths: Paths) -> Result<Self, ContextError> {
        Self::open_with_clock(paths, Arc::new(SystemClock))
    }

    /// Opens the store and prepares the client, on `clock` (tests pass a fake one).
    pub fn open_with_clock(paths: Paths, clock: Arc<dyn Clock>) -> Result<Self, ContextError> {
        syncshell_core::paths::ensure_data_dir(&paths).map_err(|source| {
            ContextError::DataDirectory {
                path: paths.data_dir.clone(),
                source,
            }
        })?;
        let (store, set_aside) = Store::open_or_set_aside(&paths.database(), clock.now_ms())?;
        if let Some(aside) = set_aside {
            // Said every time it happens, to whoever started this (the host's log, the terminal).
            eprintln!(
                "syncshell: the database could not be read ({}); it was kept as {} and a new, \
                 empty one was made: install your apps again (their launchers and WebKit data are \
                 still there)",
                aside.reason,
                aside.kept_as.display()
            );
        }
        let exe = std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .map_err(ContextError::Executable)?
            .with_file_name(syncshell_cli::CLI_BINARY);
        Ok(Self {
            paths,
            store: Mutex::new(store),
            fetcher: Fetcher::new()?,
            clock,
            exe,
        })
    }

    /// The store. A panic while it was held does not make later commands fail: SQLite's own
    /// transactions keep the file consistent.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}
