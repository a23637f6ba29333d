//! syncshell's local HTTP proxy. App webviews use it for everything. For installed origins it
//! puts the worker shim in front of service worker scripts and answers the reserved path
//! `/__syncshell__/` itself; all other traffic passes through untouched. `CONNECT` to an
//! installed https origin is terminated here with a leaf from the local [`ca::Authority`] and
//! forwarded to the real server over verified TLS; every other `CONNECT` is a blind tunnel.
//! No Tauri and no scheduling policy here: what is installed and what the reserved path
//! answers come from the host through [`Policy`].

pub mod ca;
pub mod inject;
pub mod upstream;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use tokio::net::{TcpListener, TcpStream};

pub use inject::Shim;
use upstream::Upstream;

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

/// How the proxy is set up.
#[derive(Debug, Default)]
pub struct Options {
    /// The local CA. Without it, https is never intercepted (every `CONNECT` is a tunnel).
    pub authority: Option<Arc<ca::Authority>>,
    /// Roots trusted for upstream servers on top of the platform's (tests only; the host
    /// leaves it empty and follows `SSL_CERT_FILE` like everything else).
    pub extra_roots: Vec<CertificateDer<'static>>,
}

struct Shared {
    policy: Arc<dyn Policy>,
    upstream: Upstream,
    authority: Option<Arc<ca::Authority>>,
}

