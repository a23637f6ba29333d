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
        Canned::ok(
            "application/manifest+json",
            json!({
                "name": "Evil\nExec=sh -c 'touch /tmp/pwned'\n[Desktop Entry]",
                "short_name": "x\" ; touch /tmp/pwned2 ; \"",
                "start_url": "/evil/",
            })
            .to_string(),
        ),
    );
    let installed = env.run(&["install", &evil.url("/evil/")]).success();
    let id = installed
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Open it with: syncshell open "))
        .expect("the new app's id")
        .to_owned();
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

    // 14-15. Another user: the control socket's directory is closed to them, so the host neither
    // answers them nor quits for them.
    let as_nobody = |args: &[&str]| {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(Env::binary())
            .args(args);
        env.apply_env(&mut cmd);
        cmd.output().expect("setpriv (util-linux) runs")
    };
    let status = as_nobody(&["status"]);
    attacks.tried(
        "14. another user asks the host its status",
        String::from_utf8_lossy(&status.stdout).contains("running (pid"),
    );
    as_nobody(&["quit"]);
    attacks.tried(
        "15. another user tells the host to quit",
        env.run(&["status"]).code != 0,
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
