//! A fixture web server on 127.0.0.1: serves a fixture PWA from `tests/fixtures/NAME/`, answers
//! routes a test sets up (errors, redirects, odd content), hands the page instructions through
//! `/next`, and records every request so tests can assert on what arrived.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// HTTP method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Query string parameters.
    pub query: HashMap<String, String>,
    /// Request headers (lowercase names).
    pub headers: HashMap<String, String>,
    /// Request body.
    pub body: Vec<u8>,
    /// When it arrived (for benchmarks).
    pub at: Instant,
    /// The status a flaky route drew for it (see [`FixtureServer::flaky`]).
    pub answered: Option<u16>,
}

impl Received {
    /// Whether this is a fixture page's or worker's report of `event` (`/report?event=...`).
    pub fn is_report(&self, event: &str) -> bool {
        self.path == "/report" && self.query.get("event").map(String::as_str) == Some(event)
    }
}

/// A canned response for a route.
#[derive(Debug, Clone)]
pub struct Canned {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering (a server that hangs).
    pub delay: Option<Duration>,
    /// Send the status, headers and body, then keep the response open without ending it (a
    /// server that hangs mid-response), until the fixture server goes.
    pub stall: bool,
}

impl Canned {
    /// 200 with this content type and body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: None,
            stall: false,
        }
    }

    /// A bare status.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: format!("status {status}").into_bytes(),
            delay: None,
            stall: false,
        }
    }

    /// A redirect.
    pub fn redirect(location: &str) -> Self {
        Self {
            status: 302,
            headers: vec![("location".into(), location.into())],
            body: vec![],
            delay: None,
            stall: false,
        }
    }

    /// A server that does not answer for a long time (bounded, so nothing hangs forever).
    pub fn hang() -> Self {
        Self {
            delay: Some(Duration::from_secs(120)),
            ..Self::status(504)
        }
    }
}

#[derive(Default)]
struct Shared {
    root: Option<PathBuf>,
    routes: HashMap<String, Canned>,
    received: Vec<Received>,
    next: VecDeque<serde_json::Value>,
    /// Routes that fail a share of requests: path, percent failing.
    flaky: HashMap<String, u64>,
    /// xorshift64 state for the flaky routes.
    dice: u64,
}

/// A running fixture server; stops when dropped.
pub struct FixtureServer {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Mutex<Shared>>,
    _runtime: tokio::runtime::Runtime,
}

impl FixtureServer {
    /// Serves `tests/fixtures/<fixture>/` (or nothing but routes, with `None`) on a free loopback port.
    pub fn start(fixture: Option<&str>) -> Self {
        Self::start_with(fixture, None)
    }

    /// The same over https, with `tls` (see [`crate::tls::TestCa::server_config`]).
    pub fn start_https(fixture: Option<&str>, tls: Arc<rustls::ServerConfig>) -> Self {
        Self::start_with(fixture, Some(tls))
    }

    fn start_with(fixture: Option<&str>, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let root = fixture.map(|f| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(f)
        });
        let shared = Arc::new(Mutex::new(Shared {
            root,
            ..Shared::default()
        }));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("fixture runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind fixture server");
        let addr = listener.local_addr().expect("fixture address");
        let app = axum::Router::new()
            .route("/ws", axum::routing::get(websocket_echo))
            .fallback(handle)
            .with_state(shared.clone());
        let scheme = if tls.is_some() { "https" } else { "http" };
        match tls {
            None => {
                runtime.spawn(async move {
                    axum::serve(listener, app).await.expect("fixture server");
                });
            }
            Some(config) => {
                runtime.spawn(serve_tls(listener, app, config));
            }
        }
        Self {
            addr,
            scheme,
            shared,
            _runtime: runtime,
        }
    }

    /// `http(s)://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// The origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Answers `path` with `canned` from now on (before the fixture files).
    pub fn route(&self, path: &str, canned: Canned) {
        self.shared
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), canned);
    }

    /// Answers `path` with 201, or with 503 for `fail_percent` percent of requests drawn at
    /// random (from `seed`); each request's draw is kept in [`Received::answered`].
    pub fn flaky(&self, path: &str, fail_percent: u64, seed: u64) {
        let mut shared = self.shared.lock().unwrap();
        shared.flaky.insert(path.to_owned(), fail_percent);
        shared.dice = seed | 1;
    }

    /// Queues an instruction for the fixture page, which polls `/next` after loading.
    pub fn instruct(&self, value: serde_json::Value) {
        self.shared.lock().unwrap().next.push_back(value);
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// How many requests matched `pred`.
    pub fn count(&self, pred: impl Fn(&Received) -> bool) -> usize {
        self.shared
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|r| pred(r))
            .count()
    }

    /// Every request so far, a line each (method, path, query): what a failure message shows.
    pub fn seen(&self) -> String {
        let lines: Vec<String> = self
            .received()
            .iter()
            .map(|r| format!("{} {} {:?}", r.method, r.path, r.query))
            .collect();
        lines.join("\n")
    }

    /// Waits (bounded) for a request matching `pred` and returns it.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> Received {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self
                .shared
                .lock()
                .unwrap()
                .received
                .iter()
                .find(|r| pred(r))
            {
                return r.clone();
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; the fixture server saw:\n{}",
                    self.seen()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits for the fixture page's report of `event` (`/report?event=...`).
    pub fn wait_for_report(&self, event: &str, timeout: Duration) -> Received {
        self.wait_for(&format!("report {event}"), timeout, |r| r.is_report(event))
    }

    /// Every report of `event` received so far, oldest first.
    pub fn reports(&self, event: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.is_report(event))
            .collect()
    }
}

