//! Connections from the proxy to real servers. https upstreams are always verified against the
//! platform's roots (rustls-platform-verifier: on Linux the system store, honouring
//! `SSL_CERT_FILE` / `SSL_CERT_DIR`), the same trust `syncshell install` uses; there is no
//! switch to turn that off.

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;

/// Why the clients to real servers cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The platform's trusted certificates (or the extra roots) cannot be loaded.
    #[error("cannot load the system's trusted certificates: {0}")]
    Roots(#[source] rustls::Error),
    /// rustls refused the TLS settings.
    #[error(transparent)]
    Tls(rustls::Error),
}

/// The clients the proxy forwards with.
pub struct Upstream {
    http: Client<HttpConnector, Incoming>,
    /// HTTP/2 where the server offers it (ALPN), else HTTP/1.1.
    https: Client<HttpsConnector<HttpConnector>, Incoming>,
    /// HTTP/1.1 only: upgrades (WebSockets) need it.
    https_h1: Client<HttpsConnector<HttpConnector>, Incoming>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream").finish_non_exhaustive()
    }
}

fn tcp() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector
}

/// TLS settings for upstream connections: the platform verifier, plus `extra_roots` (empty in
/// the host; tests add their own CA instead of touching the environment).
pub fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, UpstreamError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(UpstreamError::Roots)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(UpstreamError::Tls)?
        .dangerous() // rustls' name for "a verifier other than its built-in one"; it verifies.
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// How long a kept-alive connection to a server stays open unused: hyper's default, which it
/// applies only with a timer (without one, measured in the 100-app soak, every connection the
/// proxy ever pooled stayed open while the host ran, a few hundred sockets).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

impl Upstream {
    /// Clients trusting the platform's roots and `extra_roots`, closing connections unused for
    /// `idle_timeout`.
    pub fn new(
        extra_roots: Vec<CertificateDer<'static>>,
        idle_timeout: Duration,
    ) -> Result<Self, UpstreamError> {
        let config = client_config(extra_roots)?;
        let executor = TokioExecutor::new();
        let client = || {
            let mut builder = Client::builder(executor.clone());
            builder
                .pool_timer(TokioTimer::new())
                .pool_idle_timeout(idle_timeout);
            builder
        };
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(config.clone())
            .https_only()
            .enable_http1()
            .enable_http2()
            .wrap_connector(tcp());
        let https_h1 = HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_only()
            .enable_http1()
            .wrap_connector(tcp());
        Ok(Self {
            http: client().build(tcp()),
            https: client().build(https),
            https_h1: client().build(https_h1),
        })
    }

    /// Sends `req` (absolute URI) to its server.
    pub async fn send(
        &self,
        req: Request<Incoming>,
    ) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
        match req.uri().scheme_str() {
            Some("https") => self.https.request(req).await,
            _ => self.http.request(req).await,
        }
    }

    /// Sends a request that asks for a protocol upgrade, over HTTP/1.1.
    pub async fn send_upgrade(
        &self,
        req: Request<Incoming>,
    ) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
        match req.uri().scheme_str() {
            Some("https") => self.https_h1.request(req).await,
            _ => self.http.request(req).await,
        }
    }
}

/// Whether an upstream failure is a certificate the proxy refused (rather than, say, a refused
/// connection), and rustls' words for it.
pub fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    for _ in 0..16 {
        let e = cause?;
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        // io::Error's `source()` skips the error it wraps; look inside it instead (connectors
        // nest io::Errors around rustls' error).
        cause = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}
