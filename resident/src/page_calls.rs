//! The page bridge's calls (an app page's SyncManager, PeriodicSyncManager, permission queries,
//! notifications, and the outcome of an event it relayed), as the window side forwards them.
//! Who calls is the window's label and the page's origin, read by the window side from the
//! webview (never from the page's message) and checked here against the app that owns the
//! window: a window that navigated elsewhere speaks for nobody.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use syncshell_core::store::apps;
use syncshell_core::store::StoreError;
use syncshell_core::sync::errors::SyncError;

use crate::label::WindowLabel;
use crate::notify::calls::NotifyCall;
use crate::notify::{Notifier, NotifyError};
use crate::sync::calls::Call as SyncCall;
use crate::sync::failure::EventFailure;
use crate::sync::SyncHost;

/// One call of a page.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "page_call", rename_all = "snake_case")]
pub enum PageCall {
    /// A background sync call.
    Sync {
        /// The call.
        call: SyncCall,
    },
    /// A notification call.
    Notify {
        /// The call.
        call: NotifyCall,
    },
    /// The outcome of dispatched event `id` (only the window it was sent to may report it).
    Outcome {
        /// The dispatch id.
        id: u64,
        /// Whether the app's handler settled.
        ok: bool,
        /// Its error, when not.
        error: Option<String>,
    },
}

/// Why a page's call failed.
#[derive(Debug, thiserror::Error)]
pub enum PageCallError {
    /// The sync rules refused the call.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The calling page is not on the origin of the app that owns its window.
    #[error("this page is not on its app's origin")]
    ForeignOrigin,
    /// The store could not be read.
    #[error("cannot read the store: {0}")]
    Storage(#[from] StoreError),
    /// A notification call failed.
    #[error(transparent)]
    Notify(#[from] NotifyError),
    /// The blocking task carrying the call did not finish.
    #[error("the host could not carry out the call: {0}")]
    Task(String),
}

impl PageCallError {
    /// The DOMException name (or `TypeError`) the bridge rejects with.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sync(e) => e.name(),
            Self::ForeignOrigin => "SecurityError",
            Self::Storage(_) | Self::Task(_) => "UnknownError",
            Self::Notify(e) => e.name(),
        }
    }

    /// The message the bridge rejects with.
    pub fn message(&self) -> String {
        match self {
            Self::Sync(e) => e.message(),
            other => other.to_string(),
        }
    }
}

/// A failed call as it crosses back: the bridge builds `new DOMException(message, name)` from
/// it without parsing a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct PageFailure {
    /// The DOMException name (or `TypeError`).
    pub name: String,
    /// The message.
    pub message: String,
}

impl From<PageCallError> for PageFailure {
    fn from(e: PageCallError) -> Self {
        Self {
            name: e.name().to_owned(),
            message: e.message(),
        }
    }
}

/// Answers pages' calls over the sync state and the notifier.
#[derive(Clone)]
pub struct PageCalls {
    sync: Arc<SyncHost>,
    notifier: Arc<Notifier>,
}

impl PageCalls {
    /// Calls answered by `sync` and `notifier`.
    pub fn new(sync: Arc<SyncHost>, notifier: Arc<Notifier>) -> Self {
        Self { sync, notifier }
    }

    /// Carries out `call` from the page showing `origin` in window `label`; its answer as the
    /// JavaScript value it resolves to.
    pub async fn answer(
        &self,
        label: WindowLabel,
        origin: String,
        call: PageCall,
    ) -> Result<Value, PageFailure> {
        Ok(self.carry_out(label, origin, call).await?)
    }

    async fn carry_out(
        &self,
        label: WindowLabel,
        origin: String,
        call: PageCall,
    ) -> Result<Value, PageCallError> {
        let sync = self.sync.clone();
        let (checked, owner) = (origin.clone(), label.clone());
        // Store reads: on the blocking pool.
        let app_id = tokio::task::spawn_blocking(move || own_app(&sync, &owner, &checked))
            .await
            .map_err(|e| PageCallError::Task(e.to_string()))??;
        let value = match call {
            PageCall::Sync { call } => {
                let sync = self.sync.clone();
                let answer = tokio::task::spawn_blocking(move || sync.call(&origin, call))
                    .await
                    .map_err(|e| PageCallError::Task(e.to_string()))??;
                serde_json::to_value(answer)
            }
            PageCall::Notify { call } => {
                let answer = self.notifier.call(&origin, Some(&app_id), call).await?;
                serde_json::to_value(answer)
            }
            PageCall::Outcome { id, ok, error } => {
                let outcome = if ok {
                    Ok(())
                } else {
                    Err(EventFailure::Reported(
                        error.unwrap_or_else(|| "the event failed".into()),
                    ))
                };
                self.sync.in_flight.deliver(&label, id, outcome);
                Ok(Value::Null)
            }
        };
        value.map_err(|e| PageCallError::Task(e.to_string()))
    }
}

