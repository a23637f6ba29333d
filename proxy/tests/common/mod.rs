//! Shared by the https integration tests and the overhead benchmark: a test CA standing in for a
//! public one, an https upstream on loopback, the proxy with a CA, and a client that goes
//! through the proxy's CONNECT as WebKit does.
#![allow(dead_code)] // each user takes what it needs

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use syncshell_proxy::ca::Authority;
use syncshell_proxy::{start, start_on_own_thread, Options, Policy, ReservedRequest, Shim};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const SCRIPT: &str = "self.addEventListener('sync', () => {});\n";

/// A CA of the test's own, standing in for a public one.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pub der: CertificateDer<'static>,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let der = params.self_signed(&key).unwrap().der().clone();
        Self {
            issuer: Issuer::new(params, key),
            der,
        }
    }

    /// A server config for 127.0.0.1 offering h2 and http/1.1, and its certificate.
    pub fn server(&self) -> (Arc<rustls::ServerConfig>, CertificateDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap().der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        (Arc::new(config), cert)
    }
}

/// What `/gzip` answers, before compression.
pub const GZIPPED_TEXT: &[u8] = b"compressed by the server, and left compressed by the proxy\n";

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// What an upstream saw: path, HTTP version, Cookie header.
pub type Seen = Arc<Mutex<Vec<(String, String, Option<String>)>>>;

type TestBody = http_body_util::combinators::BoxBody<Bytes, hyper::Error>;

fn full(bytes: impl Into<Bytes>) -> TestBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

async fn serve(req: Request<Incoming>, seen: Seen) -> Result<Response<TestBody>, hyper::Error> {
    seen.lock().unwrap().push((
        req.uri().path().to_owned(),
        format!("{:?}", req.version()),
        req.headers()
            .get("cookie")
            .map(|v| v.to_str().unwrap().to_owned()),
    ));
    let response = match req.uri().path() {
        "/sw.js" => Response::builder()
            .header("content-type", "text/javascript")
            .body(full(SCRIPT)),
        "/echo" => Response::builder().body(req.into_body().boxed()),
        "/cookie" => Response::builder()
            .header("set-cookie", "session=abc; Secure; HttpOnly")
            .body(full("set")),
        "/redirect" => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", "/target")
            .body(full("")),
        "/small" => Response::builder().body(full("small answer")),
        "/gzip" => Response::builder()
            .header("content-encoding", "gzip")
            .header("content-type", "text/plain")
            .body(full(gzip(GZIPPED_TEXT))),
        "/big" => {
            // `?mib=N` MiB (default 8) in 64 KiB chunks, generated as it is sent; `&mbps=R` paces
            // it like a link of R megabits per second (default: as fast as the reader takes it).
            let param = |name: &str| -> Option<f64> {
                req.uri().query()?.split('&').find_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    (k == name).then(|| v.parse().ok()).flatten()
                })
            };
            let mib = param("mib").unwrap_or(8.0) as usize;
            let bytes_per_sec = param("mbps").map(|r| r * 1e6 / 8.0);
            let chunks = ChunkStream::new(mib * 16, 64 * 1024, bytes_per_sec);
            Response::builder().body(StreamBody::new(chunks).boxed())
        }
        "/upgrade" => {
            let mut req = req;
            let upgrade = hyper::upgrade::on(&mut req);
            tokio::spawn(async move {
                let Ok(upgraded) = upgrade.await else { return };
                let mut io = TokioIo::new(upgraded);
                let mut buf = [0u8; 64];
                while let Ok(n) = io.read(&mut buf).await {
                    if n == 0 || io.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
            Response::builder()
                .status(StatusCode::SWITCHING_PROTOCOLS)
                .header("connection", "upgrade")
                .header("upgrade", "echo")
                .body(full(""))
        }
        _ => Response::builder().status(404).body(full("")),
    };
    Ok(response.unwrap())
}

/// `count` chunks of `size` zero bytes, as a body stream, optionally paced to a byte rate.
struct ChunkStream {
    left: usize,
    chunk: Bytes,
    pace: Option<Pace>,
}

struct Pace {
    bytes_per_sec: f64,
    start: Instant,
    sent: usize,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl ChunkStream {
    fn new(count: usize, size: usize, bytes_per_sec: Option<f64>) -> Self {
        Self {
            left: count,
            chunk: Bytes::from(vec![0u8; size]),
            pace: bytes_per_sec.map(|bytes_per_sec| Pace {
                bytes_per_sec,
                start: Instant::now(),
                sent: 0,
                sleep: None,
            }),
        }
    }
}

impl futures_core::Stream for ChunkStream {
    type Item = Result<Frame<Bytes>, hyper::Error>;
    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        let size = self.chunk.len();
        if let Some(pace) = &mut self.pace {
            // Each chunk leaves no earlier than the link would have carried the ones before it.
            let due = pace.start + Duration::from_secs_f64(pace.sent as f64 / pace.bytes_per_sec);
            if due > Instant::now() {
                let sleep = pace
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due.into())));
                if sleep.as_mut().poll(cx).is_pending() {
                    return std::task::Poll::Pending;
                }
            }
            pace.sleep = None;
            pace.sent += size;
        }
        self.left -= 1;
        std::task::Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }
}