/// Accepts TLS connections and serves `app` on them (HTTP/1.1, upgrades allowed).
async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    config: Arc<rustls::ServerConfig>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            // A client that refuses our certificate just goes away.
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}

/// `/ws`: a WebSocket that echoes each text message back, prefixed with "echo: ". The upgrade
/// request is recorded like any other.
async fn websocket_echo(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    upgrade: axum::extract::ws::WebSocketUpgrade,
) -> Response {
    shared.lock().unwrap().received.push(Received {
        method: "GET".into(),
        path: "/ws".into(),
        query: HashMap::new(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: Vec::new(),
        at: Instant::now(),
        answered: None,
    });
    upgrade.on_upgrade(|mut socket| async move {
        use axum::extract::ws::Message;
        while let Some(Ok(message)) = socket.recv().await {
            if let Message::Text(text) = message {
                let reply = format!("echo: {}", text.as_str());
                if socket.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
        }
    })
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let mut received = Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query,
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
        answered: None,
    };
    let canned = {
        let mut shared = shared.lock().unwrap();
        if let Some(&percent) = shared.flaky.get(uri.path()) {
            let mut x = shared.dice;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shared.dice = x;
            let status = if x % 100 < percent { 503 } else { 201 };
            received.answered = Some(status);
            shared.received.push(received);
            return (StatusCode::from_u16(status).unwrap(), "").into_response();
        }
        shared.received.push(received);
        shared.routes.get(uri.path()).cloned()
    };
    if let Some(delay) = canned.as_ref().and_then(|c| c.delay) {
        tokio::time::sleep(delay).await;
    }
    let mut shared = shared.lock().unwrap();
    if uri.path() == "/report" {
        return (StatusCode::NO_CONTENT, "").into_response();
    }
    if uri.path() == "/next" {
        let next = shared.next.pop_front().unwrap_or(serde_json::json!({}));
        return (
            [
                ("content-type", "application/json"),
                ("cache-control", "no-store"),
            ],
            next.to_string(),
        )
            .into_response();
    }
    if let Some(c) = canned {
        let mut response = if c.stall {
            use futures_util::StreamExt;
            let first = futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(
                Bytes::from(c.body.clone()),
            )));
            let body = axum::body::Body::from_stream(first.chain(futures_util::stream::pending()));
            (StatusCode::from_u16(c.status).unwrap(), body).into_response()
        } else {
            (StatusCode::from_u16(c.status).unwrap(), c.body.clone()).into_response()
        };
        for (k, v) in &c.headers {
            response.headers_mut().insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        return response;
    }
    let Some(root) = shared.root.clone() else {
        return (StatusCode::NOT_FOUND, "no such route").into_response();
    };
    let mut rel = uri.path().trim_start_matches('/').to_owned();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    if rel.split('/').any(|seg| seg == "..") {
        return (StatusCode::BAD_REQUEST, "no").into_response();
    }
    match std::fs::read(root.join(&rel)) {
        Ok(bytes) => (
            [
                ("content-type", content_type(&rel)),
                ("cache-control", "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("json") | Some("webmanifest") => "application/manifest+json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    }
}
