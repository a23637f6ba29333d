//! What the intercepting proxy costs, on loopback: the same https server reached directly and
//! through the proxy (CONNECT, syncshell's leaf, verified upstream TLS), as WebKit reaches it.
//! Prints figures; asserts nothing about time.
//!
//! Each role runs on threads of its own, named so their CPU time can be told apart: `upstream`
//! (stands in for a remote server), `syncshell-proxy` (the proxy on its own single-threaded
//! runtime, started as the host starts it) and `client` (stands in for WebKit's network
//! process).
//!
//! `cargo bench -p syncshell-proxy --bench overhead`
// A measuring program, not library code: a failed unwrap ends the run with its message, which is
// all a bench needs (clippy.toml's allow-unwrap-in-tests does not reach bench targets).
#![allow(clippy::unwrap_used)]

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
const MIB: usize = 50;
/// Unpaced downloads each way: 21 x 50 MiB, about a GiB.
const ROUNDS: usize = 21;
/// Link speeds (megabits per second) the paced downloads imitate.
const LINKS_MBPS: [f64; 3] = [1_000.0, 2_500.0, 5_000.0];

const ROLES: [&str; 3] = ["upstream", syncshell_proxy::THREAD_NAME, "client"];

fn runtime(name: &str, threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()
        .unwrap()
}

fn main() {
    // `cargo test --all-targets` runs bench targets too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmarks run with `cargo bench`");
        return;
    }
    let upstream_rt = runtime(ROLES[0], 1);
    let client_rt = runtime(ROLES[2], 1);
    let test_ca = TestCa::new("a public CA");
    let (server, _) = test_ca.server();
    let (origin, _) = upstream_rt.block_on(https_upstream(server));
    let setup = proxy_on_own_thread(&[&origin], vec![test_ca.der.clone()]);
    client_rt
        .block_on(client_rt.spawn(measure(origin, setup, test_ca)))
        .unwrap();
}

async fn measure(origin: String, setup: Setup, test_ca: TestCa) {
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

    // Rounds alternate and medians are reported: a single download on a busy 2-core machine is
    // noisy. CPU time is summed over the rounds, per role: a GiB each way, so that a figure is
    // not one scheduler hiccup (five rounds, 250 MiB, gave 0.9-1.4 CPU-s/GiB run to run).
    let (mut direct_rates, mut proxied_rates, mut growths) = (Vec::new(), Vec::new(), Vec::new());
    let (mut direct_cpu, mut proxied_cpu) = ([0u64; 3], [0u64; 3]);
    for _ in 0..ROUNDS {
        let d = download(&mut direct, &origin, MIB, None).await;
        direct_rates.push(MIB as f64 / d.secs);
        add(&mut direct_cpu, d.cpu_ns);
        let p = download(&mut proxied, &origin, MIB, None).await;
        proxied_rates.push(MIB as f64 / p.secs);
        add(&mut proxied_cpu, p.cpu_ns);
        growths.push(p.rss_growth_mib);
    }
    for v in [&mut direct_rates, &mut proxied_rates, &mut growths] {
        v.sort_by(f64::total_cmp);
    }
    let (direct_mibs, proxied_mibs) = (direct_rates[ROUNDS / 2], proxied_rates[ROUNDS / 2]);
    println!(
        "{MIB} MiB download as fast as loopback goes, median of {ROUNDS}: direct {direct_mibs:.0} MiB/s, \
         proxied {proxied_mibs:.0} MiB/s ({:.0}% of direct)",
        100.0 * proxied_mibs / direct_mibs,
    );
    let per_gib = |ns: u64| ns as f64 / 1e9 * 1024.0 / (ROUNDS * MIB) as f64;
    for (name, cpu) in [("direct", direct_cpu), ("proxied", proxied_cpu)] {
        let parts: Vec<String> = ROLES
            .iter()
            .zip(cpu)
            .map(|(role, ns)| format!("{role} {:.2}", per_gib(ns)))
            .collect();
        println!("  CPU seconds per GiB, {name}: {}", parts.join(", "));
    }
    println!(
        "  the proxy forwards {:.0} MiB per CPU-second (decrypt, HTTP, re-encrypt)",
        1024.0 / per_gib(proxied_cpu[1])
    );

    println!("{MIB} MiB download paced by the server like a network link, median of 3:");
    for mbps in LINKS_MBPS {
        let (mut d, mut p) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            d.push(download(&mut direct, &origin, MIB, Some(mbps)).await.secs);
            p.push(download(&mut proxied, &origin, MIB, Some(mbps)).await.secs);
        }
        d.sort_by(f64::total_cmp);
        p.sort_by(f64::total_cmp);
        println!(
            "  {:.1} Gbit/s link: direct {:.0} MiB/s, proxied {:.0} MiB/s ({:.0}% of direct)",
            mbps / 1000.0,
            MIB as f64 / d[1],
            MIB as f64 / p[1],
            100.0 * d[1] / p[1]
        );
    }

    println!(
        "process RSS growth during a proxied {MIB} MiB download: median {:.1} MiB, max {:.1} MiB",
        growths[ROUNDS / 2],
        growths[ROUNDS - 1]
    );
    let small_one = download(&mut proxied, &origin, 5, None).await;
    println!(
        "  (during a 5 MiB proxied download: {:.1} MiB: flat in the size)",
        small_one.rss_growth_mib
    );
}

fn add(total: &mut [u64; 3], more: [u64; 3]) {
    for (t, m) in total.iter_mut().zip(more) {
        *t += m;
    }
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

/// CPU nanoseconds used so far by this process's threads of each role (`ROLES` order), from
/// the scheduler's per-thread accounting.
fn cpu_by_role() -> [u64; 3] {
    let mut out = [0u64; 3];
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let Some(role) = ROLES.iter().position(|r| *r == name.trim()) else {
            continue;
        };
        let on_cpu_ns: u64 = std::fs::read_to_string(task.path().join("schedstat"))
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        out[role] += on_cpu_ns;
    }
    out
}

struct Download {
    secs: f64,
    /// The largest growth of the process's RSS seen while it ran.
    rss_growth_mib: f64,
    /// CPU used by each role while it ran.
    cpu_ns: [u64; 3],
}

/// Downloads `mib` MiB (paced like a link of `mbps` if given), reading frame by frame.
async fn download(
    http: &mut SendRequest<Full<Bytes>>,
    origin: &str,
    mib: usize,
    mbps: Option<f64>,
) -> Download {
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
    let path = match mbps {
        Some(r) => format!("/big?mib={mib}&mbps={r}"),
        None => format!("/big?mib={mib}"),
    };
    let cpu_before = cpu_by_role();
    let start = Instant::now();
    let response = http
        .send_request(get(origin, &path).body(Full::default()).unwrap())
        .await
        .unwrap();
    let mut body = response.into_body();
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        total += frame.unwrap().into_data().map(|d| d.len()).unwrap_or(0);
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_after = cpu_by_role();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert_eq!(total, mib * 1024 * 1024);
    Download {
        secs,
        rss_growth_mib: (peak - before).max(0.0),
        cpu_ns: std::array::from_fn(|i| cpu_after[i] - cpu_before[i]),
    }
}
