//! TLS interception against real https servers on loopback: installed origins are decrypted with
//! a leaf from the local CA and forwarded over verified TLS; everything else is a blind tunnel.
// Test code throughout, helpers included: a failed unwrap is a failing test with its message
// (clippy.toml's allow-unwrap-in-tests only reaches #[test] functions).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn installed_https_origins_are_intercepted_and_forwarded_over_verified_tls() {
    // The browser sees syncshell's leaf, which chains to syncshell's CA and names the host.
    let Intercepted {
        origin,
        seen,
        setup,
        tls,
        presented,
    } = intercepted().await;
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
async fn compressed_responses_pass_through_as_the_server_sent_them() {
    let Intercepted { origin, tls, .. } = intercepted().await;
    let mut http = h1(tls).await;
    let response = http
        .send_request(
            get(&origin, "/gzip")
                .header("accept-encoding", "gzip")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, gzip(GZIPPED_TEXT), "the compressed bytes, untouched");
}

/// A request body fed chunk by chunk from the test.
struct Chunks(tokio::sync::mpsc::Receiver<Bytes>);

impl futures_core::Stream for Chunks {
    type Item = Result<Frame<Bytes>, std::convert::Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|c| c.map(|c| Ok(Frame::data(c))))
    }
}

#[tokio::test]
async fn bodies_stream_both_ways_through_an_intercepted_origin() {
    // The upstream's /echo answers at once and streams the request body back as it arrives. If
    // the proxy held either body back until it was complete, the first echo would never come.
    let Intercepted { origin, tls, .. } = intercepted().await;
    let (mut http, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let request = Request::post("/echo")
        .header("host", origin.trim_start_matches("https://"))
        .body(StreamBody::new(Chunks(rx)))
        .unwrap();
    tx.send(Bytes::from_static(b"first part")).await.unwrap();
    let limit = Duration::from_secs(10);
    let response = tokio::time::timeout(limit, http.send_request(request))
        .await
        .expect("the answer starts before the request body ends")
        .unwrap();
    let mut body = response.into_body();
    for part in ["first part", "second part", "third part"] {
        if part != "first part" {
            tx.send(Bytes::from(part)).await.unwrap();
        }
        let frame = tokio::time::timeout(limit, body.frame())
            .await
            .unwrap_or_else(|_| panic!("{part:?} came back while the upload went on"))
            .unwrap()
            .unwrap();
        assert_eq!(frame.into_data().unwrap(), part);
    }
    drop(tx);
    let rest = tokio::time::timeout(limit, body.collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    assert!(rest.is_empty());
}

#[tokio::test]
async fn upgrades_through_an_intercepted_origin_join_both_sides() {
    let Intercepted { origin, tls, .. } = intercepted().await;
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

#[test]
fn the_proxy_started_as_the_host_starts_it_intercepts_on_a_worker_of_its_own() {
    // Outside any runtime, as the host calls it; the test's side runs on a runtime of its own.
    let outside = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let test_ca = TestCa::new("a public CA");
    let (server, _) = test_ca.server();
    let (origin, seen) = outside.block_on(https_upstream(server));
    let setup = proxy_on_own_thread(&[&origin], vec![test_ca.der.clone()]);
    outside.block_on(async {
        let (tls, _) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
            .await
            .unwrap();
        let mut http = h1(tls).await;
        let big = http
            .send_request(get(&origin, "/big").body(Full::default()).unwrap())
            .await
            .unwrap();
        let body = big.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), 128 * 64 * 1024);
    });
    assert_eq!(seen.lock().unwrap()[0].0, "/big");
    let names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .map(|t| std::fs::read_to_string(t.path().join("comm")).unwrap_or_default())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.trim() == syncshell_proxy::THREAD_NAME),
        "a thread named {}: {names:?}",
        syncshell_proxy::THREAD_NAME
    );
}
