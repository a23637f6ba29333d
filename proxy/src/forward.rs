//! Plain forwarding: the browser's absolute-form request becomes an origin-form one for the
//! server (hop-by-hop headers dropped, `Host` as browsers send it), and the server's response
//! streams back as HTTP/1.1 without being held in memory.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, Uri};

use crate::error_page::unreachable;
use crate::upstream::Upstream;
use crate::Body;

/// Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// Removes the headers that belong to one connection, not to the message.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named in Connection are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(header::TRANSFER_ENCODING);
}

/// The `Host` header for an authority: the default port left out, as browsers send it.
pub(crate) fn host_header(uri: &Uri) -> Option<HeaderValue> {
    let authority = uri.authority()?;
    let default = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    let value = match authority.port_u16() {
        Some(port) if port != default => authority.as_str().to_owned(),
        _ => authority.host().to_owned(),
    };
    HeaderValue::from_str(&value).ok()
}

/// Turns the browser's absolute-form request into an origin-form one for the server.
pub(crate) fn upstream_request(req: Request<Incoming>) -> Request<Incoming> {
    let (mut parts, body) = req.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(host) = host_header(&parts.uri) {
        parts.headers.insert(header::HOST, host);
    }
    Request::from_parts(parts, body)
}

/// Sends `req` to its server; a failure is already the error page to answer with.
pub(crate) async fn send(
    upstream: &Upstream,
    req: Request<Incoming>,
) -> Result<Response<Incoming>, Response<Body>> {
    let target: Uri = req.uri().clone();
    upstream
        .send(req)
        .await
        .map_err(|e| unreachable(&target, &e))
}

/// Responses go back to the browser as HTTP/1.1, whatever the server spoke.
pub(crate) fn downstream_response(response: Response<Incoming>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    parts.version = hyper::Version::HTTP_11;
    // Streamed as it arrives: large downloads are never held in memory.
    Response::from_parts(parts, body.boxed())
}

/// Passes a request through to its server untouched, and the answer back.
pub(crate) async fn forward(upstream: &Upstream, req: Request<Incoming>) -> Response<Body> {
    match send(upstream, upstream_request(req)).await {
        Ok(response) => downstream_response(response),
        Err(error) => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_leave_out_the_default_port() {
        let h = |u: &str| host_header(&u.parse().unwrap()).unwrap();
        assert_eq!(h("https://app.example:443/x"), "app.example");
        assert_eq!(h("https://app.example:8443/x"), "app.example:8443");
        assert_eq!(h("http://127.0.0.1:80/"), "127.0.0.1");
    }
}
