//! TLS trust for https apps: each app's WebKit context accepts the proxy's leaf certificate for
//! that app's host only, never WebKit's global "ignore TLS errors".

use syncshell_core::origin::https_host;
use syncshell_proxy::ca::{Authority, Leaf};
use tauri::WebviewWindow;
use url::Url;

use super::WindowError;

/// What WebKit must accept for an https app: the proxy's leaf for the app's host.
pub struct TlsTrust {
    host: String,
    cert_pem: String,
}

impl From<&Leaf> for TlsTrust {
    fn from(leaf: &Leaf) -> Self {
        Self {
            host: leaf.host.clone(),
            cert_pem: leaf.cert_pem.clone(),
        }
    }
}

/// The leaf an https app's windows must trust (none for http apps).
pub fn leaf_for(authority: &Authority, origin: &str) -> Result<Option<TlsTrust>, WindowError> {
    let Some(host) = https_host(origin) else {
        return Ok(None);
    };
    let leaf = authority
        .leaf(&host, std::time::SystemTime::now())
        .map_err(|e| WindowError::Certificate {
            host: host.clone(),
            reason: e.to_string(),
        })?;
    Ok(Some(TlsTrust::from(leaf.as_ref())))
}

/// An https app's window starts blank: WebKit must be told to trust the leaf before the first
/// https request, and that can only be done once the webview exists.
pub fn first_url(tls: &Option<TlsTrust>, url: &Url) -> Url {
    match tls {
        Some(_) => Url::parse("about:blank").unwrap_or_else(|_| url.clone()),
        None => url.clone(),
    }
}

/// Tells the window's WebKit context to accept `tls`'s leaf for its host (that host only, that
/// app's context only), then loads `then`.
pub fn trust(window: &WebviewWindow, tls: TlsTrust, then: Option<Url>) -> Result<(), WindowError> {
    window
        .with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::{WebContextExt, WebViewExt};
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            match (
                webview.context(),
                webkit2gtk::gio::TlsCertificate::from_pem(&tls.cert_pem),
            ) {
                (Some(context), Ok(cert)) => {
                    context.allow_tls_certificate_for_host(&cert, &tls.host)
                }
                (_, Err(e)) => eprintln!("syncshell: {}: unusable certificate: {e}", tls.host),
                (None, _) => eprintln!("syncshell: {}: the webview has no context", tls.host),
            }
            if let Some(url) = then {
                webview.load_uri(url.as_str());
            }
        })
        .map_err(|source| WindowError::Webview {
            what: "TLS trust",
            source,
        })
}
