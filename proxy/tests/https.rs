//! TLS interception against real https servers on loopback: installed origins are decrypted with
//! a leaf from the local CA and forwarded over verified TLS; everything else is a blind tunnel.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use syncshell_proxy::ca::Authority;
use syncshell_proxy::{start, Options, Policy, ReservedRequest, Shim};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SCRIPT: &str = "self.addEventListener('sync', () => {});\n";

/// A CA of the test's own, standing in for a public one.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
}

impl TestCa {
    fn new(name: &str) -> Self {
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
    fn server(&self) -> (Arc<rustls::ServerConfig>, CertificateDer<'static>) {
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

/// What an upstream saw: path, HTTP version, Cookie header.
type Seen = Arc<Mutex<Vec<(String, String, Option<String>)>>>;

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
        "/big" => {
            // 8 MiB in 64 KiB chunks, generated as it is sent.
            let chunks = futures_stream(128, 64 * 1024);
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

/// `count` chunks of `size` zero bytes, as a body stream.
fn futures_stream(
    count: usize,
    size: usize,
) -> impl futures_core::Stream<Item = Result<Frame<Bytes>, hyper::Error>> + Send + Sync + 'static {
    let chunk = Bytes::from(vec![0u8; size]);
    ChunkStream { left: count, chunk }
}

struct ChunkStream {
    left: usize,
    chunk: Bytes,
}

impl futures_core::Stream for ChunkStream {
    type Item = Result<Frame<Bytes>, hyper::Error>;
    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        self.left -= 1;
        std::task::Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }
}

/// An https server on 127.0.0.1 (h2 and HTTP/1.1); its origin and what it saw.
async fn https_upstream(config: Arc<rustls::ServerConfig>) -> (String, Seen) {
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

struct Installed(Mutex<Vec<String>>, Arc<Shim>);

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

struct Setup {
    proxy: std::net::SocketAddr,
    ca: Arc<Authority>,
    policy: Arc<Installed>,
    _dir: tempfile::TempDir,
}

async fn proxy_with(installed: &[&str], upstream_roots: Vec<CertificateDer<'static>>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(Authority::open(dir.path(), SystemTime::now()).unwrap());
    let policy = Arc::new(Installed(
        Mutex::new(installed.iter().map(|s| s.to_string()).collect()),
        Arc::new(Shim::new("/* shim */")),
    ));
    let handle = start(
        policy.clone(),
        Options {
            authority: Some(ca.clone()),
            extra_roots: upstream_roots,
        },
    )
    .await
    .unwrap();
    Setup {
        proxy: handle.addr,
        ca,
        policy,
        _dir: dir,
    }
}

/// CONNECTs through the proxy and does a TLS handshake trusting only `roots`; returns the
/// stream and the certificate the other end presented.
async fn tls_through(
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
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let presented = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    Ok((tls, presented))
}

/// An HTTP/1.1 connection over `tls`.
async fn h1(
    tls: tokio_rustls::client::TlsStream<TcpStream>,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn.with_upgrades());
    sender
}

fn get(origin: &str, path: &str) -> hyper::http::request::Builder {
    Request::get(path).header("host", origin.trim_start_matches("https://"))
}

#[tokio::test]
async fn installed_https_origins_are_intercepted_and_forwarded_over_verified_tls() {
    let test_ca = TestCa::new("a public CA");
    let (server, _) = test_ca.server();
    let (origin, seen) = https_upstream(server).await;
    let setup = proxy_with(&[&origin], vec![test_ca.der.clone()]).await;

    // The browser sees syncshell's leaf, which chains to syncshell's CA and names the host.
    let (tls, presented) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
        .await
        .expect("the leaf verifies against syncshell's CA");
    assert_eq!(
        presented,
        setup.ca.leaf("127.0.0.1", SystemTime::now()).unwrap().chain[0]
    );
    let mut http = h1(tls).await;

    // Keep-alive: several requests on the one connection.
    let script = http
        .send_request(
            get(&origin, "/sw.js")
                .header("service-worker", "script")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = script.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, format!("/* shim */\n{SCRIPT}").as_bytes());

    let reserved = http
        .send_request(
            get(&origin, "/__syncshell__/api")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        reserved.into_body().collect().await.unwrap().to_bytes(),
        "reserved"
    );

    let echo = http
        .send_request(
            Request::post("/echo")
                .header("host", origin.trim_start_matches("https://"))
                .body(Full::new(Bytes::from_static(b"posted body")))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        echo.into_body().collect().await.unwrap().to_bytes(),
        "posted body"
    );

    let cookie = http
        .send_request(
            get(&origin, "/cookie")
                .header("cookie", "prefs=dark")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        cookie.headers()["set-cookie"],
        "session=abc; Secure; HttpOnly"
    );
    cookie.into_body().collect().await.unwrap();

    let redirect = http
        .send_request(get(&origin, "/redirect").body(Full::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        redirect.status(),
        302,
        "redirects go back to the browser as they are"
    );
    assert_eq!(redirect.headers()["location"], "/target");
    redirect.into_body().collect().await.unwrap();

    let big = http
        .send_request(get(&origin, "/big").body(Full::default()).unwrap())
        .await
        .unwrap();
    let mut body = big.into_body();
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        total += frame.unwrap().into_data().map(|d| d.len()).unwrap_or(0);
    }
    assert_eq!(total, 128 * 64 * 1024);

    let seen = seen.lock().unwrap().clone();
    let paths: Vec<&str> = seen.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["/sw.js", "/echo", "/cookie", "/redirect", "/big"],
        "the reserved path stays in the proxy"
    );
    assert!(
        seen.iter().all(|(_, v, _)| v == "HTTP/2.0"),
        "HTTP/2 upstream where offered: {seen:?}"
    );
    assert_eq!(seen[2].2.as_deref(), Some("prefs=dark"));
}

#[tokio::test]
async fn upgrades_through_an_intercepted_origin_join_both_sides() {
    let test_ca = TestCa::new("a public CA");
    let (server, _) = test_ca.server();
    let (origin, _) = https_upstream(server).await;
    let setup = proxy_with(&[&origin], vec![test_ca.der.clone()]).await;
    let (tls, _) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
        .await
        .unwrap();
    let mut http = h1(tls).await;
    let response = http
        .send_request(
            get(&origin, "/upgrade")
                .header("connection", "upgrade")
                .header("upgrade", "echo")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    let mut io = TokioIo::new(hyper::upgrade::on(response).await.unwrap());
    io.write_all(b"ping over the upgraded stream")
        .await
        .unwrap();
    let mut echoed = vec![0u8; 29];
    io.read_exact(&mut echoed).await.unwrap();
    assert_eq!(echoed, b"ping over the upgraded stream");
}

#[tokio::test]
async fn other_https_hosts_are_tunnelled_and_see_the_real_certificate() {
    let test_ca = TestCa::new("a public CA");
    let (server, real_cert) = test_ca.server();
    let (origin, seen) = https_upstream(server).await;
    let setup = proxy_with(&["https://elsewhere.test"], vec![test_ca.der.clone()]).await;
    let (tls, presented) = tls_through(setup.proxy, &origin, std::slice::from_ref(&test_ca.der))
        .await
        .expect("end-to-end TLS with the real server");
    assert_eq!(presented, real_cert);
    let mut http = h1(tls).await;
    let r = http
        .send_request(
            get(&origin, "/sw.js")
                .header("service-worker", "script")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        r.into_body().collect().await.unwrap().to_bytes(),
        SCRIPT,
        "no shim"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn uninstalling_stops_the_interception() {
    let test_ca = TestCa::new("a public CA");
    let (server, real_cert) = test_ca.server();
    let (origin, _) = https_upstream(server).await;
    let setup = proxy_with(&[&origin], vec![test_ca.der.clone()]).await;
    let (_, presented) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
        .await
        .unwrap();
    assert_ne!(presented, real_cert);
    setup.policy.0.lock().unwrap().clear();
    setup.ca.revoke("127.0.0.1");
    let (_, presented) = tls_through(setup.proxy, &origin, std::slice::from_ref(&test_ca.der))
        .await
        .unwrap();
    assert_eq!(presented, real_cert);
}

#[tokio::test]
async fn an_untrusted_upstream_gets_an_error_page_and_nothing_else() {
    let trusted = TestCa::new("a public CA");
    let rogue = TestCa::new("a rogue CA");
    let (server, _) = rogue.server();
    let (origin, seen) = https_upstream(server).await;
    let setup = proxy_with(&[&origin], vec![trusted.der.clone()]).await;
    let (tls, _) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
        .await
        .unwrap();
    let mut http = h1(tls).await;
    let response = http
        .send_request(
            Request::post("/echo")
                .header("host", origin.trim_start_matches("https://"))
                .body(Full::new(Bytes::from_static(b"secret")))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("certificate is not trusted"), "{page}");
    assert!(
        page.contains("UnknownIssuer") || page.contains("unknown issuer"),
        "{page}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the server"
    );
}
