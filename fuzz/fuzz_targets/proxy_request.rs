//! The proxy's request handling (`syncshell_proxy::Proxy::serve_connection`: hyper's HTTP/1.1
//! parsing, then the proxy's routing of `CONNECT`, absolute- and origin-form targets, the reserved
//! path, upgrades, worker scripts and plain forwarding) on fuzzed request lines, headers and
//! bodies, sent over an in-memory connection. Every destination is a local server of this target
//! (the request line's authority is always one of two loopback servers), so nothing leaves the
//! machine and each input is one request: framing headers are the target's own.
//!
//! Checked, as `lib.rs` documents the proxy: a reserved path of an installed origin is answered
//! by the host and never reaches the server, and the host is only handed requests to reserved
//! paths of installed origins; hop-by-hop headers never reach a server; a 200 worker script of
//! an installed origin comes with the shim in front; every answer is HTTP; no request hangs.

#![no_main]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use libfuzzer_sys::fuzz_target;
use syncshell_proxy::{Options, Policy, Proxy, ReservedRequest, Shim, RESERVED_PREFIX};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

const SHIM: &[u8] = b"/*syncshell-fuzz-shim*/";
const SCRIPT: &[u8] = b"self.addEventListener('sync', () => {});";

/// What one request made happen.
#[derive(Default)]
struct Seen {
    /// Requests the host was handed.
    reserved: Vec<ReservedRequest>,
    /// (server port, path and query, header names) of each request a server got.
    upstream: Vec<(u16, String, Vec<String>)>,
}

struct World {
    runtime: Runtime,
    proxy: Proxy,
    /// The installed app's server.
    installed: u16,
    /// A server of an origin with no app.
    other: u16,
    seen: Arc<Mutex<Seen>>,
}

struct FuzzPolicy {
    installed_origin: String,
    shim: Arc<Shim>,
    seen: Arc<Mutex<Seen>>,
}

impl Policy for FuzzPolicy {
    fn shim(&self, origin: &str) -> Option<Arc<Shim>> {
        (origin == self.installed_origin).then(|| self.shim.clone())
    }

    fn reserved(
        &self,
        request: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.reserved.push(request);
        }
        Box::pin(async { Response::new(Full::new(Bytes::from_static(b"from the host"))) })
    }
}

/// A server that records what it gets and answers worker scripts gzipped, as servers do.
async fn serve(listener: TcpListener, seen: Arc<Mutex<Seen>>) {
    let port = listener.local_addr().map_or(0, |a| a.port());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let seen = seen.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let seen = seen.clone();
                async move {
                    let path = req
                        .uri()
                        .path_and_query()
                        .map_or("", |p| p.as_str())
                        .to_owned();
                    let names = req
                        .headers()
                        .keys()
                        .map(|k| k.as_str().to_owned())
                        .collect();
                    let worker = req.headers().get("service-worker").is_some();
                    if let Ok(mut seen) = seen.lock() {
                        seen.upstream.push((port, path, names));
                    }
                    let _ = req.into_body().collect().await;
                    let mut response = Response::builder().header("etag", "\"v1\"");
                    let body = if worker {
                        response = response.header("content-encoding", "gzip");
                        gzip(SCRIPT)
                    } else {
                        b"from the server".to_vec()
                    };
                    response.body(Full::new(Bytes::from(body)))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (installed, other) = runtime.block_on(async {
            let a = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let b = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let ports = (
                a.local_addr().expect("bound").port(),
                b.local_addr().expect("bound").port(),
            );
            tokio::spawn(serve(a, seen.clone()));
            tokio::spawn(serve(b, seen.clone()));
            ports
        });
        let policy = FuzzPolicy {
            installed_origin: format!("http://127.0.0.1:{installed}"),
            shim: Arc::new(Shim::new(SHIM)),
            seen: seen.clone(),
        };
        let proxy = runtime
            .block_on(async { Proxy::new(Arc::new(policy), Options::default()) })
            .expect("a proxy");
        World {
            runtime,
            proxy,
            installed,
            other,
            seen,
        }
    })
}

