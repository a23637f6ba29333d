//! Firing one event: through the app's open window when there is one, else through a hidden
//! window of the app (same WebKit data, so the same service worker) on the reserved dispatch
//! page. The page bridge posts the event to the worker shim and reports the outcome over IPC.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use syncshell_core::store::apps::{self, App};
use syncshell_core::store::background_log::{self, LogEntry};
use syncshell_core::store::sync_registrations::{self as regs, Kind};
use syncshell_core::sync::rules::{self, Dispatch};
use tauri::{AppHandle, Manager};

use super::SyncHost;
use crate::windows;

/// Extra time, beyond the event's own limit, for the page to report back.
const REPORT_MARGIN: Duration = Duration::from_secs(10);
/// How long a hidden window gets to load its dispatch page.
const HIDDEN_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Fires `d` and records its outcome.
pub async fn dispatch(sync: Arc<SyncHost>, handle: AppHandle, d: Dispatch) {
    let outcome = fire(&sync, &handle, &d).await;
    let now = sync.ctx.clock.now_ms();
    let error = outcome.err();
    if let Err(e) = rules::finish(
        &mut sync.ctx.store(),
        &sync.params,
        now,
        &d.registration.key,
        error.as_deref(),
    ) {
        eprintln!(
            "syncshell: cannot record the outcome of {}: {e}",
            d.registration.key.tag
        );
    }
    sync.wake.notify_one();
}

fn app_for(sync: &SyncHost, d: &Dispatch) -> Result<App, String> {
    let all = apps::list(sync.ctx.store().conn()).map_err(|e| e.to_string())?;
    all.into_iter()
        .find(|a| a.origin == d.registration.origin)
        .ok_or_else(|| format!("no installed app for {}", d.registration.origin))
}

async fn fire(sync: &Arc<SyncHost>, handle: &AppHandle, d: &Dispatch) -> Result<(), String> {
    let app = app_for(sync, d)?;
    fire_event(sync, handle, &app, &Event::from(d)).await
}

async fn fire_event(
    sync: &Arc<SyncHost>,
    handle: &AppHandle,
    app: &App,
    event: &Event<'_>,
) -> Result<(), String> {
    if let Some(window) = handle.get_webview_window(&windows::label(&app.id)) {
        return deliver(sync, &window, event).await;
    }
    sync.hidden.begin(&app.id);
    let result = match open_hidden(sync, handle, app).await {
        Ok(window) => deliver(sync, &window, event).await,
        Err(e) => Err(e),
    };
    let generation = sync.hidden.end(&app.id);
    close_when_idle(sync.clone(), handle.clone(), app.id.clone(), generation);
    result
}

/// The app's hidden window, opened (and its dispatch page loaded) if it is not open yet.
async fn open_hidden(
    sync: &Arc<SyncHost>,
    handle: &AppHandle,
    app: &App,
) -> Result<tauri::WebviewWindow, String> {
    // Held until the page has loaded: a second event of the app waits here, then finds the
    // window ready.
    let _opening = sync.hidden.lock(&app.id).await;
    if let Some(window) = handle.get_webview_window(&windows::hidden_label(&app.id)) {
        return Ok(window);
    }
    // At most `max_hidden_webviews` hidden windows at once: wait for one to close when idle.
    sync.hidden.take_slot(&app.id).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (h, ctx, a) = (handle.clone(), sync.ctx.clone(), app.clone());
    let window =
        tauri::async_runtime::spawn_blocking(move || windows::open_hidden(&h, &ctx, &a, tx))
            .await
            .map_err(|e| e.to_string())??;
    match tokio::time::timeout(HIDDEN_LOAD_TIMEOUT, rx).await {
        Ok(Ok(())) => Ok(window),
        _ => {
            let _ = window.destroy();
            Err("the hidden dispatch page did not load".into())
        }
    }
}

