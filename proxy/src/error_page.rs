//! The page a browser shows when the proxy cannot reach a server: a certificate it refused is
//! told apart from a plain network failure, because the first is a security decision the user
//! should understand, not an outage.

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode, Uri};

use crate::body::made;
use crate::{upstream, Body};

/// The page a browser shows when the server cannot be reached, or its certificate is refused.
pub(crate) fn unreachable(
    target: &Uri,
    error: &hyper_util::client::legacy::Error,
) -> Response<Body> {
    let host = target.host().unwrap_or("the server");
    let message = match upstream::certificate_problem(error) {
        Some(problem) => format!(
            "syncshell refused to connect to {host}: its certificate is not trusted ({problem}). \
             Nothing was sent to it, and syncshell never falls back to an unverified or \
             unencrypted connection."
        ),
        None => {
            let mut cause: &dyn std::error::Error = error;
            while let Some(next) = cause.source() {
                cause = next;
            }
            format!("syncshell proxy: cannot reach {target}: {cause}")
        }
    };
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Cannot reach {title}</title>\
         <h1>Cannot reach {title}</h1><p>{body}</p>\n",
        title = escape_html(host),
        body = escape_html(&message)
    );
    let mut response = made(StatusCode::BAD_GATEWAY, "text/html; charset=utf-8", page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Host names and error texts come from the network: they must not become markup.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
