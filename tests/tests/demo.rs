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

fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
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