/// Closes the app's hidden window, and frees its slot, if no event uses it for the idle time.
fn close_when_idle(sync: Arc<SyncHost>, handle: AppHandle, app_id: String, generation: u64) {
    let idle = Duration::from_millis(sync.params.hidden_webview_idle.max(0) as u64);
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(idle).await;
        let _closing = sync.hidden.lock(&app_id).await;
        if sync.hidden.idle_since(&app_id, generation) {
            if let Some(window) = handle.get_webview_window(&windows::hidden_label(&app_id)) {
                let _ = window.destroy();
            }
            sync.hidden.closed(&app_id);
        }
    });
}

/// One event to deliver to a worker.
struct Event<'a> {
    kind: Kind,
    tag: &'a str,
    last_chance: bool,
    scope: &'a str,
}

impl<'a> From<&'a Dispatch> for Event<'a> {
    fn from(d: &'a Dispatch) -> Self {
        let k = &d.registration.key;
        Self {
            kind: k.kind,
            tag: &k.tag,
            last_chance: d.last_chance,
            scope: &k.scope,
        }
    }
}

/// Fires an event at the app's worker now, with no registration behind it (DevTools' manual
/// dispatch). The outcome is logged and returned; nothing is retried.
pub async fn fire_manual(
    sync: &Arc<SyncHost>,
    handle: &AppHandle,
    app: &App,
    kind: Kind,
    tag: &str,
    last_chance: bool,
) -> Result<(), String> {
    // The registration's own scope when the tag is registered, else the app's scope.
    let registered = regs::list(sync.ctx.store().conn(), Some(&app.origin))
        .unwrap_or_default()
        .into_iter()
        .find(|r| r.key.kind == kind && r.key.tag == tag)
        .map(|r| r.key.scope);
    let scope = registered.unwrap_or_else(|| app.scope.to_string());
    let event = Event {
        kind,
        tag,
        last_chance,
        scope: &scope,
    };
    let log = |name: String, metadata: serde_json::Value| {
        let entry = LogEntry {
            at: sync.ctx.clock.now_ms(),
            origin: app.origin.clone(),
            scope: scope.clone(),
            service: kind,
            event: name,
            tag: tag.to_owned(),
            metadata,
        };
        let _ = background_log::record(sync.ctx.store().conn(), &entry);
    };
    log(
        format!("Dispatched {} event", kind.as_str()),
        json!({ "manual": true, "Last Chance": last_chance }),
    );
    let outcome = fire_event(sync, handle, app, &event).await;
    match &outcome {
        Ok(()) => log(
            format!("{} event completed", kind.as_str()),
            json!({ "manual": true }),
        ),
        Err(e) => log(
            format!("{} event failed", kind.as_str()),
            json!({ "manual": true, "Failure Reason": e }),
        ),
    }
    outcome
}

async fn deliver(
    sync: &SyncHost,
    window: &tauri::WebviewWindow,
    event: &Event<'_>,
) -> Result<(), String> {
    let (id, rx) = sync.expect_result(window.label());
    let message = json!({
        "id": id,
        "kind": event.kind.as_str(),
        "tag": event.tag,
        "lastChance": event.last_chance,
        "timeoutMs": sync.params.max_sync_event_duration,
        "scope": event.scope,
    });
    let script = format!(
        "(window.__syncshellDispatch ? window.__syncshellDispatch({message}) : \
         window.__TAURI_INTERNALS__.invoke('sync_result', {{id: {id}, ok: false, error: 'the page bridge is not loaded'}}))"
    );
    if let Err(e) = window.eval(&script) {
        sync.abandon(id);
        return Err(format!("cannot reach the app's page: {e}"));
    }
    let limit =
        Duration::from_millis(sync.params.max_sync_event_duration.max(0) as u64) + REPORT_MARGIN;
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err("the dispatch was abandoned".into()),
        Err(_) => {
            sync.abandon(id);
            Err("timed out".into())
        }
    }
}
