//! Fetching what an install needs over HTTP(S), with size caps and errors a user can act on.

use std::sync::Once;
use std::time::Duration;

use url::Url;

/// Largest page read while looking for the manifest link.
pub const MAX_PAGE_BYTES: usize = 5 * 1024 * 1024;
/// Largest manifest accepted.
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;
/// Largest icon accepted.
pub const MAX_ICON_BYTES: usize = 5 * 1024 * 1024;
/// Redirects followed before calling it a loop; browsers stop at 20.
const MAX_REDIRECTS: usize = 20;

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Only http and https can be installed from.
    #[error("{url}: only http:// and https:// URLs can be fetched")]
    Scheme {
        /// The URL.
        url: Url,
    },
    /// DNS, refused connection, TLS failure, timeout.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL.
        url: Url,
        /// What the network stack said.
        reason: String,
    },
    /// Redirected in a loop, or too many times.
    #[error("{url}: too many redirects (a redirect loop?)")]
    RedirectLoop {
        /// The URL.
        url: Url,
    },
    /// The server answered with an error status.
    #[error("{url}: the server answered HTTP {status}")]
    Status {
        /// The URL.
        url: Url,
        /// The status code.
        status: u16,
    },
    /// The body was over the cap.
    #[error("{url}: the response is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: Url,
        /// The cap.
        limit: usize,
    },
}

/// A successful response, fully read.
#[derive(Debug)]
pub struct Fetched {
    /// The URL after redirects.
    pub url: Url,
    /// The Content-Type's MIME type, lowercased, without parameters.
    pub mime: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// An HTTP client for installs: follows redirects, verifies certificates, caps sizes.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
}

/// The HTTP client could not be built (no TLS backend, bad system configuration).
#[derive(Debug, thiserror::Error)]
#[error("cannot create the HTTP client: {0}")]
pub struct ClientError(#[source] reqwest::Error);

impl Fetcher {
    /// A client with syncshell's user agent and timeouts. Upstream certificates are always
    /// verified against the platform's roots (which honour `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    pub fn new() -> Result<Self, ClientError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(concat!("syncshell/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            // Installs must not go through whatever proxy the environment names: syncshell's own
            // proxy serves app windows, and a stray proxy variable must not see install traffic.
            .no_proxy()
            .build()
            .map_err(ClientError)?;
        Ok(Self { client })
    }

    /// GETs `url` and reads at most `limit` bytes of body. Error statuses are errors.
    pub async fn get(&self, url: &Url, limit: usize) -> Result<Fetched, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Scheme { url: url.clone() });
        }
        let mut response = self.client.get(url.clone()).send().await.map_err(|e| {
            if e.is_redirect() {
                FetchError::RedirectLoop { url: url.clone() }
            } else {
                FetchError::Unreachable {
                    url: url.clone(),
                    reason: error_chain(&e),
                }
            }
        })?;
        let final_url = response.url().clone();
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: final_url,
                status: status.as_u16(),
            });
        }
        let too_large = || FetchError::TooLarge {
            url: final_url.clone(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let mut body = Vec::new();
        // Read chunk by chunk: a server that lies about (or omits) its length cannot make us buffer more.
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Unreachable {
                url: final_url.clone(),
                reason: error_chain(&e),
            })?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: final_url,
            mime,
            body,
        })
    }
}

/// reqwest's top-level message ("error sending request") hides the cause; the innermost says it.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut source = e.source();
    let mut last = e.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

/// rustls needs one process-wide crypto provider; ring builds fast and is audited.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
