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

mod body;
mod error_page;
mod forward;
mod intercept;
mod routing;
mod tunnel;
mod upgrade;
mod worker_script;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, Full};
use hyper::header::HeaderMap;
use hyper::{Method, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

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
#[derive(Debug)]
pub struct Options {
    /// The local CA. Without it, https is never intercepted (every `CONNECT` is a tunnel).
    pub authority: Option<Arc<ca::Authority>>,
    /// Roots trusted for upstream servers on top of the platform's (tests only; the host
    /// leaves it empty and follows `SSL_CERT_FILE` like everything else).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// How long a kept-alive connection to a server may sit unused before it is closed
    /// ([`upstream::IDLE_TIMEOUT`] unless a test shortens it).
    pub upstream_idle_timeout: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            authority: None,
            extra_roots: Vec::new(),
            upstream_idle_timeout: upstream::IDLE_TIMEOUT,
        }
    }
}

/// What every connection of one proxy shares.
pub(crate) struct Shared {
    /// The host's decisions.
    pub(crate) policy: Arc<dyn Policy>,
    /// Clients to real servers.
    pub(crate) upstream: Upstream,
    /// The local CA, when https to installed origins is intercepted.
    pub(crate) authority: Option<Arc<ca::Authority>>,
}

/// A proxy without a listener of its own: it serves the connections it is handed. [`start`] is
/// one on a loopback listener; tests and fuzzing hand it in-memory streams.
pub struct Proxy {
    shared: Arc<Shared>,
}

impl Proxy {
    /// A proxy deciding with `policy`, set up as `options` say. Fails only if the upstream TLS
    /// configuration cannot be built.
    pub fn new(policy: Arc<dyn Policy>, options: Options) -> std::io::Result<Self> {
        let upstream = Upstream::new(options.extra_roots, options.upstream_idle_timeout)
            .map_err(std::io::Error::other)?;
        Ok(Self {
            shared: Arc::new(Shared {
                policy,
                upstream,
                authority: options.authority,
            }),
        })
    }

    /// Serves one browser connection (HTTP/1.1 in proxy form, with upgrades and `CONNECT`)
    /// until either side closes it. Upgraded and intercepted connections go on in tasks of
    /// their own, so this needs a Tokio runtime.
    pub async fn serve_connection<I>(&self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let shared = self.shared.clone();
        let service = hyper::service::service_fn(move |req| routing::handle(shared.clone(), req));
        let conn = hyper::server::conn::http1::Builder::new()
            .preserve_header_case(true)
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        // A client hanging up mid-response is normal for a browser; nothing to report.
        let _ = conn.await;
    }
}

/// Starts the proxy on 127.0.0.1 (an ephemeral port) for the rest of the process's life.
pub async fn start(policy: Arc<dyn Policy>, options: Options) -> std::io::Result<ProxyHandle> {
    let proxy = Arc::new(Proxy::new(policy, options)?);
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let proxy = proxy.clone();
            tokio::spawn(async move { proxy.serve_connection(stream).await });
        }
    });
    Ok(ProxyHandle { addr })
}

/// Name of the threads [`start_on_own_thread`] runs the proxy on (its worker, and the blocking
/// pool's threads when a reserved-path answer needs them).
pub const THREAD_NAME: &str = "syncshell-proxy";

/// Starts the proxy as [`start`] does, on a runtime of its own with one worker thread, for the
/// rest of the process's life. Call it outside any runtime.
///
/// Why one worker: a forwarded byte passes from the upstream connection's task to the browser
/// connection's task; with two workers those run on different threads and hand over through
/// wake-ups across cores, which cost about a tenth of the proxy's CPU per byte and made it vary
/// run to run (`cargo bench -p syncshell-proxy --bench overhead`, README "Benchmarks"). One core
/// forwards over a GiB/s, more than any link the host is on. The policy's reserved-path answers
/// must not block this worker (the host sends its store work to the blocking pool).
pub fn start_on_own_thread(
    policy: Arc<dyn Policy>,
    options: Options,
) -> std::io::Result<ProxyHandle> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()?;
    let handle = runtime.block_on(start(policy, options))?;
    // The accept loop and every connection are tasks on this runtime: it lives as long as the
    // process.
    std::mem::forget(runtime);
    Ok(handle)
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
}
