//! The proxy against a real upstream server on loopback, spoken to over raw TCP as WebKit would.
// Test code throughout, helpers included: a failed unwrap is a failing test with its message
// (clippy.toml's allow-unwrap-in-tests only reaches #[test] functions).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap as AxumHeaders;
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use syncshell_proxy::{start, Policy, ReservedRequest, Shim};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SCRIPT: &str = "self.addEventListener('sync', (e) => e.waitUntil(send()));\n";

struct TestPolicy {
    origin: String,
    shim: Arc<Shim>,
    reserved_seen: Mutex<Vec<String>>,
}

impl Policy for TestPolicy {
    fn shim(&self, origin: &str) -> Option<Arc<Shim>> {
        (origin == self.origin).then(|| self.shim.clone())
    }

    fn reserved(
        &self,
        request: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>> {
        self.reserved_seen.lock().unwrap().push(format!(
            "{} {} {}",
            request.method,
            request.path_and_query,
            String::from_utf8_lossy(&request.body)
        ));
        Box::pin(async { Response::new(Full::new(Bytes::from_static(b"answered by the host"))) })
    }
}

/// What the upstream saw: path and If-None-Match of each request.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

async fn upstream() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: AxumHeaders, body: Bytes| {
            let log = log.clone();
            async move {
                let inm = headers
                    .get("if-none-match")
                    .map(|v| v.to_str().unwrap().to_owned());
                log.lock()
                    .unwrap()
                    .push((uri.path().to_owned(), inm.clone()));
                match uri.path() {
                    "/sw.js" if inm.as_deref() == Some("\"v1\"") => (
                        axum::http::StatusCode::NOT_MODIFIED,
                        [("etag", "\"v1\"")],
                        Vec::new(),
                    )
                        .into_response_parts(),
                    "/sw.js" => {
                        let mut gz = flate2::write::GzEncoder::new(
                            Vec::new(),
                            flate2::Compression::default(),
                        );
                        gz.write_all(SCRIPT.as_bytes()).unwrap();
                        (
                            axum::http::StatusCode::OK,
                            [("etag", "\"v1\""), ("content-encoding", "gzip")],
                            gz.finish().unwrap(),
                        )
                            .into_response_parts()
                    }
                    "/echo" => (
                        axum::http::StatusCode::OK,
                        [("etag", "\"e\""), ("x-echo", "1")],
                        body.to_vec(),
                    )
                        .into_response_parts(),
                    _ => (
                        axum::http::StatusCode::NOT_FOUND,
                        [("etag", "\"n\""), ("x-none", "1")],
                        b"nope".to_vec(),
                    )
                        .into_response_parts(),
                }
            }
        },
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (origin, seen)
}

trait IntoParts {
    fn into_response_parts(self) -> axum::response::Response;
}
impl<const N: usize> IntoParts
    for (
        axum::http::StatusCode,
        [(&'static str, &'static str); N],
        Vec<u8>,
    )
{
    fn into_response_parts(self) -> axum::response::Response {
        use axum::response::IntoResponse;
        let (status, headers, body) = self;
        let mut r = (status, body).into_response();
        for (k, v) in headers {
            r.headers_mut().insert(k, v.parse().unwrap());
        }
        r
    }
}

struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Sends one request through the proxy and reads the whole reply (handles chunked bodies).
async fn through(proxy: std::net::SocketAddr, request: String) -> Reply {
    let mut stream = TcpStream::connect(proxy).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap().trim(), 16)
                    .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest = &rest[line_end + 2 + size + 2..];
        }
        body = out;
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn get(origin: &str, path: &str, extra: &str) -> String {
    let host = origin.trim_start_matches("http://");
    format!("GET {origin}{path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n")
}

async fn setup(installed: bool) -> (std::net::SocketAddr, String, Seen, Arc<TestPolicy>) {
    let (origin, seen) = upstream().await;
    let policy = Arc::new(TestPolicy {
        origin: if installed {
            origin.clone()
        } else {
            "http://elsewhere.test:80".into()
        },
        shim: Arc::new(Shim::new("/* shim */")),
        reserved_seen: Mutex::default(),
    });
    let handle = start(policy.clone(), Default::default()).await.unwrap();
    (handle.addr, origin, seen, policy)
}

#[tokio::test]
async fn worker_scripts_of_installed_origins_get_the_shim_in_front() {
    let (proxy, origin, _, policy) = setup(true).await;
    let reply = through(
        proxy,
        get(
            &origin,
            "/sw.js",
            "Service-Worker: script\r\nAccept-Encoding: gzip\r\n",
        ),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        String::from_utf8(reply.body.clone()).unwrap(),
        format!("/* shim */\n{SCRIPT}")
    );
    assert!(!reply.headers.contains_key("content-encoding"));
    assert_eq!(
        reply.headers["content-length"],
        reply.body.len().to_string()
    );
    assert_eq!(
        reply.headers["etag"],
        format!("\"v1-ss{}\"", policy.shim.version())
    );
}

