//! Why a window could not be opened or set up.

/// A failure of the windows layer. The host shows it to the user (CLI, tray log); the dispatcher
/// records it as the reason an event failed.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    /// Tauri refused to build the window.
    #[error("cannot open {kind} for {app}: {source}")]
    Build {
        /// "a window" or "a background window" (the wording the log and CLI have always shown).
        kind: &'static str,
        /// The app's id.
        app: String,
        /// Tauri's error.
        source: tauri::Error,
    },
    /// The app's origin does not make a dispatch URL.
    #[error("no dispatch URL for {origin}: {source}")]
    BadUrl {
        /// The app's origin.
        origin: String,
        /// Why it does not parse.
        source: url::ParseError,
    },
    /// The page bridge could not be granted to the app's origin.
    #[error("cannot grant the sync bridge to {origin}: {source}")]
    Grant {
        /// The app's origin.
        origin: String,
        /// Tauri's error.
        source: tauri::Error,
    },
    /// The webview could not be reached to set it up (TLS trust, navigation or crash watch).
    #[error("cannot set up the window's webview ({what}): {source}")]
    Webview {
        /// What was being set up.
        what: &'static str,
        /// Tauri's error.
        source: tauri::Error,
    },
    /// The window was opened but its page did not load in time.
    #[error("the hidden dispatch page did not load")]
    NotLoaded,
    /// The blocking task that builds the window did not finish.
    #[error("opening the window failed: {0}")]
    Task(String),
    /// The app's window is not open (a prompt has nothing to attach to).
    #[error("the app's window is not open")]
    NotOpen,
    /// `/proc` could not be read to find the WebKit network process serving an app.
    #[error("cannot list the host's processes: {0}")]
    ListProcesses(#[from] procfs::ProcError),
    /// The WebKit network process serving an app refused to be ended.
    #[error("cannot end WebKit's network process {pid}: {source}")]
    EndProcess {
        /// Its process id.
        pid: i32,
        /// The system's error.
        source: rustix::io::Errno,
    },
    /// The WebKit network process serving an app was still running after it was killed.
    #[error("WebKit's network process {pid} did not end in time")]
    ProcessStillRunning {
        /// Its process id.
        pid: i32,
    },
}
