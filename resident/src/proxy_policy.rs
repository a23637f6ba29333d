//! What the proxy asks the host: which origins get the worker shim (installed ones, each with its
//! own token), and the answers on the reserved path (`api` for worker calls, `dispatch` for the
//! hidden window's page).
//!
//! The proxy asks about every request's origin, installed or not, so the answer is cached for
//! every origin it was asked about, and the host invalidates an origin when an app on it is
//! installed or uninstalled.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use serde_json::json;
use syncshell_core::store::{apps, origin_tokens, StoreError};
use syncshell_proxy::{Policy, ReservedRequest, Shim, RESERVED_PREFIX};

use crate::notify::calls::NotifyCall;
use crate::notify::Notifier;
use crate::sync::bridge::WORKER_SHIM;
use crate::sync::calls::Call;
use crate::sync::SyncHost;

/// The tiny page hidden dispatch windows load: the page bridge (an init script) is all it needs,
/// so the app itself does not boot.
const DISPATCH_PAGE: &str =
    "<!doctype html><meta charset=utf-8><title>syncshell background dispatch</title>";

/// Origins remembered as "not installed" before the whole negative part is dropped: apps talk to
/// any number of other origins (APIs, CDNs, trackers), and each is one small entry.
const MAX_NOT_INSTALLED: usize = 4096;

/// The host's answers to the proxy.
pub struct HostPolicy {
    sync: Arc<SyncHost>,
    /// Every origin asked about: its shim if an app is installed on it, else `None`.
    shims: Mutex<HashMap<String, Option<Arc<Shim>>>>,
    /// Bumped by every invalidation. A store read that began before an invalidation may have
    /// seen the old state, so its answer is used but not cached.
    generation: AtomicU64,
    /// Answers workers' notification calls; set once the windows it needs exist (the proxy
    /// starts before any window, so before the notifier).
    notifier: OnceLock<Arc<Notifier>>,
}

impl HostPolicy {
    /// A policy over the host's sync state.
    pub fn new(sync: Arc<SyncHost>) -> Self {
        Self {
            sync,
            shims: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            notifier: OnceLock::new(),
        }
    }

    /// From now on, workers' notification calls go to `notifier`.
    pub fn serve_notifications(&self, notifier: Arc<Notifier>) {
        let _ = self.notifier.set(notifier);
    }

    /// Forgets what is cached about `origin`: an app on it was installed or uninstalled.
    pub fn invalidate(&self, origin: &str) {
        let mut cache = self.cache();
        self.generation.fetch_add(1, Ordering::SeqCst);
        cache.remove(origin);
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<Arc<Shim>>>> {
        self.shims.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The shim for `origin` from the store (`None` when no app is installed on it).
    fn load_shim(&self, origin: &str) -> Result<Option<Arc<Shim>>, StoreError> {
        if apps::count_for_origin(self.sync.ctx.store().conn(), origin)? == 0 {
            return Ok(None);
        }
        let token = token(&self.sync, origin)?;
        let config = json!({ "token": token, "base": RESERVED_PREFIX });
        Ok(Some(Arc::new(Shim::new(format!(
            "self.__syncshellConfig = {config};\n{WORKER_SHIM}"
        )))))
    }
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(value.to_string())));
    *r.status_mut() = status;
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A reserved-path error in the shape the worker shim reads: `{ok: false, error: {name, message}}`.
fn error_response(status: StatusCode, name: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        json!({ "ok": false, "error": { "name": name, "message": message } }),
    )
}

impl Policy for HostPolicy {
    fn shim(&self, origin: &str) -> Option<Arc<Shim>> {
        if let Some(cached) = self.cache().get(origin) {
            return cached.clone();
        }
        let generation = self.generation.load(Ordering::SeqCst);
        // A store error is not cached: the next request asks again.
        let shim = match self.load_shim(origin) {
            Ok(shim) => shim,
            Err(e) => {
                eprintln!("syncshell: proxy: cannot read the store for {origin}: {e}");
                return None;
            }
        };
        let mut cache = self.cache();
        // Checked under the cache's lock, which `invalidate` also holds while it bumps.
        if self.generation.load(Ordering::SeqCst) == generation {
            if shim.is_none() && cache.len() >= MAX_NOT_INSTALLED {
                cache.retain(|_, shim| shim.is_some());
            }
            cache.insert(origin.to_owned(), shim.clone());
        }
        shim
    }