/// Starts the proxy on 127.0.0.1 (an ephemeral port) for the rest of the process's life.
pub async fn start(policy: Arc<dyn Policy>, options: Options) -> std::io::Result<ProxyHandle> {
    let upstream = Upstream::new(options.extra_roots).map_err(std::io::Error::other)?;
    let shared = Arc::new(Shared {
        policy,
        upstream,
        authority: options.authority,
    });
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
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

/// `scheme://host[:port]` as browsers serialise origins: the scheme's default port left out.
pub fn origin_of(scheme: &str, host: &str, port: u16) -> String {
    let default = match scheme {
        "https" | "wss" => 443,
        _ => 80,
    };
    if port == default {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

/// A body made here (not streamed from a server).
fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// The empty body of a `CONNECT` or `101` answer.
fn empty() -> Body {
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed()
}

/// A response the proxy makes itself.
fn made(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn text(status: StatusCode, message: String) -> Response<Body> {
    made(status, "text/plain; charset=utf-8", message)
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
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
async fn route(shared: &Shared, origin: String, req: Request<Incoming>) -> Response<Body> {
    let shim = shared.policy.shim(&origin);
    if shim.is_some() && req.uri().path().starts_with(RESERVED_PREFIX) {
        return reserved(shared.policy.clone(), origin, req).await;
    }
    if req.headers().contains_key(header::UPGRADE) {
        return upgrade(shared, req).await;
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

/// The `Host` header for an authority: the default port left out, as browsers send it.
fn host_header(uri: &Uri) -> Option<HeaderValue> {
    let authority = uri.authority()?;
    let default = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    let value = match authority.port_u16() {
        Some(port) if port != default => authority.as_str().to_owned(),
        _ => authority.host().to_owned(),
    };
    HeaderValue::from_str(&value).ok()
}

/// Turns the browser's absolute-form request into an origin-form one for the server.
fn upstream_request(req: Request<Incoming>) -> Request<Incoming> {
    let (mut parts, body) = req.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(host) = host_header(&parts.uri) {
        parts.headers.insert(header::HOST, host);
    }
    Request::from_parts(parts, body)
}

/// The page a browser shows when the server cannot be reached, or its certificate is refused.
fn unreachable(target: &Uri, error: &hyper_util::client::legacy::Error) -> Response<Body> {
    let host = target.host().unwrap_or("the server");
    let message = match upstream::certificate_problem(error) {
        Some(problem) => format!(
            "syncshell refused to connect to {host}: its certificate is not trusted ({problem}). \
             Nothing was sent to it, and syncshell never falls back to an unverified or \
             unencrypted connection."
        ),
        None => {
            let mut cause: &dyn std::error::Error = error;
            while let Some(next) = cause.source() {
                cause = next;
            }
            format!("syncshell proxy: cannot reach {target}: {cause}")
        }
    };
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Cannot reach {title}</title>\
         <h1>Cannot reach {title}</h1><p>{body}</p>\n",
        title = escape_html(host),
        body = escape_html(&message)
    );
    let mut response = made(StatusCode::BAD_GATEWAY, "text/html; charset=utf-8", page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn send(
    upstream: &Upstream,
    req: Request<Incoming>,
) -> Result<Response<Incoming>, Response<Body>> {
    let target: Uri = req.uri().clone();
    upstream
        .send(req)
        .await
        .map_err(|e| unreachable(&target, &e))
}

/// Responses go back to the browser as HTTP/1.1, whatever the server spoke.
fn downstream_response(response: Response<Incoming>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    parts.version = hyper::Version::HTTP_11;
    // Streamed as it arrives: large downloads are never held in memory.
    Response::from_parts(parts, body.boxed())
}

async fn forward(upstream: &Upstream, req: Request<Incoming>) -> Response<Body> {
    match send(upstream, upstream_request(req)).await {
        Ok(response) => downstream_response(response),
        Err(error) => error,
    }
}

/// A request asking to switch protocols (a WebSocket): sent over HTTP/1.1 with its upgrade
/// headers; on `101` both sides are joined byte for byte.
async fn upgrade(shared: &Shared, mut req: Request<Incoming>) -> Response<Body> {
    let from_browser = hyper::upgrade::on(&mut req);
    let (mut parts, body) = req.into_parts();
    let protocol = parts.headers.get(header::UPGRADE).cloned();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(protocol) = protocol {
        parts.headers.insert(header::UPGRADE, protocol);
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
    if let Some(host) = host_header(&parts.uri) {
        parts.headers.insert(header::HOST, host);
    }
    let target = parts.uri.clone();
    let mut response = match shared
        .upstream
        .send_upgrade(Request::from_parts(parts, body))
        .await
    {
        Ok(r) => r,
        Err(e) => return unreachable(&target, &e),
    };
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        return downstream_response(response);
    }
    let from_server = hyper::upgrade::on(&mut response);
    tokio::spawn(async move {
        let (Ok(browser), Ok(server)) = tokio::join!(from_browser, from_server) else {
            return;
        };
        let _ =
            tokio::io::copy_bidirectional(&mut TokioIo::new(browser), &mut TokioIo::new(server))
                .await;
    });
    let (mut parts, _) = response.into_parts();
    parts.version = hyper::Version::HTTP_11;
    Response::from_parts(parts, empty())
}

async fn forward_worker_script(
    upstream: &Upstream,
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
    let response = match send(upstream, req).await {
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
    Response::from_parts(parts, full(body))
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

/// Terminates the browser's TLS with `leaf` and serves the decrypted requests like plain ones
/// (worker shim, reserved path, upgrades), each forwarded to the real server over verified TLS.
fn intercept(
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

/// A blind byte tunnel; TLS stays end to end between WebKit and the server. The server is
/// dialled before answering, so an unreachable one gets a 502, not a dead tunnel.
async fn tunnel(req: Request<Incoming>, authority: &str) -> Response<Body> {
    let mut server = match TcpStream::connect(authority).await {
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
    Response::new(empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_leave_out_the_default_port_as_browsers_do() {
        assert_eq!(
            origin_of("https", "app.example", 443),
            "https://app.example"
        );
        assert_eq!(
            origin_of("https", "127.0.0.1", 8443),
            "https://127.0.0.1:8443"
        );
        assert_eq!(origin_of("http", "localhost", 80), "http://localhost");
        assert_eq!(origin_of("http", "[::1]", 8080), "http://[::1]:8080");
    }

    #[test]
    fn host_headers_leave_out_the_default_port() {
        let h = |u: &str| host_header(&u.parse().unwrap()).unwrap();
        assert_eq!(h("https://app.example:443/x"), "app.example");
        assert_eq!(h("https://app.example:8443/x"), "app.example:8443");
        assert_eq!(h("http://127.0.0.1:80/"), "127.0.0.1");
    }
}
