//! The bundled demo app and the small HTTP server that serves it on loopback, so a newcomer sees
//! syncshell working with nothing else installed.

use std::net::{Ipv4Addr, SocketAddr};

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::{Deserialize, Serialize};
use url::Url;

/// The port the demo is served on unless `SYNCSHELL_DEMO_PORT` says otherwise. Fixed, because the
/// port is part of the app's origin: a new port each time would install a new app each time.
pub const DEFAULT_PORT: u16 = 47180;

/// The demo's files, compiled into the binary.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_bytes!("../../web/demo/index.html"),
    ),
    (
        "/index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../web/demo/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/demo/app.js"),
    ),
    (
        "/outbox.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/demo/outbox.js"),
    ),
    (
        "/sw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/demo/sw.js"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/demo/style.css"),
    ),
    (
        "/manifest.webmanifest",
        "application/manifest+json",
        include_bytes!("../../web/demo/manifest.webmanifest"),
    ),
    (
        "/icon-192.png",
        "image/png",
        include_bytes!("../../web/demo/icon-192.png"),
    ),
    (
        "/icon-512.png",
        "image/png",
        include_bytes!("../../web/demo/icon-512.png"),
    ),
];

/// A running demo server.
#[derive(Debug)]
pub struct DemoServer {
    /// The demo app's start URL.
    pub url: Url,
}

/// `SYNCSHELL_DEMO_PORT` is not a port number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SYNCSHELL_DEMO_PORT must be a port number (1-65535), not \"{0}\"")]
pub struct BadPort(String);

/// Why the demo cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The port setting is bad.
    #[error(transparent)]
    Port(#[from] BadPort),
    /// The port is taken (or not ours to take).
    #[error(
        "cannot serve the demo on {addr}: {source} (set SYNCSHELL_DEMO_PORT to use another port)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The demo's port: `SYNCSHELL_DEMO_PORT`, or the default.
pub fn port() -> Result<u16, BadPort> {
    match std::env::var("SYNCSHELL_DEMO_PORT") {
        Ok(v) => v.parse::<u16>().ok().filter(|p| *p != 0).ok_or(BadPort(v)),
        Err(_) => Ok(DEFAULT_PORT),
    }
}

/// The demo's origin URL on `port`.
pub fn url(port: u16) -> Url {
    Url::parse(&format!("http://127.0.0.1:{port}/")).expect("a loopback URL parses")
}

/// Starts serving the demo on 127.0.0.1:`port` for the rest of the process's life.
pub async fn start(port: u16) -> Result<DemoServer, DemoError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| DemoError::Bind { addr, source })?;
    let app = axum::Router::new()
        .route("/api/messages", get(list_messages).post(post_message))
        .route("/api/down", get(get_down).post(set_down))
        .fallback(serve_file)
        .with_state(Arc::new(Mutex::new(DemoState::default())));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("syncshell: the demo server stopped: {e}");
        }
    });
    Ok(DemoServer { url: url(port) })
}

/// The demo server's data: the messages it accepted, and its "down" switch.
#[derive(Debug, Default)]
struct DemoState {
    down: bool,
    messages: Vec<Message>,
}

/// A message the demo app sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Message {
    text: String,
    #[serde(default)]
    at: f64,
}

type Shared = State<Arc<Mutex<DemoState>>>;

async fn list_messages(State(state): Shared) -> Json<Vec<Message>> {
    Json(
        state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .messages
            .clone(),
    )
}

/// Accepts a message unless the switch says the server is down (then 503, so the app's sync
/// handler fails and syncshell retries later).
async fn post_message(State(state): Shared, body: axum::body::Bytes) -> Response {
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    if state.down {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the demo server is down (switch it back on in the app)",
        )
            .into_response();
    }
    match serde_json::from_slice::<Message>(&body) {
        Ok(message) if message.text.len() <= 10_000 && state.messages.len() < 10_000 => {
            state.messages.push(message);
            StatusCode::CREATED.into_response()
        }
        Ok(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too many or too long").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn get_down(State(state): Shared) -> Json<bool> {
    Json(state.lock().unwrap_or_else(|e| e.into_inner()).down)
}

/// Sets the switch from a JSON `true` / `false` body (whatever Content-Type the client sent).
async fn set_down(State(state): Shared, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<bool>(&body) {
        Ok(down) => {
            state.lock().unwrap_or_else(|e| e.into_inner()).down = down;
            Json(down).into_response()
        }
        Err(_) => (StatusCode::BAD_REQUEST, "send true or false").into_response(),
    }
}

async fn serve_file(uri: Uri) -> Response {
    match FILES.iter().find(|(path, _, _)| *path == uri.path()) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_valid_and_its_icons_are_served() {
        let manifest = FILES
            .iter()
            .find(|f| f.0 == "/manifest.webmanifest")
            .unwrap()
            .2;
        let base = url(DEFAULT_PORT);
        let processed = syncshell_core::manifest::process(
            std::str::from_utf8(manifest).unwrap(),
            &base.join("manifest.webmanifest").unwrap(),
            &base,
        )
        .unwrap();
        assert!(processed.warnings.is_empty(), "{:?}", processed.warnings);
        for icon in processed.manifest.icons {
            assert!(FILES.iter().any(|f| f.0 == icon.src.path()), "{}", icon.src);
        }
    }

    #[test]
    fn every_script_and_stylesheet_the_demo_loads_is_served() {
        let file = |path: &str| {
            std::str::from_utf8(FILES.iter().find(|f| f.0 == path).unwrap().2).unwrap()
        };
        let mut wanted: Vec<String> = Vec::new();
        for attr in ["src=\"", "href=\""] {
            for part in file("/index.html").split(attr).skip(1) {
                let target = part.split('"').next().unwrap();
                if !target.starts_with("http") {
                    wanted.push(format!("/{target}"));
                }
            }
        }
        for part in file("/sw.js").split("importScripts('").skip(1) {
            wanted.push(format!("/{}", part.split('\'').next().unwrap()));
        }
        let shell = file("/sw.js")
            .split("const SHELL = [")
            .nth(1)
            .unwrap()
            .split(']')
            .next()
            .unwrap()
            .to_owned();
        for entry in shell.split(',') {
            let name = entry.trim().trim_matches('\'');
            wanted.push(if name == "./" {
                "/".into()
            } else {
                format!("/{name}")
            });
        }
        assert!(wanted.len() > 8, "{wanted:?}");
        for path in wanted {
            assert!(
                FILES.iter().any(|f| f.0 == path),
                "{path} is loaded by the demo but not served"
            );
        }
    }

    #[test]
    fn the_port_comes_from_the_environment_when_valid() {
        // One test owns this variable, so parallel tests do not race on it.
        std::env::set_var("SYNCSHELL_DEMO_PORT", "0");
        assert!(port().is_err());
        std::env::set_var("SYNCSHELL_DEMO_PORT", "5000");
        assert_eq!(port(), Ok(5000));
        std::env::remove_var("SYNCSHELL_DEMO_PORT");
        assert_eq!(port(), Ok(DEFAULT_PORT));
    }
}
