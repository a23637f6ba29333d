//! TLS termination for installed https origins: the browser's `CONNECT` is answered with a
//! leaf from the local CA, and the requests read inside are routed like plain ones (worker
//! shim, reserved path, upgrades), each forwarded to the real server over verified TLS.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use crate::body::{empty, text};
use crate::routing::route;
use crate::{ca, Body, Shared};

/// Terminates the browser's TLS with `leaf` and serves the decrypted requests like plain ones
/// (worker shim, reserved path, upgrades), each forwarded to the real server over verified TLS.
pub(crate) fn intercept(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    origin: String,
    leaf: Arc<ca::Leaf>,
) -> Response<Body> {
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(leaf.server_config.clone());
        let Ok(tls) = acceptor.accept(TokioIo::new(upgraded)).await else {
            return;
        };
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let (shared, origin) = (shared.clone(), origin.clone());
            async move {
                let Some(req) = absolute(req, &origin) else {
                    return Ok::<_, Infallible>(text(
                        StatusCode::BAD_REQUEST,
                        "syncshell proxy: bad request target\n".into(),
                    ));
                };
                Ok(route(&shared, origin, req).await)
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .preserve_header_case(true)
            .serve_connection(TokioIo::new(tls), service)
            .with_upgrades()
            .await;
    });
    Response::new(empty())
}

/// Gives a request read inside an intercepted connection (origin form) its absolute URI.
fn absolute(req: Request<Incoming>, origin: &str) -> Option<Request<Incoming>> {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = format!("{origin}{path}").parse().ok()?;
    Some(Request::from_parts(parts, body))
}
