//! syncshell's local HTTP proxy. App webviews use it for everything. For installed origins it
//! puts the worker shim in front of service worker scripts and answers the reserved path
//! `/__syncshell__/` itself; all other traffic passes through untouched, and `CONNECT` is a blind
//! tunnel. No Tauri and no scheduling policy here: what is installed and what the reserved path
//! answers come from the host through [`Policy`].

pub mod inject;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};

pub use inject::Shim;

/// Paths under this prefix on an installed origin are answered by the host, never the server.
pub const RESERVED_PREFIX: &str = "/__syncshell__/";

/// Largest service worker script the proxy will rewrite (decoded).
pub const MAX_SCRIPT_BYTES: usize = 16 * 1024 * 1024;

/// A response body: either passed through from upstream or made here.
pub type Body = BoxBody<Bytes, hyper::Error>;

/// A request to a reserved path, fully read.
#[derive(Debug, Clone)]
pub struct ReservedRequest {
    /// `scheme://host:port` it was sent to.
    pub origin: String,
    /// Method.
    pub method: Method,
    /// Path and query.
    pub path_and_query: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (capped at 1 MiB).
    pub body: Bytes,
}

/// What the host decides for the proxy.
pub trait Policy: Send + Sync + 'static {
    /// The shim for `origin` (`scheme://host:port`) if it is an installed app's origin.
    fn shim(&self, origin: &str) -> Option<Arc<Shim>>;

    /// Answers a request to a reserved path of an installed origin.
    fn reserved(
        &self,
        request: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;
}

/// A running proxy.
#[derive(Debug, Clone, Copy)]
pub struct ProxyHandle {
    /// Where it listens (always loopback).
    pub addr: SocketAddr,
}

/// Starts the proxy on 127.0.0.1 (an ephemeral port) for the rest of the process's life.
pub async fn start(policy: Arc<dyn Policy>) -> std::io::Result<ProxyHandle> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Incoming> =
        Client::builder(TokioExecutor::new()).build(connector);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (policy, client) = (policy.clone(), client.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    handle(policy.clone(), client.clone(), req)
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .preserve_header_case(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades();
                // A client hanging up mid-response is normal for a browser; nothing to report.
                let _ = conn.await;
            });
        }
    });
    Ok(ProxyHandle { addr })
}

fn text(status: StatusCode, message: String) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(message))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

async fn handle(
    policy: Arc<dyn Policy>,
    client: Client<HttpConnector, Incoming>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    if req.method() == Method::CONNECT {
        return Ok(tunnel(req).await);
    }
    let uri = req.uri().clone();
    let (Some("http"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Ok(text(
            StatusCode::BAD_REQUEST,
            "syncshell proxy: expected an absolute http:// URL\n".into(),
        ));
    };
    let origin = format!(
        "http://{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    );
    let shim = policy.shim(&origin);
    if shim.is_some() && uri.path().starts_with(RESERVED_PREFIX) {
        return Ok(reserved(policy, origin, req).await);
    }
    let is_worker_script = req
        .headers()
        .get("service-worker")
        .is_some_and(|v| v.as_bytes() == b"script");
    match (shim, is_worker_script) {
        (Some(shim), true) => Ok(forward_worker_script(client, req, &shim).await),
        _ => Ok(forward(client, req).await),
    }
}

async fn reserved(
    policy: Arc<dyn Policy>,
    origin: String,
    req: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 1024 * 1024).collect().await {
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

/// Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named in Connection are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(header::TRANSFER_ENCODING);
}

/// Turns the browser's absolute-form request into an origin-form one for the server.
fn upstream_request(req: Request<Incoming>) -> Request<Incoming> {
    let (mut parts, body) = req.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(authority) = parts.uri.authority() {
        if let Ok(host) = HeaderValue::from_str(authority.as_str()) {
            parts.headers.insert(header::HOST, host);
        }
    }
    Request::from_parts(parts, body)
}

async fn send(
    client: &Client<HttpConnector, Incoming>,
    req: Request<Incoming>,
) -> Result<Response<Incoming>, Response<Body>> {
    let target: Uri = req.uri().clone();
    client.request(req).await.map_err(|e| {
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        text(
            StatusCode::BAD_GATEWAY,
            format!("syncshell proxy: cannot reach {target}: {cause}\n"),
        )
    })
}

async fn forward(
    client: Client<HttpConnector, Incoming>,
    req: Request<Incoming>,
) -> Response<Body> {
    match send(&client, upstream_request(req)).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            // Streamed as it arrives: large downloads are never held in memory.
            Response::from_parts(parts, body.boxed())
        }
        Err(error) => error,
    }
}

async fn forward_worker_script(
    client: Client<HttpConnector, Incoming>,
    req: Request<Incoming>,
    shim: &Shim,
) -> Response<Body> {
    let mut req = upstream_request(req);
    let headers = req.headers_mut();
    // Revalidation must reflect the shim too: translate our ETags back, and never let a date
    // check say "not modified" when only the shim changed.
    headers.remove(header::IF_MODIFIED_SINCE);
    let browser_inm = headers.remove(header::IF_NONE_MATCH);
    if let Some(inm) = browser_inm
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| shim.upstream_if_none_match(v))
    {
        if let Ok(value) = HeaderValue::from_str(&inm) {
            headers.insert(header::IF_NONE_MATCH, value);
        }
    }
    let response = match send(&client, req).await {
        Ok(r) => r,
        Err(error) => return error,
    };
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    rewrite_etag(&mut parts.headers, shim);
    if parts.status != StatusCode::OK {
        return Response::from_parts(parts, body.boxed());
    }
    let raw = match Limited::new(body, MAX_SCRIPT_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                format!("syncshell proxy: cannot read the service worker script: {e}\n"),
            )
        }
    };
    let encoding = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let script = match inject::decode(encoding.as_deref(), &raw, MAX_SCRIPT_BYTES) {
        Ok(s) => s,
        Err(e) => return text(StatusCode::BAD_GATEWAY, format!("syncshell proxy: {e}\n")),
    };
    let body = shim.inject(&script);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.remove(header::LAST_MODIFIED);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(
        parts,
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed(),
    )
}

fn rewrite_etag(headers: &mut HeaderMap, shim: &Shim) {
    let ours = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| shim.response_etag(v))
        .and_then(|v| HeaderValue::from_str(&v).ok());
    match ours {
        Some(v) => {
            headers.insert(header::ETAG, v);
        }
        None => {
            headers.remove(header::ETAG);
        }
    }
}

/// `CONNECT host:port`: a blind byte tunnel; TLS stays end to end between WebKit and the server.
/// The server is dialled before answering, so an unreachable one gets a 502, not a dead tunnel.
async fn tunnel(req: Request<Incoming>) -> Response<Body> {
    let Some(authority) = req.uri().authority().map(|a| a.to_string()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "syncshell proxy: CONNECT needs host:port\n".into(),
        );
    };
    let mut server = match TcpStream::connect(&authority).await {
        Ok(s) => s,
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                format!("syncshell proxy: cannot reach {authority}: {e}\n"),
            )
        }
    };
    let _ = server.set_nodelay(true);
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(upgraded), &mut server).await;
    });
    Response::new(
        http_body_util::Empty::new()
            .map_err(|never| match never {})
            .boxed(),
    )
}
