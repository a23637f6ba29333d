//! Why a fired event failed. Its text is the "Failure Reason" of the background-services log and
//! of `syncshell sync fire`, so the wording is part of what users and tests read.

/// A failed event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventFailure {
    /// The app's handler failed: what the worker shim reported (a rejected `waitUntil`, a throw).
    #[error("{0}")]
    Reported(String),
    /// No outcome within `max_sync_event_duration` (plus a margin for the report).
    #[error("timed out")]
    TimedOut,
    /// The window's web process died while the event was in it.
    #[error("{0}")]
    WebProcess(String),
    /// The page relaying the event went away before its outcome came back (the user closed or
    /// reloaded the app's window): the attempt does not count (`rules::cut_short`).
    #[error("{0}")]
    PageGone(String),
    /// The host stopped waiting for the outcome (its sender went away).
    #[error("the dispatch was abandoned")]
    Abandoned,
    /// The event could not be handed to the window's page.
    #[error("cannot reach the app's page: {0}")]
    Unreachable(String),
    /// No installed app has the registration's origin any more.
    #[error("no installed app for {0}")]
    NoApp(String),
    /// The store could not be read.
    #[error("cannot read the store: {0}")]
    Storage(String),
    /// A hidden window could not be opened or did not load.
    #[error("{0}")]
    Window(String),
}
