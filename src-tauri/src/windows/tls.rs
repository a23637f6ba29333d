//! TLS trust for https apps: each app's WebKit context accepts the proxy's leaf certificate for
//! that app's host only, never WebKit's global "ignore TLS errors". Which leaf is the resident's
//! word (`Launch::tls`): the proxy serves the same one.

use syncshell_resident::desktop::TlsTrust;
use tauri::WebviewWindow;
use url::Url;

use super::WindowError;

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
