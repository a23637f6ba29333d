//! Installing, listing, updating and uninstalling apps from a real fixture server, and every bad
//! input failing cleanly with nothing left behind.

use syncshell_e2e::fixture::{Canned, FixtureServer};
use syncshell_e2e::harness::{files_under, wait_until, Env, PAGE_TIMEOUT};

fn installed_ids(env: &Env) -> Vec<String> {
    if !env.db_path().exists() {
        return Vec::new();
    }
    let db = env.db();
    let mut stmt = db.prepare("SELECT id FROM apps ORDER BY id").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[track_caller]
fn assert_nothing_installed(env: &Env) {
    assert!(
        installed_ids(env).is_empty(),
        "rows left: {:?}",
        installed_ids(env)
    );
    let data = env.data_home();
    assert!(
        files_under(&data.join("applications")).is_empty(),
        "launchers left"
    );
    assert!(files_under(&data.join("icons")).is_empty(), "icons left");
    assert!(
        files_under(&data.join("syncshell/apps")).is_empty(),
        "app data left"
    );
}

#[track_caller]
fn assert_install_fails(env: &Env, url: &str, expected: &str) {
    let out = env.run(&["install", url]);
    assert_eq!(
        out.code, 1,
        "install {url} should fail; stdout: {}",
        out.stdout
    );
    assert!(out.stdout.is_empty(), "stdout: {}", out.stdout);
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one-line error expected: {}",
        out.stderr
    );
    assert!(
        out.stderr.starts_with("syncshell: error: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(expected),
        "expected {expected:?} in: {}",
        out.stderr
    );
    assert_nothing_installed(env);
}

fn page_linking(manifest: &str) -> Canned {
    Canned::ok(
        "text/html",
        format!("<!doctype html><title>T</title><link rel=manifest href=\"{manifest}\">"),
    )
}

#[test]
fn install_list_update_and_uninstall_a_pwa() {
    let env = Env::new();
    let server = FixtureServer::start(Some("notes"));
    let origin = server.origin();

    let out = env.run(&["install", &server.url("/app/")]).success();
    assert!(
        out.stdout
            .starts_with("Installed \"Fixture Notes\" as notes\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.is_empty(),
        "no warnings expected: {}",
        out.stderr
    );

    // The stored app follows the manifest, URLs resolved against the manifest URL.
    let db = env.db();
    let (manifest_id, start, scope, display, theme, has_icon): (String, String, String, String, String, bool) = db
        .query_row(
            "SELECT manifest_id, start_url, scope, display, theme_color, has_icon FROM apps WHERE id = 'notes'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(manifest_id, format!("{origin}/notes"));
    assert_eq!(start, format!("{origin}/app/?source=pwa"));
    assert_eq!(scope, format!("{origin}/app/"));
    assert_eq!(
        (display.as_str(), theme.as_str(), has_icon),
        ("standalone", "#aa3300", true)
    );

    // The launcher runs `syncshell open notes` with the icon installed in the hicolor theme.
    let entry = std::fs::read_to_string(env.desktop_file("notes")).unwrap();
    let exe = Env::binary().canonicalize().unwrap();
    assert!(
        entry.contains(&format!("\nExec={} open notes\n", exe.display())),
        "{entry}"
    );
    assert!(
        entry.contains("\nName=Fixture Notes\n") && entry.contains("\nIcon=syncshell-notes\n"),
        "{entry}"
    );
    // The 192 px "any" icon is the best: the 512 px one is maskable, the 48 px one small.
    let icon = env
        .data_home()
        .join("icons/hicolor/192x192/apps/syncshell-notes.png");
    let fixture_icon =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/notes/app/icon-192.png");
    assert_eq!(
        std::fs::read(icon).unwrap(),
        std::fs::read(fixture_icon).unwrap()
    );
    assert_eq!(server.count(|r| r.path == "/app/icon-maskable.png"), 0);

    // The host will start at login, in the tray, so background work goes on.
    let autostart = env.home().join(".config/autostart/syncshell.desktop");
    let entry = std::fs::read_to_string(&autostart).unwrap();
    assert!(
        entry.contains(&format!("\nExec={} --background\n", exe.display())),
        "{entry}"
    );

    let list = env.run(&["list"]).success().stdout;
    assert!(
        list.lines()
            .any(|l| l.starts_with("notes ") && l.contains("Fixture Notes")),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["list", "--json"]).success().stdout).unwrap();
    assert_eq!(json[0]["id"], "notes");
    assert_eq!(json[0]["scope"], format!("{origin}/app/"));
    assert_eq!(json.as_array().unwrap().len(), 1);

    // Installing the same manifest id again updates the app in place.
    let out = env
        .run(&["install", &server.url("/app/index.html")])
        .success();
    assert!(
        out.stdout
            .starts_with("Updated \"Fixture Notes\" as notes\n"),
        "{}",
        out.stdout
    );
    assert_eq!(installed_ids(&env), ["notes"]);

    // --keep-data: the app and its launcher go, its WebKit data and site settings stay for a
    // later install.
    let webview_data = env.data_home().join("syncshell/apps/notes/webview");
    std::fs::create_dir_all(&webview_data).unwrap();
    std::fs::write(webview_data.join("cookies.sqlite"), "signed in").unwrap();
    env.run(&["permission", "notes", "notifications", "allow"])
        .success();
    env.run(&["uninstall", "notes", "--keep-data"]).success();
    assert!(installed_ids(&env).is_empty());
    assert!(!env.desktop_file("notes").exists());
    assert_eq!(
        std::fs::read_to_string(webview_data.join("cookies.sqlite")).unwrap(),
        "signed in"
    );
    env.run(&["install", &server.url("/app/")]).success();
    let kept = env
        .run(&["permission", "notes", "notifications"])
        .success()
        .stdout;
    assert!(kept.contains("allow"), "{kept}");

    let out = env.run(&["uninstall", "notes"]).success();
    assert_eq!(out.stdout, "Uninstalled \"Fixture Notes\" (notes)\n");
    assert_nothing_installed(&env);
    assert!(!webview_data.exists(), "without --keep-data the data goes");
    assert!(env
        .run(&["list"])
        .success()
        .stdout
        .starts_with("No apps installed"));
    let again = env.run(&["uninstall", "notes"]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("no installed app has the id \"notes\""),
        "{}",
        again.stderr
    );
}

#[test]
fn apps_with_the_same_name_get_distinct_ids() {
    let env = Env::new();
    let server = FixtureServer::start(Some("notes"));
    env.run(&["install", &server.url("/app/")]).success();
    server.route("/twin/", page_linking("/twin/manifest.json"));
    server.route(
        "/twin/manifest.json",
        Canned::ok(
            "application/json",
            r#"{"id": "twin", "name": "Fixture Notes", "short_name": "Notes"}"#,
        ),
    );
    let out = env.run(&["install", &server.url("/twin/")]).success();
    assert!(out.stdout.contains(" as notes-2\n"), "{}", out.stdout);
    assert_eq!(installed_ids(&env), ["notes", "notes-2"]);
}

#[test]
fn a_manifest_without_name_or_icons_falls_back_to_the_page() {
    let env = Env::new();
    let server = FixtureServer::start(Some("notes"));
    server.route(
        "/plain/",
        Canned::ok("text/html", "<title>Page Title</title><link rel=manifest href=m.json><link rel=icon href=/app/icon-48.png>"),
    );
    server.route("/plain/m.json", Canned::ok("application/json", "{}"));
    let out = env.run(&["install", &server.url("/plain/")]).success();
    assert!(
        out.stdout
            .starts_with("Installed \"Page Title\" as page-title\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("using the page title"),
        "{}",
        out.stderr
    );
    assert!(env
        .data_home()
        .join("icons/hicolor/48x48/apps/syncshell-page-title.png")
        .exists());
}

#[test]
fn an_icon_that_fails_to_download_installs_without_one() {
    let env = Env::new();
    let server = FixtureServer::start(None);
    server.route("/", page_linking("/m.json"));
    server.route(
        "/m.json",
        Canned::ok("application/json", r#"{"name": "Iconless", "icons": [{"src": "/gone.png", "sizes": "192x192"}, {"src": "/page.png"}]}"#),
    );
    server.route(
        "/page.png",
        Canned::ok("image/png", "<html>not an image</html>"),
    );
    let out = env.run(&["install", &server.url("/")]).success();
    assert!(
        out.stdout
            .starts_with("Installed \"Iconless\" as iconless\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("warning: no icon could be downloaded"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("HTTP 404") && out.stderr.contains("is not a PNG or SVG image"),
        "{}",
        out.stderr
    );
    let entry = std::fs::read_to_string(env.desktop_file("iconless")).unwrap();
    assert!(!entry.contains("Icon="), "{entry}");
    assert!(files_under(&env.data_home().join("icons")).is_empty());
}

#[test]
fn bad_urls_and_unreachable_hosts_are_refused() {
    let env = Env::new();
    assert_install_fails(&env, "app.example", "is not a valid URL");
    assert_install_fails(&env, "file:///etc/passwd", "is not a valid URL");
    // Port 1 on loopback: nothing listens there.
    assert_install_fails(
        &env,
        "http://127.0.0.1:1/",
        "cannot reach http://127.0.0.1:1/",
    );
}

#[test]
fn http_errors_and_non_html_pages_are_refused() {
    let env = Env::new();
    let server = FixtureServer::start(None);
    assert_install_fails(
        &env,
        &server.url("/missing"),
        "the server answered HTTP 404",
    );
    server.route("/text", Canned::ok("text/plain", "hello"));
    assert_install_fails(
        &env,
        &server.url("/text"),
        "is not an HTML page (Content-Type: text/plain)",
    );
    server.route("/loop", Canned::redirect("/loop"));
    assert_install_fails(&env, &server.url("/loop"), "too many redirects");
}

#[test]
fn pages_without_a_usable_manifest_are_refused() {
    let env = Env::new();
    let server = FixtureServer::start(None);
    server.route(
        "/plain",
        Canned::ok(
            "text/html",
            "<title>x</title><!-- <link rel=manifest href=m.json> -->",
        ),
    );
    assert_install_fails(
        &env,
        &server.url("/plain"),
        "has no <link rel=\"manifest\">",
    );

    server.route("/gone", page_linking("/gone.json"));
    assert_install_fails(
        &env,
        &server.url("/gone"),
        "cannot fetch the web app manifest: ",
    );

    server.route("/broken", page_linking("/broken.json"));
    server.route(
        "/broken.json",
        Canned::ok("application/json", "{\"name\": "),
    );
    assert_install_fails(&env, &server.url("/broken"), "is not valid JSON");

    server.route("/array", page_linking("/array.json"));
    server.route("/array.json", Canned::ok("application/json", "[]"));
    assert_install_fails(&env, &server.url("/array"), "is not a JSON object");

    server.route("/huge", page_linking("/huge.json"));
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    server.route("/huge.json", Canned::ok("application/json", huge));
    assert_install_fails(&env, &server.url("/huge"), "is larger than 1048576 bytes");
}

#[test]
fn unknown_app_ids_are_refused_by_every_command() {
    let env = Env::new();
    for args in [
        ["open", "nosuch"],
        ["uninstall", "nosuch"],
        ["open", "../etc"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.code, 1, "{args:?}");
        assert!(
            out.stderr.contains("no installed app has the id"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // `open` of an unknown app must not have left a host running.
    assert_eq!(env.run(&["status"]).code, 3);
}

#[test]
fn uninstalling_an_app_whose_window_was_open_leaves_none_of_its_data() {
    let mut env = Env::new();
    let server = FixtureServer::start(Some("outbox"));
    syncshell_e2e::outbox::install_and_open(&mut env, &server);
    // Its WebKit processes have written cookies, storage and cache by now, and WebKit's network
    // process writes the page's cache records seconds after the window closed (measured: ~2 s),
    // and a cache dump when the directory is removed (~4 s): the app's network process must be
    // gone by the time uninstall answers, or the directory comes back.
    assert_eq!(env.network_processes(), 1, "{:?}", env.host_children());
    env.run(&["uninstall", "outbox"]).success();
    assert_eq!(env.network_processes(), 0, "{:?}", env.host_children());
    let app_dir = env.data_home().join("syncshell/apps/outbox");
    assert!(
        !app_dir.exists(),
        "left behind: {:?}",
        files_under(&app_dir)
    );
    // Installed again in the same host, WebKit serves it with a new network process: the page
    // loads and its service worker registers.
    let ready = server.count(|r| r.is_report("sw-ready"));
    env.run(&["install", &server.url("/app/")]).success();
    env.run(&["open", "outbox"]).success();
    wait_until("the reinstalled app's worker ready", PAGE_TIMEOUT, || {
        server.count(|r| r.is_report("sw-ready")) > ready
    });
    assert_eq!(env.network_processes(), 1, "{:?}", env.host_children());
}

#[test]
fn uninstalling_one_app_leaves_another_apps_open_window_working() {
    let mut env = Env::new();
    let outbox = FixtureServer::start(Some("outbox"));
    let notes = FixtureServer::start(Some("notes"));
    env.run(&["install", &notes.url("/app/")]).success();
    syncshell_e2e::outbox::install_and_open(&mut env, &outbox);
    env.run(&["open", "notes"]).success();
    notes.wait_for_report("loaded", PAGE_TIMEOUT);
    // Ending notes' network process must not touch the outbox's: its page is not reloaded, and
    // it still stores, registers and sends.
    env.run(&["uninstall", "notes"]).success();
    outbox.instruct(serde_json::json!({ "post": "after the other app went" }));
    wait_until("the post sent", PAGE_TIMEOUT, || {
        syncshell_e2e::outbox::posts(&outbox).len() == 1
    });
    assert_eq!(
        outbox.reports("loaded").len(),
        1,
        "the outbox page reloaded"
    );
}
