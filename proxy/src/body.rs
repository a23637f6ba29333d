//! Bodies and responses the proxy makes itself, as opposed to ones streamed from a server: every
//! path that answers on its own (errors, `CONNECT`, `101`, a rewritten worker script) builds
//! them here so they all share the crate's one [`Body`] type.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

use crate::Body;

/// A body made here (not streamed from a server).
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// The empty body of a `CONNECT` or `101` answer.
pub(crate) fn empty() -> Body {
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed()
}

/// A response the proxy makes itself.
pub(crate) fn made(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A plain-text answer from the proxy itself (a refused or failed request).
pub(crate) fn text(status: StatusCode, message: String) -> Response<Body> {
    made(status, "text/plain; charset=utf-8", message)
}
