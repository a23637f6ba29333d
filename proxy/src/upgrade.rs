//! Requests that switch protocols (WebSockets, or any other `Upgrade`): they go to the server
//! over HTTP/1.1 with their upgrade headers kept, and on `101` the browser's and the server's
//! connections are joined byte for byte.

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use crate::body::empty;
use crate::error_page::unreachable;
use crate::forward::{downstream_response, host_header, strip_hop_by_hop};
use crate::upstream::Upstream;
use crate::Body;

/// A request asking to switch protocols (a WebSocket): sent over HTTP/1.1 with its upgrade
/// headers; on `101` both sides are joined byte for byte.
pub(crate) async fn upgrade(upstream: &Upstream, mut req: Request<Incoming>) -> Response<Body> {
    let from_browser = hyper::upgrade::on(&mut req);
    let (mut parts, body) = req.into_parts();
    let protocol = parts.headers.get(header::UPGRADE).cloned();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(protocol) = protocol {
        parts.headers.insert(header::UPGRADE, protocol);
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
    if let Some(host) = host_header(&parts.uri) {
        parts.headers.insert(header::HOST, host);
    }
    let target = parts.uri.clone();
    let mut response = match upstream
        .send_upgrade(Request::from_parts(parts, body))
        .await
    {
        Ok(r) => r,
        Err(e) => return unreachable(&target, &e),
    };
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        return downstream_response(response);
    }
    let from_server = hyper::upgrade::on(&mut response);
    tokio::spawn(async move {
        let (Ok(browser), Ok(server)) = tokio::join!(from_browser, from_server) else {
            return;
        };
        let _ =
            tokio::io::copy_bidirectional(&mut TokioIo::new(browser), &mut TokioIo::new(server))
                .await;
    });
    let (mut parts, _) = response.into_parts();
    parts.version = hyper::Version::HTTP_11;
    Response::from_parts(parts, empty())
}
