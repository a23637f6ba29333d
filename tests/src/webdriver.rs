//! The settings panel in the real host, driven by WebKitWebDriver (Debian `webkit2gtk-driver`)
//! over the W3C WebDriver protocol. WebKit allows automation only in the first WebKit context a
//! process makes, so the driver starts a host whose first window is the panel
//! (`syncshell settings`, with `TAURI_WEBVIEW_AUTOMATION=true`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{Env, COMMAND_TIMEOUT};

/// How long a test waits for the panel to show what it expects.
pub const PANEL_TIMEOUT: Duration = Duration::from_secs(20);
/// The W3C element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session on the panel of a host it started.
pub struct Panel {
    driver: Child,
    base: String,
    http: reqwest::blocking::Client,
}

/// An element of the panel.
#[derive(Debug, Clone)]
pub struct Element(String);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Panel {
    /// Starts WebKitWebDriver with `env`'s environment and a session whose browser is
    /// `syncshell settings` (the host, with the panel as its first window).
    pub fn start(env: &Env) -> Self {
        let port = free_port();
        let mut cmd = Command::new("WebKitWebDriver");
        env.apply_env(&mut cmd);
        cmd.arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let driver = cmd
            .spawn()
            .expect("WebKitWebDriver must be installed (`make test` installs webkit2gtk-driver)");
        // reqwest is built without a default TLS provider (the workspace picks ring); the driver
        // is plain http on loopback, but the client wants one installed anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let mut panel = Self {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            http,
        };
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while panel
            .http
            .get(format!("{}/status", panel.base))
            .send()
            .is_err()
        {
            assert!(Instant::now() < deadline, "WebKitWebDriver did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        let caps = json!({ "capabilities": { "alwaysMatch": { "webkitgtk:browserOptions": {
            "binary": Env::binary(), "args": ["settings"],
        } } } });
        let created = panel.post("/session", caps);
        let session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        panel.base = format!("{}/session/{session}", panel.base);
        panel
    }

    fn answer(response: reqwest::blocking::Response) -> Value {
        let body: Value = response.json().expect("WebDriver answers JSON");
        if let Some(error) = body["value"]["error"].as_str() {
            panic!("WebDriver error {error}: {}", body["value"]["message"]);
        }
        body["value"].clone()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        Self::answer(
            self.http
                .post(url)
                .json(&body)
                .send()
                .expect("WebDriver POST"),
        )
    }

    fn get(&self, path: &str) -> Value {
        Self::answer(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .expect("WebDriver GET"),
        )
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the panel and returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result, in the panel.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": args }))
    }

    /// Calls the host as the panel does (`invoke(cmd, args)`): `Ok(value)` or `Err({kind, message})`.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let out = self.execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
               .then((value) => done({ ok: value === undefined ? null : value }), (error) => done({ error }));",
            json!([cmd, args]),
        );
        match out.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(out["ok"].clone()),
        }
    }

    /// Waits (bounded) until `script` returns something truthy, and returns it.
    pub fn wait_for(&self, what: &str, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + PANEL_TIMEOUT;
        loop {
            let value = self.execute(script, args.clone());
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {PANEL_TIMEOUT:?} waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The first element matching `css` (waiting for it, bounded).
    pub fn find(&self, css: &str) -> Element {
        self.wait_for(
            &format!("an element matching {css}"),
            "return document.querySelector(arguments[0]) !== null;",
            json!([css]),
        );
        let found = self.post("/element", json!({ "using": "css selector", "value": css }));
        Element(
            found[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element id in {found}"))
                .to_owned(),
        )
    }

    /// Clicks `element` as a user would (WebDriver's element click).
    pub fn click(&self, element: &Element) {
        self.post(&format!("/element/{}/click", element.0), json!({}));
    }

    /// Clicks the first element matching `css`.
    pub fn click_css(&self, css: &str) {
        let element = self.find(css);
        self.click(&element);
    }

    /// Types `text` into `element` (after clearing it).
    pub fn type_into(&self, element: &Element, text: &str) {
        self.post(&format!("/element/{}/clear", element.0), json!({}));
        self.post(
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        );
    }

    /// Presses keys (WebDriver key codes, e.g. "\u{E007}" for Enter) on the focused element.
    pub fn keys(&self, element: &Element, keys: &str) {
        self.post(
            &format!("/element/{}/value", element.0),
            json!({ "text": keys }),
        );
    }

    /// The element's rendered text.
    pub fn text(&self, element: &Element) -> String {
        self.get(&format!("/element/{}/text", element.0))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The window's title.
    pub fn title(&self) -> String {
        self.get("/title").as_str().unwrap_or_default().to_owned()
    }

    /// A PNG screenshot of the panel's page, once what the page shows now was painted (WebKit
    /// hands out the last painted frame).
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        self.execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            json!([]),
        );
        let data = self.get("/screenshot");
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64 PNG"))
            .expect("a PNG")
    }

    /// Sets the window's size (logical pixels).
    pub fn set_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height }));
    }
}

impl Drop for Panel {
    fn drop(&mut self) {
        // Ends the session (the driver then stops the host it started), then the driver.
        let _ = self.http.delete(&self.base).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
