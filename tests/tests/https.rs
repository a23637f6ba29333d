//! HTTPS apps end to end: fixture servers with certificates from a test CA (which syncshell trusts
//! through `SSL_CERT_FILE`), the real host intercepting TLS for installed origins only.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox::{self, posts};
use syncshell_e2e::tls::{get_through, TestCa};

const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

fn reports(server: &FixtureServer, event: &str) -> usize {
    server.count(|r| r.is_report(event))
}

/// The outbox fixture over https, installed and open, its worker active.
fn https_outbox(ca: &TestCa) -> (Env, FixtureServer) {
    let mut env = Env::new();
    env.trust_ca(ca);
    outbox::quick_retries(&mut env);
    let (config, _) = ca.server_config();
    let server = FixtureServer::start_https(Some("outbox"), config);
    outbox::install_and_open(&mut env, &server);
    (env, server)
}

fn syncshell_ca(env: &Env) -> rustls::pki_types::CertificateDer<'static> {
    let pem = std::fs::read_to_string(env.data_home().join("syncshell/tls/ca.pem")).unwrap();
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}

#[test]
fn the_outbox_works_over_https_with_the_window_closed() {
    let ca = TestCa::new("test public CA");
    let (env, server) = https_outbox(&ca);
    server.route("/api/posts", Canned::status(503));
    server.instruct(serde_json::json!({ "post": "sent over https" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    wait_until("the first attempt to be refused", SYNC_TIMEOUT, || {
        env.db()
            .query_row(
                "SELECT count(*) FROM background_log WHERE event = 'sync event failed'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            == 1
    });
    env.run(&["close", "outbox"]).success();
    server.route("/api/posts", Canned::status(201));
    wait_until("the registration to complete", SYNC_TIMEOUT, || {
        env.db()
            .query_row("SELECT count(*) FROM sync_registrations", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            == 0
    });
    let sent = posts(&server);
    assert_eq!(sent.len(), 2, "one refused, one delivered: {sent:?}");
    assert_eq!(sent[1], r#"{"text":"sent over https"}"#);
    assert!(env.run(&["status"]).stdout.contains("open windows: none"));
}

#[test]
fn a_websocket_echo_over_wss_works_inside_an_installed_https_app() {
    let ca = TestCa::new("test public CA");
    let (_env, server) = https_outbox(&ca);
    server.instruct(serde_json::json!({ "ws": format!("wss://{}/ws", server.origin().trim_start_matches("https://")) }));
    let reply = server.wait_for_report("ws", PAGE_TIMEOUT);
    assert_eq!(reply.query["reply"], "echo: ping");
    assert_eq!(server.count(|r| r.path == "/ws"), 1);
}

#[test]
fn only_installed_hosts_are_intercepted_and_uninstall_ends_it() {
    let ca = TestCa::new("test public CA");
    let (env, app) = https_outbox(&ca);
    let (config, other_cert) = ca.server_config();
    let other = FixtureServer::start_https(None, config);
    other.route("/hello", Canned::ok("text/plain", "from the real server"));
    let proxy = env.proxy_address();
    let ours = syncshell_ca(&env);
    let authority = |s: &FixtureServer| s.origin().trim_start_matches("https://").to_owned();

    // The installed app's host: syncshell's leaf, chaining to syncshell's CA, for that host.
    let installed = get_through(
        &proxy,
        &authority(&app),
        "/app/manifest.json",
        std::slice::from_ref(&ours),
    )
    .expect("the installed host is intercepted with syncshell's leaf");
    assert!(
        installed.response.starts_with("HTTP/1.1 200"),
        "{}",
        installed.response
    );
    // Another host: a blind tunnel, the server's own certificate (syncshell's CA fails).
    let tunnelled = get_through(
        &proxy,
        &authority(&other),
        "/hello",
        std::slice::from_ref(&ca.der),
    )
    .expect("the other host is reached end to end");
    assert_eq!(tunnelled.certificate, other_cert);
    assert!(tunnelled.response.ends_with("from the real server"));
    assert!(get_through(
        &proxy,
        &authority(&other),
        "/hello",
        std::slice::from_ref(&ours)
    )
    .is_err());

    // The CA's key is the owner's alone.
    let key = env.data_home().join("syncshell/tls/ca-key.pem");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Uninstalled: the host is tunnelled like any other.
    env.run(&["uninstall", "outbox"]).success();
    let after = get_through(
        &proxy,
        &authority(&app),
        "/app/manifest.json",
        std::slice::from_ref(&ca.der),
    )
    .expect("after uninstall the real certificate is seen");
    assert_ne!(after.certificate, installed.certificate);
    assert!(get_through(&proxy, &authority(&app), "/app/", &[ours]).is_err());
}

#[test]
fn an_upstream_with_an_untrusted_certificate_is_refused_with_a_clear_page() {
    let ca = TestCa::new("test public CA");
    let rogue = TestCa::new("a CA nobody trusts");
    let mut env = Env::new();
    env.trust_ca(&ca);
    let (good, _) = ca.server_config();
    let server = FixtureServer::start_https(Some("outbox"), good);
    // `syncshell install` uses the same trust: a server with a rogue certificate is refused.
    let (bad, _) = rogue.server_config();
    let impostor = FixtureServer::start_https(Some("outbox"), bad);
    let refused = env.run(&["install", &impostor.url("/app/")]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("certificate"),
        "the error says why: {}",
        refused.stderr
    );
    assert!(impostor.received().is_empty());

    // An installed app whose server stops being trusted (here: the host trusts another CA
    // than the one that issued the server's certificate) gets the proxy's error page, never a downgraded connection.
    env.run(&["install", &server.url("/app/")]).success();
    let before = server.received().len();
    env.trust_ca(&rogue);
    env.start_host();
    let proxy = env.proxy_address();
    let authority = server.origin().trim_start_matches("https://").to_owned();
    let page = get_through(&proxy, &authority, "/app/", &[syncshell_ca(&env)]).unwrap();
    assert!(
        page.response.starts_with("HTTP/1.1 502"),
        "{}",
        page.response
    );
    assert!(
        page.response.contains("certificate is not trusted"),
        "{}",
        page.response
    );
    assert_eq!(
        server.received().len(),
        before,
        "nothing reached the server"
    );
    assert_eq!(reports(&server, "loaded"), 0);
}

/// An https outbox app and, on another host of its own, its API, both with certificates from one
/// private CA; the page asks the API. Returns what the page got and `doctor`'s trust line.
fn app_and_api_of_a_private_ca(system_wide: bool) -> (FixtureReport, String) {
    let ca = TestCa::new("test private CA");
    let mut env = Env::new();
    if system_wide {
        env.trust_ca_system_wide(&ca);
    } else {
        env.trust_ca(&ca);
    }
    let (config, _) = ca.server_config();
    let app = FixtureServer::start_https(Some("outbox"), config);
    let (config, _) = ca.server_config();
    let api = FixtureServer::start_https(None, config);
    let mut hello = Canned::ok("text/plain", "from the API");
    hello
        .headers
        .push(("access-control-allow-origin".into(), "*".into()));
    api.route("/hello", hello);
    outbox::install_and_open(&mut env, &app);
    app.instruct(serde_json::json!({ "fetch": api.url("/hello") }));
    let got = wait_for_either(&app, "fetched", "fetch-failed");
    let doctor = env.run(&["doctor"]).stdout;
    let trust = doctor
        .lines()
        .skip_while(|l| !l.contains("trust store:"))
        .take(2)
        .collect::<Vec<_>>()
        .join("\n");
    (got, trust)
}

type FixtureReport = (String, std::collections::HashMap<String, String>);

/// The first of two reports the page sends.
fn wait_for_either(server: &FixtureServer, a: &str, b: &str) -> FixtureReport {
    let mut found = None;
    wait_until(
        &format!("the page to report {a} or {b}"),
        PAGE_TIMEOUT,
        || {
            found = server
                .reports(a)
                .into_iter()
                .map(|r| (a.to_owned(), r.query))
                .chain(
                    server
                        .reports(b)
                        .into_iter()
                        .map(|r| (b.to_owned(), r.query)),
                )
                .next();
            found.is_some()
        },
    );
    found.unwrap()
}

#[test]
fn a_private_ca_in_ssl_cert_file_alone_fails_for_an_api_on_another_host_and_doctor_says_so() {
    let ((event, query), trust) = app_and_api_of_a_private_ca(false);
    // The app itself loaded (installed: the proxy verified it with SSL_CERT_FILE), but WebKit
    // checks the API's host, tunnelled, against the system store only.
    assert_eq!(event, "fetch-failed", "{query:?}");
    assert!(trust.starts_with("warn"), "{trust}");
    assert!(
        trust.contains("1 of them not in the system store: WebKit does not trust them"),
        "{trust}"
    );
    assert!(trust.contains("sudo update-ca-certificates"), "{trust}");
}

#[test]
fn a_private_ca_in_the_system_store_works_for_the_app_and_its_api_on_another_host() {
    let ((event, query), trust) = app_and_api_of_a_private_ca(true);
    assert_eq!(event, "fetched", "{query:?}");
    assert_eq!(query["status"], "200");
    assert_eq!(query["body"], "from the API");
    assert!(trust.starts_with("ok"), "{trust}");
}

/// An app with no page left has its WebKit network process ended after `network_process_idle`
/// (`windows/idle_network.rs`); WebKit starts a new one with its next page. For an https app that
/// new process must also be told again to trust the proxy's leaf, both for a new hidden window
/// (a post written offline, sent when back online) and for the parked app window woken.
#[test]
fn an_idle_https_apps_network_process_ends_and_its_next_pages_still_load_and_sync() {
    let ca = TestCa::new("test public CA");
    let mut env = Env::new();
    env.trust_ca(&ca);
    outbox::quick_retries(&mut env);
    env.set_env("SYNCSHELL_NETWORK_PROCESS_IDLE", "1s");
    let (config, _) = ca.server_config();
    let server = FixtureServer::start_https(Some("outbox"), config);
    outbox::install_and_open(&mut env, &server);
    assert_eq!(env.network_processes(), 1);

    env.run(&["network", "offline"]).success();
    server.instruct(serde_json::json!({ "post": "written before the idle end" }));
    server.wait_for_report("registered", PAGE_TIMEOUT);
    env.run(&["close", "outbox"]).success();
    wait_until(
        "the idle app's network process to end",
        PAGE_TIMEOUT,
        || env.network_processes() == 0 && env.web_processes() == 0,
    );
    assert_eq!(posts(&server), Vec::<String>::new());

    // Back online: a hidden window, a new network process, the post sent.
    env.run(&["network", "online"]).success();
    wait_until("the post sent from a hidden window", SYNC_TIMEOUT, || {
        posts(&server).len() == 1
    });
    assert_eq!(
        posts(&server),
        [r#"{"text":"written before the idle end"}"#]
    );
    // The hidden window parks after 1 s idle, then the network process ends again.
    wait_until("the network process to end again", PAGE_TIMEOUT, || {
        env.network_processes() == 0 && env.web_processes() == 0
    });

    // The parked app window, woken: its page loads over https and its worker is active.
    let (loaded, ready) = (reports(&server, "loaded"), reports(&server, "sw-ready"));
    env.run(&["open", "outbox"]).success();
    wait_until("the woken page to load", PAGE_TIMEOUT, || {
        reports(&server, "loaded") > loaded && reports(&server, "sw-ready") > ready
    });
    assert_eq!(env.network_processes(), 1);
}
