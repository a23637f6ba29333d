//! Forgery: each case is an attack on a boundary the host must keep (one app acting for another,
//! a frame or a page speaking for an app, a process of another user reaching the host, input that
//! would escape where it is written). Each is tried against the real host and its outcome checked
//! where it would show (the SQLite file, the launcher file, the CLI, the host's answer). The test
//! prints "N attacks tried, 0 succeeded".

use serde_json::json;
use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{wait_until, Env, PAGE_TIMEOUT};
use syncshell_e2e::outbox;

/// The attacks tried and those that got through.
#[derive(Default)]
struct Attacks {
    tried: Vec<String>,
    succeeded: Vec<String>,
}

impl Attacks {
    /// Records attack `what`, which got through when `succeeded`.
    fn tried(&mut self, what: &str, succeeded: bool) {
        self.tried.push(what.to_owned());
        if succeeded {
            self.succeeded.push(what.to_owned());
        }
    }

    fn report(self) {
        for what in &self.tried {
            println!("tried: {what}");
        }
        println!(
            "{} attacks tried, {} succeeded",
            self.tried.len(),
            self.succeeded.len()
        );
        assert!(
            self.succeeded.is_empty(),
            "got through: {:#?}",
            self.succeeded
        );
    }
}

/// A server whose page at `/evil/` links `manifest` (an attacker's app to install).
fn evil_app(manifest: serde_json::Value) -> FixtureServer {
    let evil = FixtureServer::start(None);
    evil.route(
        "/evil/",
        Canned::ok(
            "text/html",
            r#"<!doctype html><title>x</title><link rel="manifest" href="manifest.json">"#,
        ),
    );
    evil.route(
        "/evil/manifest.json",
        Canned::ok("application/manifest+json", manifest.to_string()),
    );
    evil
}

