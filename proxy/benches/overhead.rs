//! What the intercepting proxy costs, on loopback: the same https server reached directly and
//! through the proxy (CONNECT, syncshell's leaf, verified upstream TLS), as WebKit reaches it.
//! Prints figures; asserts nothing about time.
//!
//! `cargo bench -p syncshell-proxy --bench overhead`

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpStream;

const SMALL_REQUESTS: usize = 1000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test --all-targets` runs bench targets too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmarks run with `cargo bench`");
        return;
    }
    let test_ca = TestCa::new("a public CA");
    let (server, _) = test_ca.server();
    let (origin, _) = https_upstream(server).await;
    let setup = proxy_with(&[&origin], vec![test_ca.der.clone()]).await;
    let authority = origin.trim_start_matches("https://").to_owned();

    let mut direct = direct_h1(&authority, &test_ca.der).await;
    let (tls, _) = tls_through(setup.proxy, &origin, &[setup.ca.ca_certificate().clone()])
        .await
        .unwrap();
    let mut proxied = h1(tls).await;

    // Warm both paths (TLS sessions, upstream pool).
    for _ in 0..50 {
        small(&mut direct, &origin).await;
        small(&mut proxied, &origin).await;
    }
    let mut d = Vec::with_capacity(SMALL_REQUESTS);
    let mut p = Vec::with_capacity(SMALL_REQUESTS);
    // Interleaved, so both see the same machine conditions.
    for _ in 0..SMALL_REQUESTS {
        d.push(small(&mut direct, &origin).await);
        p.push(small(&mut proxied, &origin).await);
    }
    d.sort_by(f64::total_cmp);
    p.sort_by(f64::total_cmp);
    let q = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!("{SMALL_REQUESTS} small https requests on one keep-alive connection:");
    println!(
        "  direct  p50 {:.3} ms  p99 {:.3} ms",
        q(&d, 0.5),
        q(&d, 0.99)
    );
    println!(
        "  proxied p50 {:.3} ms  p99 {:.3} ms",
        q(&p, 0.5),
        q(&p, 0.99)
    );
    println!(
        "  added   p50 {:.3} ms  p99 {:.3} ms",
        q(&p, 0.5) - q(&d, 0.5),
        q(&p, 0.99) - q(&d, 0.99)
    );

    // Five rounds, alternating, medians reported: a single download on a busy 2-core machine is
    // noisy.
    const MIB: usize = 50;
    let (mut direct_rates, mut proxied_rates, mut growths) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let (secs, _) = download(&mut direct, &origin, MIB).await;
        direct_rates.push(MIB as f64 / secs);
        let (secs, growth) = download(&mut proxied, &origin, MIB).await;
        proxied_rates.push(MIB as f64 / secs);
        growths.push(growth);
    }
    for v in [&mut direct_rates, &mut proxied_rates, &mut growths] {
        v.sort_by(f64::total_cmp);
    }
    let (direct_mibs, proxied_mibs) = (direct_rates[2], proxied_rates[2]);
    println!(
        "{MIB} MiB download, median of 5: direct {direct_mibs:.0} MiB/s, proxied {proxied_mibs:.0} MiB/s \
         ({:.0}% of direct); process RSS growth during a proxied download: median {:.1} MiB, max {:.1} MiB",
        100.0 * proxied_mibs / direct_mibs,
        growths[2],
        growths[4]
    );
    let (_, growth_small) = download(&mut proxied, &origin, 5).await;
    println!(
        "  (RSS growth for a 5 MiB proxied download: {growth_small:.1} MiB: flat in the size)"
    );
}

async fn direct_h1(authority: &str, root: &CertificateDer<'static>) -> SendRequest<Full<Bytes>> {
    let tcp = TcpStream::connect(authority).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let tls = tls_to_loopback(tcp, std::slice::from_ref(root))
        .await
        .unwrap();
    h1(tls).await
}

/// One small GET; its latency in milliseconds.
async fn small(http: &mut SendRequest<Full<Bytes>>, origin: &str) -> f64 {
    let start = Instant::now();
    let response = http
        .send_request(get(origin, "/small").body(Full::default()).unwrap())
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 12);
    start.elapsed().as_secs_f64() * 1000.0
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Downloads `mib` MiB, reading frame by frame; seconds taken and the largest RSS growth seen.
async fn download(http: &mut SendRequest<Full<Bytes>>, origin: &str, mib: usize) -> (f64, f64) {
    let before = rss_mib();
    let done = Arc::new(AtomicBool::new(false));
    let watching = done.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0.0f64;
        while !watching.load(Ordering::Relaxed) {
            peak = peak.max(rss_mib());
            std::thread::sleep(Duration::from_millis(5));
        }
        peak
    });
    let start = Instant::now();
    let response = http
        .send_request(
            get(origin, &format!("/big?mib={mib}"))
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = response.into_body();
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        total += frame.unwrap().into_data().map(|d| d.len()).unwrap_or(0);
    }
    let secs = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert_eq!(total, mib * 1024 * 1024);
    (secs, (peak - before).max(0.0))
}
