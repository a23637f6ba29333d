//! Forwarding an installed app's service worker script with the shim in front: validators are
//! translated both ways so a new shim is a new script to the browser, and the script is decoded
//! and rewritten in memory (capped at [`MAX_SCRIPT_BYTES`]). The byte-level work is
//! [`crate::inject`]'s; this file is the HTTP around it.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};

use crate::body::{full, text};
use crate::forward::{send, strip_hop_by_hop, upstream_request};
use crate::inject::{self, Shim};
use crate::upstream::Upstream;
use crate::{Body, MAX_SCRIPT_BYTES};

/// Fetches a service worker script and answers with `shim` in front of it. Anything but a
/// `200` (a `304`, an error) passes through with only its ETag translated.
pub(crate) async fn forward_worker_script(
    upstream: &Upstream,
    req: Request<Incoming>,
    shim: &Shim,
) -> Response<Body> {
    let mut req = upstream_request(req);
    let headers = req.headers_mut();
    // Revalidation must reflect the shim too: translate our ETags back, and never let a date
    // check say "not modified" when only the shim changed.
    headers.remove(header::IF_MODIFIED_SINCE);
    let browser_inm = headers.remove(header::IF_NONE_MATCH);
    if let Some(inm) = browser_inm
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| shim.upstream_if_none_match(v))
    {
        if let Ok(value) = HeaderValue::from_str(&inm) {
            headers.insert(header::IF_NONE_MATCH, value);
        }
    }
    let response = match send(upstream, req).await {
        Ok(r) => r,
        Err(error) => return error,
    };
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    rewrite_etag(&mut parts.headers, shim);
    if parts.status != StatusCode::OK {
        return Response::from_parts(parts, body.boxed());
    }
    let raw = match Limited::new(body, MAX_SCRIPT_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                format!("syncshell proxy: cannot read the service worker script: {e}\n"),
            )
        }
    };
    let encoding = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let script = match inject::decode(encoding.as_deref(), &raw, MAX_SCRIPT_BYTES) {
        Ok(s) => s,
        Err(e) => return text(StatusCode::BAD_GATEWAY, format!("syncshell proxy: {e}\n")),
    };
    let body = shim.inject(&script);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.remove(header::LAST_MODIFIED);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, full(body))
}

/// The server's ETag with the shim version in it; without a usable one, none at all (an ETag
/// that ignored the shim would let the browser keep a script with an old shim).
fn rewrite_etag(headers: &mut HeaderMap, shim: &Shim) {
    let ours = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| shim.response_etag(v))
        .and_then(|v| HeaderValue::from_str(&v).ok());
    match ours {
        Some(v) => {
            headers.insert(header::ETAG, v);
        }
        None => {
            headers.remove(header::ETAG);
        }
    }
}