/// An https server on 127.0.0.1 (h2 and HTTP/1.1); its origin and what it saw.
pub async fn https_upstream(config: Arc<rustls::ServerConfig>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("https://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (config, log) = (config.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(tls) = tokio_rustls::TlsAcceptor::from(config).accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req| serve(req, log.clone()));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (origin, seen)
}

pub struct Installed(pub Mutex<Vec<String>>, pub Arc<Shim>);

impl Policy for Installed {
    fn shim(&self, origin: &str) -> Option<Arc<Shim>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .any(|o| o == origin)
            .then(|| self.1.clone())
    }
    fn reserved(
        &self,
        _: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>> {
        Box::pin(async { Response::new(Full::new(Bytes::from_static(b"reserved"))) })
    }
}

pub struct Setup {
    pub proxy: std::net::SocketAddr,
    pub ca: Arc<Authority>,
    pub policy: Arc<Installed>,
    _dir: tempfile::TempDir,
}

/// A proxy on the test's runtime (as [`start`] runs it) for `installed` origins, trusting
/// `upstream_roots` upstream.
pub async fn proxy_with(installed: &[&str], upstream_roots: Vec<CertificateDer<'static>>) -> Setup {
    let (parts, options) = proxy_parts(installed, upstream_roots);
    let handle = start(parts.policy.clone(), options).await.unwrap();
    parts.listening_at(handle.addr)
}

/// [`proxy_with`], on a thread of its own as the host runs it ([`start_on_own_thread`]).
pub fn proxy_on_own_thread(
    installed: &[&str],
    upstream_roots: Vec<CertificateDer<'static>>,
) -> Setup {
    let (parts, options) = proxy_parts(installed, upstream_roots);
    let handle = start_on_own_thread(parts.policy.clone(), options).unwrap();
    parts.listening_at(handle.addr)
}

/// Everything of a [`Setup`] but the listening proxy, and the options to start one with.
fn proxy_parts(
    installed: &[&str],
    upstream_roots: Vec<CertificateDer<'static>>,
) -> (Setup, Options) {
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(Authority::open(dir.path(), SystemTime::now()).unwrap());
    let policy = Arc::new(Installed(
        Mutex::new(installed.iter().map(|s| s.to_string()).collect()),
        Arc::new(Shim::new("/* shim */")),
    ));
    let options = Options {
        authority: Some(ca.clone()),
        extra_roots: upstream_roots,
        ..Default::default()
    };
    let parts = Setup {
        proxy: ([127, 0, 0, 1], 0).into(),
        ca,
        policy,
        _dir: dir,
    };
    (parts, options)
}

impl Setup {
    fn listening_at(self, proxy: std::net::SocketAddr) -> Self {
        Self { proxy, ..self }
    }
}

/// An installed https origin reached through the proxy, as WebKit reaches it.
pub struct Intercepted {
    pub origin: String,
    /// What the upstream saw.
    pub seen: Seen,
    pub setup: Setup,
    /// TLS to the proxy's leaf (verified against syncshell's CA) through `CONNECT`.
    pub tls: tokio_rustls::client::TlsStream<TcpStream>,
    /// The certificate the proxy presented.
    pub presented: CertificateDer<'static>,
}

/// An https upstream whose certificate chains to a test CA (trusted upstream), installed in a
/// proxy, and a TLS connection to it through the proxy.
pub async fn intercepted() -> Intercepted {
    let test_ca = TestCa::new("a public CA");
    let (server, _) = test_ca.server();
    let (origin, seen) = https_upstream(server).await;
    let setup = proxy_with(&[&origin], vec![test_ca.der.clone()]).await;
    let (tls, presented) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
        .await
        .expect("the leaf verifies against syncshell's CA");
    Intercepted {
        origin,
        seen,
        setup,
        tls,
        presented,
    }
}

/// CONNECTs through the proxy and does a TLS handshake trusting only `roots`; returns the
/// stream and the certificate the other end presented.
pub async fn tls_through(
    proxy: std::net::SocketAddr,
    origin: &str,
    roots: &[CertificateDer<'static>],
) -> Result<
    (
        tokio_rustls::client::TlsStream<TcpStream>,
        CertificateDer<'static>,
    ),
    String,
> {
    let authority = origin.trim_start_matches("https://");
    let mut tcp = TcpStream::connect(proxy).await.unwrap();
    // As the direct connections in the benchmark (and browsers) do: no Nagle delay on requests.
    tcp.set_nodelay(true).unwrap();
    tcp.write_all(format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tcp.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let tls = tls_to_loopback(tcp, roots).await?;
    let presented = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    Ok((tls, presented))
}

/// A TLS client handshake over `tcp` with 127.0.0.1, trusting only `roots`, offering HTTP/1.1.
pub async fn tls_to_loopback(
    tcp: TcpStream,
    roots: &[CertificateDer<'static>],
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(store)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from("127.0.0.1").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())
}

/// An HTTP/1.1 connection over `tls`.
pub async fn h1(
    tls: tokio_rustls::client::TlsStream<TcpStream>,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn.with_upgrades());
    sender
}

pub fn get(origin: &str, path: &str) -> hyper::http::request::Builder {
    Request::get(path).header("host", origin.trim_start_matches("https://"))
}