/// The id of the app that owns window `label`, if the page's `origin` is that app's.
fn own_app(sync: &SyncHost, label: &WindowLabel, origin: &str) -> Result<String, PageCallError> {
    let app = apps::get(sync.ctx.store().conn(), label.app_id()).map_err(StoreError::from)?;
    match app {
        Some(app) if app.origin == origin => Ok(app.id),
        _ => Err(PageCallError::ForeignOrigin),
    }
}

#[cfg(test)]
mod tests {
    use syncshell_core::sync::parameters::Parameters;

    use super::*;
    use crate::context::Context;
    use crate::sync::test_double::{app, sync_host, NoWindows};

    fn calls(dir: &std::path::Path) -> PageCalls {
        let sync = sync_host(dir, Parameters::default(), &[&app("notes")]);
        let ctx: Arc<Context> = sync.ctx.clone();
        let (notifier, _) = Notifier::new(ctx, Arc::new(NoWindows), Arc::new(|| {}));
        PageCalls::new(sync, Arc::new(notifier))
    }

    fn sync_call(json: Value) -> PageCall {
        PageCall::Sync {
            call: serde_json::from_value(json).unwrap(),
        }
    }

    #[tokio::test]
    async fn a_page_speaks_for_its_own_app_s_origin_only() {
        let dir = tempfile::tempdir().unwrap();
        let calls = calls(dir.path());
        let window = WindowLabel::App("notes".into());
        let tags = serde_json::json!({ "cmd": "sync_get_tags", "args": { "scope": "http://notes.test:8000/" } });
        let answered = calls
            .answer(
                window.clone(),
                "http://notes.test:8000".into(),
                sync_call(tags.clone()),
            )
            .await;
        assert_eq!(answered, Ok(serde_json::json!([])));
        // The same window showing another origin (it navigated away).
        let answered = calls
            .answer(
                window,
                "http://evil.test:8000".into(),
                sync_call(tags.clone()),
            )
            .await;
        assert_eq!(
            answered,
            Err(PageFailure {
                name: "SecurityError".into(),
                message: "this page is not on its app's origin".into()
            })
        );
        // A window of an app that is not installed.
        let answered = calls
            .answer(
                WindowLabel::Hidden("gone".into()),
                "http://notes.test:8000".into(),
                sync_call(tags),
            )
            .await;
        assert_eq!(answered.unwrap_err().name, "SecurityError");
    }

    #[tokio::test]
    async fn the_rules_refusals_cross_as_dom_exception_names() {
        let dir = tempfile::tempdir().unwrap();
        let calls = calls(dir.path());
        // Another origin's scope is refused, by name.
        let foreign = serde_json::json!({ "cmd": "sync_get_tags", "args": { "scope": "http://other.test:8000/" } });
        let failure = calls
            .answer(
                WindowLabel::App("notes".into()),
                "http://notes.test:8000".into(),
                sync_call(foreign),
            )
            .await
            .unwrap_err();
        assert_eq!(failure.name, SyncError::WrongOrigin.name());
        assert_eq!(failure.message, SyncError::WrongOrigin.message());
    }

    #[tokio::test]
    async fn an_outcome_counts_from_the_window_the_event_went_to_only() {
        let dir = tempfile::tempdir().unwrap();
        let calls = calls(dir.path());
        let hidden = WindowLabel::Hidden("notes".into());
        let (id, outcome) = calls.sync.in_flight.expect(&hidden);
        let report = |ok| PageCall::Outcome {
            id,
            ok,
            error: Some("offline".into()),
        };
        // The app's visible window reports it: ignored.
        let visible = WindowLabel::App("notes".into());
        let origin = "http://notes.test:8000".to_owned();
        calls
            .answer(visible, origin.clone(), report(true))
            .await
            .unwrap();
        calls.answer(hidden, origin, report(false)).await.unwrap();
        assert_eq!(
            outcome.await.unwrap(),
            Err(EventFailure::Reported("offline".into()))
        );
    }
}