    fn reserved(
        &self,
        request: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>> {
        let path = request.path_and_query.split('?').next().unwrap_or("");
        let route = path.get(RESERVED_PREFIX.len()..).unwrap_or("");
        match (&request.method, route) {
            (&Method::GET, "dispatch") => {
                let mut r = Response::new(Full::new(Bytes::from_static(DISPATCH_PAGE.as_bytes())));
                r.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                Box::pin(async move { r })
            }
            (&Method::POST, "api") => {
                let sync = self.sync.clone();
                let notifier = self.notifier.get().cloned();
                Box::pin(async move {
                    if let Some(notifier) = notifier.filter(|_| is_notify_call(&request.body)) {
                        return notify_api(sync, &notifier, request).await;
                    }
                    // The store work leaves the proxy's async workers for the blocking pool.
                    tokio::task::spawn_blocking(move || api(&sync, &request))
                        .await
                        .unwrap_or_else(|e| {
                            error_response(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                "UnknownError",
                                &e.to_string(),
                            )
                        })
                })
            }
            _ => {
                let r = error_response(
                    StatusCode::NOT_FOUND,
                    "NotFoundError",
                    "no such syncshell path",
                );
                Box::pin(async move { r })
            }
        }
    }
}

/// Whether a worker call's body is a notification call (`{cmd, args}` with a notification `cmd`).
fn is_notify_call(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Cmd {
        cmd: String,
    }
    serde_json::from_slice::<Cmd>(body).is_ok_and(|c| NotifyCall::is_one(&c.cmd))
}

/// Whether a worker call carries its origin's token: without it, no page or worker of another
/// origin can act for it. Reads the store.
fn token_matches(sync: &SyncHost, request: &ReservedRequest) -> bool {
    let given = request
        .headers
        .get("x-syncshell-token")
        .and_then(|v| v.to_str().ok());
    let expected = token(sync, &request.origin).ok();
    given.is_some() && given == expected.as_deref()
}

fn forbidden() -> Response<Full<Bytes>> {
    error_response(
        StatusCode::FORBIDDEN,
        "SecurityError",
        "not allowed for this origin",
    )
}

/// A worker's notification call: the same token check as [`api`], then the notifier (which may
/// wait on the desktop's notification server, within its time limit).
async fn notify_api(
    sync: Arc<SyncHost>,
    notifier: &Notifier,
    request: ReservedRequest,
) -> Response<Full<Bytes>> {
    // The token is read from the store: on the blocking pool.
    let asked = request.clone();
    let allowed = tokio::task::spawn_blocking(move || token_matches(&sync, &asked))
        .await
        .unwrap_or(false);
    if !allowed {
        return forbidden();
    }
    let call: NotifyCall = match serde_json::from_slice(&request.body) {
        Ok(c) => c,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, "TypeError", &e.to_string()),
    };
    match notifier.call(&request.origin, None, call).await {
        Ok(value) => json_response(StatusCode::OK, json!({ "ok": true, "value": value })),
        Err(e) => error_response(StatusCode::OK, e.name(), &e.to_string()),
    }
}

/// The origin's shim token (made on first use).
fn token(sync: &SyncHost, origin: &str) -> Result<String, StoreError> {
    Ok(origin_tokens::get_or_create(
        sync.ctx.store().conn(),
        origin,
    )?)
}

