//! What the proxy asks the host: which origins get the worker shim (installed ones, each with its
//! own token), and the answers on the reserved path (`api` for worker calls, `dispatch` for the
//! hidden window's page).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response, StatusCode};
use serde_json::json;
use syncshell_core::store::{apps, origin_tokens};
use syncshell_proxy::{Policy, ReservedRequest, Shim, RESERVED_PREFIX};

use super::calls::Call;
use super::{SyncHost, WORKER_SHIM};

/// The tiny page hidden dispatch windows load: the page bridge (an init script) is all it needs,
/// so the app itself does not boot.
const DISPATCH_PAGE: &str =
    "<!doctype html><meta charset=utf-8><title>syncshell background dispatch</title>";

/// The host's answers to the proxy.
pub struct HostPolicy {
    sync: Arc<SyncHost>,
    shims: Mutex<HashMap<String, Arc<Shim>>>,
}

impl HostPolicy {
    /// A policy over the host's sync state.
    pub fn new(sync: Arc<SyncHost>) -> Self {
        Self {
            sync,
            shims: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets the cached shim of an origin (its last app was uninstalled).
    pub fn forget(&self, origin: &str) {
        self.shims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(origin);
    }

    fn token(&self, origin: &str) -> Option<String> {
        origin_tokens::get_or_create(self.sync.ctx.store().conn(), origin).ok()
    }
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(value.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    r.headers_mut()
        .insert(hyper::header::CACHE_CONTROL, "no-store".parse().unwrap());
    r
}

impl Policy for HostPolicy {
    fn shim(&self, origin: &str) -> Option<Arc<Shim>> {
        if let Some(shim) = self
            .shims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(origin)
        {
            return Some(shim.clone());
        }
        let installed = apps::count_for_origin(self.sync.ctx.store().conn(), origin).ok()? > 0;
        if !installed {
            return None;
        }
        let token = self.token(origin)?;
        let config = json!({ "token": token, "base": RESERVED_PREFIX });
        let shim = Arc::new(Shim::new(format!(
            "self.__syncshellConfig = {config};\n{WORKER_SHIM}"
        )));
        self.shims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(origin.to_owned(), shim.clone());
        Some(shim)
    }

    fn reserved(
        &self,
        request: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>> {
        let path = request.path_and_query.split('?').next().unwrap_or("");
        let response = match (
            &request.method,
            &path[RESERVED_PREFIX.len().min(path.len())..],
        ) {
            (&Method::GET, "dispatch") => {
                let mut r = Response::new(Full::new(Bytes::from_static(DISPATCH_PAGE.as_bytes())));
                r.headers_mut().insert(
                    hyper::header::CONTENT_TYPE,
                    "text/html; charset=utf-8".parse().unwrap(),
                );
                r
            }
            (&Method::POST, "api") => self.api(&request),
            _ => json_response(
                StatusCode::NOT_FOUND,
                json!({ "ok": false, "error": "NotFoundError: no such syncshell path" }),
            ),
        };
        Box::pin(async move { response })
    }
}

impl HostPolicy {
    /// A worker-side call: accepted only with this origin's token, so no page or worker of
    /// another origin can act for it.
    fn api(&self, request: &ReservedRequest) -> Response<Full<Bytes>> {
        let given = request
            .headers
            .get("x-syncshell-token")
            .and_then(|v| v.to_str().ok());
        let expected = self.token(&request.origin);
        if given.is_none() || given != expected.as_deref() {
            let error = "SecurityError: not allowed for this origin";
            return json_response(
                StatusCode::FORBIDDEN,
                json!({ "ok": false, "error": error }),
            );
        }
        let call: Call = match serde_json::from_slice(&request.body) {
            Ok(c) => c,
            Err(e) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({ "ok": false, "error": format!("TypeError: {e}") }),
                )
            }
        };
        match self.sync.call(&request.origin, call) {
            Ok(value) => json_response(StatusCode::OK, json!({ "ok": true, "value": value })),
            Err(error) => json_response(StatusCode::OK, json!({ "ok": false, "error": error })),
        }
    }
}
