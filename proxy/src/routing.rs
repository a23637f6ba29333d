//! Which path each request takes: a `CONNECT` is intercepted or tunnelled; a request to an
//! installed origin's reserved path is answered by the host; upgrades, service worker scripts
//! and everything else go to their own forwarders. The host's [`Policy`](crate::Policy) is
//! asked here, and only here.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::SystemTime;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header;
use hyper::{Method, Request, Response, StatusCode};

use crate::body::text;
use crate::forward::forward;
use crate::intercept::intercept;
use crate::tunnel::tunnel;
use crate::upgrade::upgrade;
use crate::worker_script::forward_worker_script;
use crate::{origin_of, Body, Policy, ReservedRequest, Shared, RESERVED_PREFIX};

/// Largest request body the host is handed on the reserved path.
const MAX_RESERVED_BODY: usize = 1024 * 1024;

/// One request as the browser sent it to the proxy: `CONNECT`, or an absolute `http://` URL.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    if req.method() == Method::CONNECT {
        return Ok(connect(shared, req).await);
    }
    let uri = req.uri().clone();
    let (Some("http"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Ok(text(
            StatusCode::BAD_REQUEST,
            "syncshell proxy: expected an absolute http:// URL\n".into(),
        ));
    };
    let origin = origin_of("http", authority.host(), authority.port_u16().unwrap_or(80));
    Ok(route(&shared, origin, req).await)
}

/// One request, in absolute form, to `origin` (plain or decrypted here).
pub(crate) async fn route(
    shared: &Shared,
    origin: String,
    req: Request<Incoming>,
) -> Response<Body> {
    let shim = shared.policy.shim(&origin);
    if shim.is_some() && req.uri().path().starts_with(RESERVED_PREFIX) {
        return reserved(shared.policy.clone(), origin, req).await;
    }
    if req.headers().contains_key(header::UPGRADE) {
        return upgrade(&shared.upstream, req).await;
    }
    let is_worker_script = req
        .headers()
        .get("service-worker")
        .is_some_and(|v| v.as_bytes() == b"script");
    match (shim, is_worker_script) {
        (Some(shim), true) => forward_worker_script(&shared.upstream, req, &shim).await,
        _ => forward(&shared.upstream, req).await,
    }
}

/// Hands a reserved-path request, fully read, to the host and returns its answer.
async fn reserved(
    policy: Arc<dyn Policy>,
    origin: String,
    req: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_RESERVED_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "syncshell proxy: request too large\n".into(),
            )
        }
    };
    let request = ReservedRequest {
        origin,
        method: parts.method,
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned(),
        headers: parts.headers,
        body,
    };
    policy
        .reserved(request)
        .await
        .map(|b| b.map_err(|never| match never {}).boxed())
}

/// `CONNECT host:port`: intercepted when it is an installed https origin and a CA is set up,
/// else a blind tunnel.
async fn connect(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let Some(authority) = req.uri().authority().cloned() else {
        return text(
            StatusCode::BAD_REQUEST,
            "syncshell proxy: CONNECT needs host:port\n".into(),
        );
    };
    let port = authority.port_u16().unwrap_or(443);
    let origin = origin_of("https", authority.host(), port);
    if let Some(ca) = shared.authority.clone() {
        if shared.policy.shim(&origin).is_some() {
            // The certificate names the bare host: no brackets around an IPv6 address.
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            return match ca.leaf(host, SystemTime::now()) {
                Ok(leaf) => intercept(shared, req, origin, leaf),
                Err(e) => text(
                    StatusCode::BAD_GATEWAY,
                    format!("syncshell proxy: no certificate for {host}: {e}\n"),
                ),
            };
        }
    }
    tunnel(req, authority.as_str()).await
}