/// A worker-side sync call: accepted only with this origin's token.
fn api(sync: &SyncHost, request: &ReservedRequest) -> Response<Full<Bytes>> {
    if !token_matches(sync, request) {
        return forbidden();
    }
    let call: Call = match serde_json::from_slice(&request.body) {
        Ok(c) => c,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, "TypeError", &e.to_string()),
    };
    match sync.call(&request.origin, call) {
        Ok(value) => json_response(StatusCode::OK, json!({ "ok": true, "value": value })),
        Err(e) => error_response(StatusCode::OK, e.name(), &e.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::test_double::{app, sync_host};
    use http_body_util::BodyExt;
    use syncshell_core::store::apps as stored_apps;
    use syncshell_core::sync::parameters::Parameters;

    fn request(origin: &str, token: Option<&str>, body: serde_json::Value) -> ReservedRequest {
        let mut headers = hyper::HeaderMap::new();
        if let Some(token) = token {
            headers.insert("x-syncshell-token", token.parse().unwrap());
        }
        ReservedRequest {
            origin: origin.into(),
            method: Method::POST,
            path_and_query: format!("{RESERVED_PREFIX}api"),
            headers,
            body: Bytes::from(body.to_string()),
        }
    }

    async fn answer(
        policy: &HostPolicy,
        request: ReservedRequest,
    ) -> (StatusCode, serde_json::Value) {
        let response = policy.reserved(request).await;
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn the_installed_answer_is_cached_until_the_origin_is_invalidated() {
        let dir = tempfile::tempdir().unwrap();
        let notes = app("notes");
        let sync = sync_host(dir.path(), Parameters::default(), &[]);
        let policy = HostPolicy::new(sync.clone());
        assert!(policy.shim(&notes.origin).is_none(), "not installed");
        stored_apps::upsert(sync.ctx.store().conn(), &notes).unwrap();
        assert!(
            policy.shim(&notes.origin).is_none(),
            "the store is not asked again until the host says the origin changed"
        );
        policy.invalidate(&notes.origin);
        assert!(policy.shim(&notes.origin).is_some(), "installed");
        stored_apps::delete(sync.ctx.store().conn(), &notes.id).unwrap();
        policy.invalidate(&notes.origin);
        assert!(policy.shim(&notes.origin).is_none(), "uninstalled");
    }

    #[tokio::test]
    async fn worker_calls_answer_values_and_errors_as_name_and_message() {
        let dir = tempfile::tempdir().unwrap();
        let notes = app("notes");
        let sync = sync_host(dir.path(), Parameters::default(), &[&notes]);
        let policy = HostPolicy::new(sync.clone());
        let token = token(&sync, &notes.origin).unwrap();
        let scope = notes.scope.to_string();

        let register = json!({"cmd": "sync_register", "args": {"scope": scope, "tag": "outbox"}});
        let (status, body) = answer(&policy, request(&notes.origin, Some(&token), register)).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"ok": true, "value": null}))
        );
        let tags = json!({"cmd": "sync_get_tags", "args": {"scope": scope}});
        let (_, body) = answer(&policy, request(&notes.origin, Some(&token), tags)).await;
        assert_eq!(body, json!({"ok": true, "value": ["outbox"]}));

        let forged = json!({"cmd": "sync_get_tags", "args": {"scope": scope}});
        let (status, body) = answer(&policy, request(&notes.origin, Some("guess"), forged)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["name"], "SecurityError");

        let elsewhere = json!({"cmd": "sync_get_tags", "args": {"scope": "http://other.test/"}});
        let (_, body) = answer(&policy, request(&notes.origin, Some(&token), elsewhere)).await;
        assert_eq!(body["ok"], false);
        assert_eq!(body["error"]["name"], "SecurityError");

        let negative = json!({"cmd": "periodic_register",
            "args": {"scope": scope, "tag": "feed", "minInterval": -1}});
        let (_, body) = answer(&policy, request(&notes.origin, Some(&token), negative)).await;
        assert_eq!(body["error"]["name"], "TypeError");

        let (status, body) = answer(
            &policy,
            request(&notes.origin, Some(&token), json!("nonsense")),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["name"], "TypeError");
    }

    #[tokio::test]
    async fn an_origin_whose_app_is_gone_is_told_background_sync_is_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let notes = app("notes");
        let sync = sync_host(dir.path(), Parameters::default(), &[&notes]);
        let policy = HostPolicy::new(sync.clone());
        let token = token(&sync, &notes.origin).unwrap();
        stored_apps::delete(sync.ctx.store().conn(), &notes.id).unwrap();
        let register =
            json!({"cmd": "sync_register", "args": {"scope": notes.scope.to_string(), "tag": "t"}});
        let (_, body) = answer(&policy, request(&notes.origin, Some(&token), register)).await;
        assert_eq!(
            body["error"],
            json!({"name": "UnknownError", "message": "Background Sync is disabled."})
        );
    }
}