#[derive(Debug, Arbitrary)]
enum Method {
    Get,
    Post,
    Head,
    Put,
    Options,
    Connect,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Target {
    /// `http://127.0.0.1:port/` + path: what a browser sends a proxy.
    Absolute,
    /// `/` + path: what a browser sends a server, not a proxy.
    Origin,
    /// `127.0.0.1:port`: a `CONNECT` target.
    Authority,
    /// `*`.
    Asterisk,
}

#[derive(Debug, Arbitrary)]
struct Input {
    method: Method,
    target: Target,
    installed: bool,
    reserved: bool,
    worker: bool,
    path: String,
    version: bool,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Only the target decides framing (and so that there is one request per input).
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "host"];

/// Hop-by-hop headers (RFC 9110 section 7.6.1) that must not reach a server.
const HOP_BY_HOP: [&str; 7] = [
    "proxy-connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

fn no_line_breaks(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

fuzz_target!(|input: Input| {
    let world = world();
    let port = if input.installed {
        world.installed
    } else {
        world.other
    };
    let method = match &input.method {
        Method::Get => "GET".to_owned(),
        Method::Post => "POST".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Put => "PUT".to_owned(),
        Method::Options => "OPTIONS".to_owned(),
        Method::Connect => "CONNECT".to_owned(),
        Method::Other(m) => m.chars().filter(|c| !c.is_whitespace()).collect(),
    };
    let mut path: String = input.path.chars().filter(|c| !c.is_whitespace()).collect();
    if input.reserved {
        path = format!("{}{path}", &RESERVED_PREFIX[1..]);
    }
    let target = match input.target {
        Target::Absolute => format!("http://127.0.0.1:{port}/{path}"),
        Target::Origin => format!("/{path}"),
        Target::Authority => format!("127.0.0.1:{port}"),
        Target::Asterisk => "*".to_owned(),
    };
    let version = if input.version {
        "HTTP/1.1"
    } else {
        "HTTP/1.0"
    };
    // One request per connection, as the proxy's tests of a browser's requests are.
    let mut head =
        format!("{method} {target} {version}\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n");
    if input.worker {
        head.push_str("service-worker: script\r\n");
    }
    // Headers the request's Connection header names: hop-by-hop too.
    let mut named: Vec<String> = Vec::new();
    for (name, value) in input.headers.iter().take(16) {
        let name = no_line_breaks(name);
        if FRAMING.contains(&name.trim().to_ascii_lowercase().as_str()) {
            continue;
        }
        let mut value = no_line_breaks(value);
        if name.trim().eq_ignore_ascii_case("connection") {
            // Still one request per connection; the other tokens name hop-by-hop headers.
            named.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()));
            value = format!("close, {value}");
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", input.body.len()));
    let mut request = head.into_bytes();
    let connect = method.eq_ignore_ascii_case("CONNECT");
    request.extend_from_slice(&input.body);

    if let Ok(mut seen) = world.seen.lock() {
        *seen = Seen::default();
    }
    let response = world.runtime.block_on(async {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let exchange = async {
            let (_, response) = tokio::join!(world.proxy.serve_connection(server), async {
                let _ = client.write_all(&request).await;
                let mut response = Vec::new();
                let mut buf = [0u8; 8192];
                let mut shut = false;
                loop {
                    let n = client.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    response.extend_from_slice(&buf[..n]);
                    // A tunnel or a switched protocol stays open until the browser leaves it
                    // (everything else ends with `connection: close`).
                    let head_done = response.windows(4).any(|w| w == b"\r\n\r\n");
                    if !shut && head_done && (connect || response.get(8..13) == Some(b" 101 ")) {
                        let _ = client.shutdown().await;
                        shut = true;
                    }
                }
                response
            });
            response
        };
        match tokio::time::timeout(Duration::from_secs(5), exchange).await {
            Ok(response) => response,
            Err(_) => panic!("the proxy hung on {:?}", String::from_utf8_lossy(&request)),
        }
    });

    if std::env::var_os("SYNCSHELL_FUZZ_DEBUG").is_some() {
        eprintln!(
            "--- sent\n{}\n--- got\n{}",
            String::from_utf8_lossy(&request),
            String::from_utf8_lossy(&response)
        );
    }
    assert!(
        response.is_empty()
            || response.starts_with(b"HTTP/1.1 ")
            || response.starts_with(b"HTTP/1.0 "),
        "not an HTTP answer: {:?}",
        String::from_utf8_lossy(&response[..response.len().min(200)])
    );
    let Ok(seen) = world.seen.lock() else {
        return;
    };
    for r in &seen.reserved {
        assert_eq!(r.origin, format!("http://127.0.0.1:{}", world.installed));
        assert!(
            r.path_and_query.starts_with(RESERVED_PREFIX),
            "{:?}",
            r.path_and_query
        );
    }
    if connect {
        // A blind tunnel: what the browser sends inside is not the proxy's to check.
        return;
    }
    for (server_port, path, names) in &seen.upstream {
        if *server_port == world.installed {
            assert!(
                !path.starts_with(RESERVED_PREFIX),
                "a reserved path reached the installed app's server: {path}"
            );
        }
        let upgrade = names.iter().any(|n| n == "upgrade");
        for name in names {
            // The proxy sets these itself after dropping the browser's.
            let own = ["host", "content-length", "upgrade", "connection"].contains(&name.as_str());
            let hop = (HOP_BY_HOP.contains(&name.as_str()) && !(upgrade && name == "upgrade"))
                || (named.contains(name) && !own);
            assert!(!hop, "hop-by-hop header {name} reached the server");
        }
    }
    let worker_script = input.worker
        && input.installed
        && method == "GET"
        && !input.reserved
        && matches!(input.target, Target::Absolute);
    if worker_script && response.get(8..13) == Some(b" 200 ") {
        let body = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(&[][..], |i| &response[i + 4..]);
        assert!(
            body.starts_with(SHIM) && body.ends_with(SCRIPT),
            "a worker script without the shim: {:?}",
            String::from_utf8_lossy(&response)
        );
    }
});