#[tokio::test]
async fn other_requests_pass_through_untouched() {
    let (proxy, origin, _, _) = setup(true).await;
    // The same script fetched as a plain resource: still gzip, no shim.
    let reply = through(proxy, get(&origin, "/sw.js", "Accept-Encoding: gzip\r\n")).await;
    assert_eq!(reply.headers["content-encoding"], "gzip");
    assert_eq!(reply.headers["etag"], "\"v1\"");
    let post = format!(
        "POST {origin}/echo HTTP/1.1\r\nHost: {}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        origin.trim_start_matches("http://")
    );
    let reply = through(proxy, post).await;
    assert_eq!((reply.status, reply.body.as_slice()), (200, &b"hello"[..]));
    let reply = through(proxy, get(&origin, "/missing", "")).await;
    assert_eq!((reply.status, reply.headers["x-none"].as_str()), (404, "1"));
}

#[tokio::test]
async fn origins_that_are_not_installed_get_no_shim() {
    let (proxy, origin, seen, policy) = setup(false).await;
    let reply = through(proxy, get(&origin, "/sw.js", "Service-Worker: script\r\n")).await;
    assert_eq!(reply.headers["content-encoding"], "gzip");
    // Not installed: the reserved path is just a path on that server.
    through(proxy, get(&origin, "/__syncshell__/api", "")).await;
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .any(|(p, _)| p == "/__syncshell__/api"));
    assert!(policy.reserved_seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_reserved_path_is_answered_by_the_host_and_never_reaches_the_server() {
    let (proxy, origin, seen, policy) = setup(true).await;
    let post = format!(
        "POST {origin}/__syncshell__/api?x=1 HTTP/1.1\r\nHost: {}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        origin.trim_start_matches("http://")
    );
    let reply = through(proxy, post).await;
    assert_eq!(reply.body, b"answered by the host");
    assert_eq!(
        policy.reserved_seen.lock().unwrap().as_slice(),
        ["POST /__syncshell__/api?x=1 {}"]
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn revalidation_is_304_only_while_the_shim_is_unchanged() {
    let (proxy, origin, seen, policy) = setup(true).await;
    let current = format!(
        "If-None-Match: \"v1-ss{}\"\r\nService-Worker: script\r\n",
        policy.shim.version()
    );
    let reply = through(proxy, get(&origin, "/sw.js", &current)).await;
    assert_eq!(reply.status, 304);
    assert_eq!(
        reply.headers["etag"],
        format!("\"v1-ss{}\"", policy.shim.version())
    );
    assert_eq!(
        seen.lock().unwrap().last().unwrap().1.as_deref(),
        Some("\"v1\"")
    );

    // The browser holds a script with an older shim: it gets the full new one.
    let stale = "If-None-Match: \"v1-ss0000000000000000\"\r\nIf-Modified-Since: Tue, 01 Jan 2030 00:00:00 GMT\r\nService-Worker: script\r\n";
    let reply = through(proxy, get(&origin, "/sw.js", stale)).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.starts_with(b"/* shim */\n"));
    assert_eq!(seen.lock().unwrap().last().unwrap().1, None);
}

#[tokio::test]
async fn connect_is_a_blind_tunnel() {
    let (proxy, _, _, _) = setup(true).await;
    let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let echo_addr = echo.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = echo.accept().await.unwrap();
        let mut buf = [0u8; 256];
        loop {
            let n = s.read(&mut buf).await.unwrap_or(0);
            if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut stream = TcpStream::connect(proxy).await.unwrap();
    stream
        .write_all(format!("CONNECT {echo_addr} HTTP/1.1\r\nHost: {echo_addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // Bytes that are not HTTP (a TLS ClientHello starts like this) go through as they are.
    let message = b"\x16\x03\x01 not http at all";
    stream.write_all(message).await.unwrap();
    let mut echoed = vec![0u8; message.len()];
    stream.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, message);

    // An unreachable target is refused up front.
    let reply = through(
        proxy,
        "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert_eq!(reply.status, 502);
}

#[tokio::test]
async fn a_kept_alive_upstream_connection_is_closed_once_idle() {
    // A server that answers one request, keeps the connection alive, and says when the proxy
    // closes it.
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", server.local_addr().unwrap());
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut s, _) = server.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "the proxy hung up before its request");
            head.extend_from_slice(&buf[..n]);
        }
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .await
            .unwrap();
        // Anything but end of file is a second request: this test sends one.
        let n = s.read(&mut buf).await.unwrap_or(0);
        let _ = closed_tx.send(n);
    });
    let policy = Arc::new(TestPolicy {
        origin: "http://elsewhere.test:80".into(),
        shim: Arc::new(Shim::new("/* shim */")),
        reserved_seen: Mutex::default(),
    });
    let options = syncshell_proxy::Options {
        upstream_idle_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let proxy = start(policy, options).await.unwrap().addr;
    let reply = through(proxy, get(&origin, "/", "")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, b"ok");
    // The browser's side closed with `Connection: close`; the pooled upstream connection goes
    // once it has been idle for the timeout (bounded wait: without the pool's timer it stays).
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), closed_rx)
        .await
        .expect("the idle upstream connection was not closed within 10 s")
        .unwrap();
    assert_eq!(read, 0, "the server got more than one request");
}