fn stored_tags(env: &Env) -> Vec<String> {
    let db = env.db();
    let mut stmt = db.prepare("SELECT tag FROM sync_registrations").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A request to `url` through the host's proxy, as any local program could send (no page, no
/// window): `(status, body)`.
fn through_proxy(env: &Env, url: &str, token: &str, body: serde_json::Value) -> (u16, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .proxy(reqwest::Proxy::http(format!("http://{}", env.proxy_address())).unwrap())
        .build()
        .unwrap();
    let response = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Syncshell-Token", token)
        .json(&body)
        .send()
        .expect("the proxy answers");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

#[test]
fn forged_calls_foreign_frames_other_users_and_escaping_input_get_nowhere() {
    let mut attacks = Attacks::default();
    let mut env = Env::new();
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    let notes = FixtureServer::start(Some("notes"));
    env.run(&["install", &notes.url("/app/")]).success();
    let outbox_scope = server.url("/app/");

    // 1-3. A frame of another origin inside the app, aiming the host's IPC at the app's scope:
    // WebKit's message handler (Tauri's postMessage path, without its invoke key) and Tauri's
    // IPC protocol. Nothing may be stored.
    let foreign = FixtureServer::start(Some("outbox"));
    let frame = format!(
        "{}?attack={}",
        foreign.url("/app/frame.html"),
        url::form_urlencoded::byte_serialize(outbox_scope.as_bytes()).collect::<String>()
    );
    server.instruct(json!({ "frames": frame }));
    let report = foreign.wait_for_report("frame", PAGE_TIMEOUT);
    // Whether they stored anything is read at the end, seconds and many host round trips later.
    let frame_tried = report.query["attacks"].clone();

    // 4. A local program calling the reserved path of the outbox without a token.
    let api = server.url("/__syncshell__/api");
    let call =
        json!({ "cmd": "sync_register", "args": { "scope": outbox_scope, "tag": "forged" } });
    let (status, _) = through_proxy(&env, &api, "", call.clone());
    attacks.tried("4. worker call with no token", status != 403);
    // 5. ... with a guessed token.
    let (status, _) = through_proxy(&env, &api, "0123456789abcdef", call.clone());
    attacks.tried("5. worker call with a guessed token", status != 403);
    // 6. The notes app's real token replayed at the outbox's origin.
    let notes_origin = notes.origin();
    let notes_token: String = env
        .db()
        .query_row(
            "SELECT token FROM origin_tokens WHERE origin = ?1",
            [&notes_origin],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| "none-issued".into());
    let (status, _) = through_proxy(&env, &api, &notes_token, call.clone());
    attacks.tried("6. another origin's token replayed", status != 403);
    // 7. The outbox's own token naming the notes app's scope (another app's registrations).
    let outbox_token: String = env
        .db()
        .query_row(
            "SELECT token FROM origin_tokens WHERE origin = ?1",
            [server.origin()],
            |r| r.get(0),
        )
        .unwrap();
    let at_notes =
        json!({ "cmd": "sync_register", "args": { "scope": notes.url("/app/"), "tag": "cross" } });
    let (status, body) = through_proxy(&env, &api, &outbox_token, at_notes);
    let stored = stored_tags(&env).contains(&"cross".to_owned());
    attacks.tried(
        &format!("7. own token, another app's scope ({status} {body})"),
        stored,
    );
    attacks.tried(
        "4-6: nothing stored by them",
        stored_tags(&env).contains(&"forged".to_owned()),
    );

    // 8-11. App ids that climb out of the data directory.
    for (n, args) in [
        ["open", "../../etc"],
        ["uninstall", "../outbox"],
        ["permission", "../../x"],
        ["close", "outbox/../../x"],
    ]
    .iter()
    .enumerate()
    {
        let out = env.run(args.as_slice());
        attacks.tried(
            &format!("{}. app id {:?}", n + 8, args[1]),
            out.code == 0 || !out.stderr.contains("no installed app"),
        );
    }

    // 12-13. A manifest whose name would add lines to the launcher (a second Exec), and a short
    // name quoting its way out of Exec.
    let evil = evil_app(json!({
        "name": "Evil\nExec=sh -c 'touch /tmp/pwned'\n[Desktop Entry]",
        "short_name": "x\" ; touch /tmp/pwned2 ; \"",
        "start_url": "/evil/",
    }));
    let id = env.install(&evil.url("/evil/"));
    let launcher = std::fs::read_to_string(env.desktop_file(&id)).unwrap();
    let lines_starting = |prefix: &str| launcher.lines().filter(|l| l.starts_with(prefix)).count();
    attacks.tried(
        &format!("12. launcher lines injected through the name:\n{launcher}"),
        lines_starting("Exec=") != 1 || lines_starting("[Desktop Entry]") != 1,
    );
    let exec = launcher.lines().find(|l| l.starts_with("Exec=")).unwrap();
    let expected = format!("Exec={} open {id}", Env::binary().display());
    attacks.tried(
        &format!("13. Exec escaped through the short name: {exec}"),
        exec != expected || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
    );

    // 14-15, 19-21. Another user, with this test's directories open to them as a home often is:
    // the control socket's directory is closed to them, so the host neither answers them nor
    // quits for them; the data directory is closed too (the database holds the tokens that let a
    // worker speak for its app through the proxy, which any local user can reach on loopback;
    // WebKit's cookies and the CA's key are there too).
    env.open_to_other_users();
    let as_nobody = |program: &std::path::Path, args: &[&str]| {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(program)
            .args(args);
        env.apply_env(&mut cmd);
        let out = cmd.output().expect("setpriv (util-linux) runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (stdout, stderr) = as_nobody(&Env::binary(), &["status"]);
    // It ran, as nobody, and was turned away by the directory's mode (not by anything else).
    assert!(stderr.contains("Permission denied"), "{stdout}{stderr}");
    attacks.tried(
        "14. another user asks the host its status",
        stdout.contains("running (pid"),
    );
    as_nobody(&Env::binary(), &["quit"]);
    attacks.tried(
        "15. another user tells the host to quit",
        env.run(&["status"]).code != 0,
    );
    let data_dir = env.data_home().join("syncshell");
    let cat = std::path::Path::new("/bin/cat");
    let (db, denied) = as_nobody(cat, &[&data_dir.join("syncshell.db").to_string_lossy()]);
    attacks.tried(
        &format!("19. another user reads the database (apps' worker tokens): {denied}"),
        !db.is_empty() || !denied.contains("Permission denied"),
    );
    let ls = std::path::Path::new("/bin/ls");
    let (listing, denied) = as_nobody(ls, &["-R", &data_dir.to_string_lossy()]);
    attacks.tried(
        &format!("20. another user lists the apps' WebKit data: {denied}"),
        listing.contains("webview") || !denied.contains("Permission denied"),
    );
    let token = env
        .db()
        .query_row("SELECT token FROM origin_tokens LIMIT 1", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap();
    let (found, _) = as_nobody(
        std::path::Path::new("/bin/grep"),
        &["-rl", &token, &env.home().to_string_lossy()],
    );
    attacks.tried(
        &format!("21. another user finds a worker token under $HOME: {found}"),
        !found.is_empty(),
    );

    // 16. The app page calling the settings panel's commands (also in panel.rs).
    let before = server.reports("error").len();
    server.instruct(json!({ "invoke": "panel_set_paused", "args": { "paused": true } }));
    wait_until("the refusal", PAGE_TIMEOUT, || {
        server.reports("error").len() > before
    });
    attacks.tried(
        "16. an app page pausing everything through the panel's commands",
        env.run(&["status"])
            .stdout
            .contains("background activity: paused"),
    );

    let stored = stored_tags(&env).contains(&"from-a-foreign-frame".to_owned());
    for (i, path) in ["message handler", "ipc://", "http://ipc.localhost"]
        .iter()
        .enumerate()
    {
        attacks.tried(
            &format!("{}. foreign frame IPC via {path} ({frame_tried})", i + 1),
            stored,
        );
    }
    attacks.report();
}

#[test]
fn a_planted_runtime_directory_link_is_refused_and_gets_no_socket() {
    let mut attacks = Attacks::default();
    let mut env = Env::new();
    // Someone who could write where the runtime directory goes planted a link to a directory
    // of theirs: the host would put its control socket there.
    let theirs = env.home().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::os::unix::fs::symlink(&theirs, env.runtime_dir().join("syncshell")).unwrap();
    let host = env.spawn_host(&["--background"]);
    wait_until("the host to give up", PAGE_TIMEOUT, || {
        env.host_exit(host).is_some()
    });
    let log = env.host_log(host);
    attacks.tried(
        &format!(
            "18. the control socket in a planted directory: {}",
            log.trim()
        ),
        env.host_exit(host) == Some(0)
            || std::fs::read_dir(&theirs).unwrap().next().is_some()
            || !log.contains("is a symbolic link"),
    );
    attacks.report();
}

/// Text an app chooses (a sync tag, its name, a notification's title and icon) carrying line
/// breaks, terminal escapes, a bidirectional override, NUL or a local path: the CLI's tables keep
/// one row per item and send the terminal no control character, the JSON keeps the exact text, a
/// NUL cannot get the host's bus connection cut (the bus daemon disconnects a client that sends
/// one, which would silence every app's notifications), and no local file becomes an icon.
#[test]
fn app_text_cannot_forge_output_cut_the_bus_or_name_local_files() {
    use syncshell_e2e::notification_server::NotificationServer;
    use syncshell_e2e::session_bus::SessionBus;

    let mut attacks = Attacks::default();
    let bus = SessionBus::start();
    let desktop = NotificationServer::start(&bus, "body actions");
    let mut env = Env::new();
    env.use_session_bus(&bus);
    let server = FixtureServer::start(Some("outbox"));
    outbox::install_and_open(&mut env, &server);
    // Offline: the registration stays to be listed.
    env.run(&["network", "offline"]).success();
    let no_control = |text: &str| {
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    };

    // 22-24. A sync tag that would add a row to `sync list`, retitle and clear the terminal,
    // and reverse what follows it.
    let tag = "x\nFixture Outbox\tsync\tforged\tpending\r\n\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}gat";
    server.instruct(json!({ "register": tag }));
    let registered = server.wait_for_report("registered", PAGE_TIMEOUT);
    assert_eq!(registered.query["tag"], tag, "the page's own tag, as sent");
    assert!(
        stored_tags(&env).contains(&tag.to_owned()),
        "stored as sent"
    );
    let listed = env.run(&["sync", "list"]).success().stdout;
    attacks.tried(
        &format!("22. a tag adding rows to `syncshell sync list`:\n{listed}"),
        listed.lines().count() != 2 || listed.matches('\t').count() != 2 * 9,
    );
    attacks.tried(
        "23. a tag sending escape sequences or a direction override to the terminal",
        !no_control(&listed) || listed.contains('\u{202e}'),
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["sync", "list", "--json"]).success().stdout).unwrap();
    assert_eq!(json[0]["tag"], tag, "the JSON keeps the exact tag: {json}");
    let log = env.run(&["log"]).success().stdout;
    attacks.tried(
        &format!("24. a tag adding lines or escapes to `syncshell log`:\n{log}"),
        log.lines().count() != env.log_events(None).len() || !no_control(&log),
    );

    // 25-26. An app name with the same.
    let evil = evil_app(json!({
        "name": "Evil\noutbox    Fixture Outbox  http://forged/\u{1b}[8m",
        "short_name": "evil",
        "start_url": "/evil/",
        "icons": [
            { "src": "../../../../../../../../etc/passwd", "sizes": "192x192" },
            { "src": "file:///etc/passwd", "sizes": "512x512", "type": "image/png" },
        ],
    }));
    let installed = env.run(&["install", &evil.url("/evil/")]);
    let apps = env.run(&["list"]).success().stdout;
    attacks.tried(
        &format!(
            "25. an app name adding rows or escapes to `syncshell list` and the install's reply:\n{apps}{}",
            installed.stdout
        ),
        apps.lines().count() != 3 || !no_control(&apps) || !no_control(&installed.stdout),
    );
    // 26. Manifest icons naming local files: never read; an icon, if any, comes over HTTP.
    let passwd = std::fs::read("/etc/passwd").unwrap();
    let copied = syncshell_e2e::harness::files_under(&env.home())
        .into_iter()
        .filter(|f| std::fs::read(env.home().join(f)).ok().as_ref() == Some(&passwd))
        .collect::<Vec<_>>();
    attacks.tried(
        &format!("26. manifest icons naming /etc/passwd copied into $HOME: {copied:?}"),
        !copied.is_empty(),
    );

    // 27-28. A notification whose title and body hold NUL, with a local file as its icon; then
    // another: both reach the desktop, the NUL shown as U+FFFD, no local file as the icon.
    env.run(&["permission", "outbox", "notifications", "allow"])
        .success();
    server.instruct(json!({
        "regNotify": "ti\u{0}tle",
        "regBody": "bo\u{0}dy",
        "regIcon": "file:///etc/passwd",
    }));
    let first = server.wait_for_report("reg-notified", PAGE_TIMEOUT);
    assert_eq!(
        first.query["title"], "ti\u{0}tle",
        "getNotifications gives it back as sent"
    );
    server.instruct(json!({ "regNotify": "after" }));
    let calls = desktop.wait_for_calls(2, PAGE_TIMEOUT);
    attacks.tried(
        &format!("27. a NUL in a title cutting the host off the bus: {calls:?}"),
        calls[0].summary != "ti\u{fffd}tle"
            || calls[0].body != "bo\u{fffd}dy"
            || calls[1].summary != "after",
    );
    attacks.tried(
        &format!(
            "28. a notification icon naming a local file: {:?}",
            calls[0].icon
        ),
        calls[0].icon.contains("passwd")
            || std::fs::read(&calls[0].icon).ok().as_ref() == Some(&passwd),
    );
    attacks.report();
}
