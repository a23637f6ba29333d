//! `syncshell demo`: serves the bundled demo PWA on loopback, installs it, opens it.

use std::io::{Read, Write};

use syncshell_e2e::harness::{wait_until, Env, COMMAND_TIMEOUT, PAGE_TIMEOUT};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn http_get(port: u16, path: &str) -> String {
    http(port, "GET", path, "")
}

#[test]
fn demo_serves_installs_and_opens_the_bundled_app() {
    let mut env = Env::new();
    let port = free_port();
    env.set_env("SYNCSHELL_DEMO_PORT", &port.to_string());
    let host = env.spawn_host(&["demo"]);
    wait_until(
        "the demo to be installed and opened",
        COMMAND_TIMEOUT,
        || env.host_log(host).contains("The demo is served at"),
    );
    let log = env.host_log(host);
    assert!(
        log.contains("Installed \"syncshell demo\" as demo\n"),
        "{log}"
    );
    let origin = format!("http://127.0.0.1:{port}");
    let list = env.run(&["list"]).success().stdout;
    assert!(
        list.contains(&format!("demo  syncshell demo  {origin}/")),
        "{list}"
    );
    wait_until("the demo window", PAGE_TIMEOUT, || {
        env.run(&["status"]).stdout.contains("open windows: demo")
    });

    // The demo server answers while the host runs: page, manifest, worker.
    assert!(http_get(port, "/").contains("<link rel=\"manifest\" href=\"manifest.webmanifest\">"));
    assert!(http_get(port, "/manifest.webmanifest").contains("\"short_name\": \"demo\""));
    assert!(http_get(port, "/sw.js").contains("addEventListener('fetch'"));
    assert!(http_get(port, "/nope").starts_with("HTTP/1.1 404"));
    assert!(env
        .data_home()
        .join("icons/hicolor/512x512/apps/syncshell-demo.png")
        .exists());

    // Running it again while the host runs updates the same app.
    let again = env.run(&["demo"]).success().stdout;
    assert!(
        again.starts_with("Updated \"syncshell demo\" as demo\n"),
        "{again}"
    );
}

#[test]
fn the_demo_outbox_delivers_a_message_written_while_its_server_was_down() {
    let mut env = Env::new();
    let port = free_port();
    env.set_env("SYNCSHELL_DEMO_PORT", &port.to_string());
    env.set_env("SYNCSHELL_INITIAL_RETRY_DELAY", "1s");
    env.set_env("SYNCSHELL_RETRY_DELAY_FACTOR", "1");
    env.set_env("SYNCSHELL_MAX_SYNC_ATTEMPTS", "20");
    let host = env.spawn_host(&["demo"]);
    wait_until("the demo", COMMAND_TIMEOUT, || {
        env.host_log(host).contains("The demo is served at")
    });
    env.run(&["network", "online"]).success();
    assert!(http(port, "POST", "/api/down", "true").contains("true"));

    // Type a message into the demo window, as a user would.
    let window = env
        .x_tool(
            "xdotool",
            &["search", "--sync", "--name", "^syncshell demo$"],
        )
        .success()
        .stdout;
    let window = window.lines().next().unwrap().to_owned();
    // The page registers its worker right after loading; the form falls back to a direct send
    // until then, so wait for the worker (its script passed through the proxy) before typing.
    wait_until(
        "the demo's worker script to be fetched",
        PAGE_TIMEOUT,
        || env.run(&["sync", "fire", "demo", "warm-up"]).code == 0,
    );
    // A click into the message field gives the web view keyboard focus, as for a user.
    env.x_tool(
        "xdotool",
        &["mousemove", "--window", &window, "300", "229", "click", "1"],
    )
    .success();
    env.x_tool("xdotool", &["type", "--delay", "20", "hello while down"])
        .success();
    env.x_tool("xdotool", &["key", "Return"]).success();
    wait_until("the sync registration", PAGE_TIMEOUT, || {
        env.run(&["sync", "list", "demo"]).stdout.contains("outbox")
    });
    // Refused while down: still queued, attempts counting up.
    wait_until("a refused attempt", PAGE_TIMEOUT, || {
        env.run(&["log", "demo"])
            .stdout
            .contains("sync event failed")
    });
    assert_eq!(
        http_get(port, "/api/messages")
            .rsplit("\r\n\r\n")
            .next()
            .unwrap(),
        "[]"
    );

    env.run(&["close", "demo"]).success();
    assert!(http(port, "POST", "/api/down", "false").contains("false"));
    wait_until("the message to reach the demo server", PAGE_TIMEOUT, || {
        http_get(port, "/api/messages").contains("\"text\":\"hello while down\"")
    });
    wait_until("the registration to complete", PAGE_TIMEOUT, || {
        env.run(&["sync", "list", "demo"])
            .stdout
            .starts_with("No background sync registrations")
    });
    assert!(env.run(&["status"]).stdout.contains("open windows: none"));
}
