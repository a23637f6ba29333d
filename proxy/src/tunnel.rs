//! Blind `CONNECT` tunnels: what every `CONNECT` becomes unless it is intercepted. The proxy
//! only copies bytes; TLS stays end to end between the browser and the server.

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::{empty, text};
use crate::Body;

/// A blind byte tunnel; TLS stays end to end between WebKit and the server. The server is
/// dialled before answering, so an unreachable one gets a 502, not a dead tunnel.
pub(crate) async fn tunnel(req: Request<Incoming>, authority: &str) -> Response<Body> {
    let mut server = match TcpStream::connect(authority).await {
        Ok(s) => s,
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                format!("syncshell proxy: cannot reach {authority}: {e}\n"),
            )
        }
    };
    let _ = server.set_nodelay(true);
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(upgraded), &mut server).await;
    });
    Response::new(empty())
}
