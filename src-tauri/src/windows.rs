//! App windows: one per installed app, with its own WebKit data directory, its remembered size,
//! and navigation kept within the app's scope.

use std::sync::{Arc, Mutex};

use syncshell_core::install::window_icon_path;
use syncshell_core::manifest::within_scope;
use syncshell_core::store::apps::{self, App};
use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent};
use url::Url;

use crate::browser;
use crate::context::Context;

/// Size of a window opened for the first time, in logical pixels.
const DEFAULT_SIZE: (u32, u32) = (1024, 768);

/// The window label of an app. Labels of app windows all start with `app-`; local windows never do.
pub fn label(app_id: &str) -> String {
    format!("app-{app_id}")
}

/// The app id of an app window's label (visible windows only).
pub fn app_id_of(label: &str) -> Option<&str> {
    label.strip_prefix("app-")
}

/// The label of an app's hidden dispatch window.
pub fn hidden_label(app_id: &str) -> String {
    format!("hidden-{app_id}")
}

/// The app id of a hidden dispatch window's label.
pub fn hidden_app_id(label: &str) -> Option<&str> {
    label.strip_prefix("hidden-")
}

/// The app a window (visible or hidden) belongs to.
pub fn owner_app_id(label: &str) -> Option<&str> {
    app_id_of(label).or_else(|| hidden_app_id(label))
}

/// The local proxy every app webview goes through (managed state, set before any window opens).
pub struct ProxyUrl(pub Url);

/// Grants the page bridge's commands to the app's origin in the app's own windows, once. Other
/// origins, and local windows, get nothing.
fn grant_bridge(handle: &AppHandle, app: &App) -> Result<(), String> {
    static GRANTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut granted = GRANTED.lock().unwrap_or_else(|e| e.into_inner());
    let key = format!("{} {}", app.id, app.origin);
    if granted.contains(&key) {
        return Ok(());
    }
    let mut capability =
        tauri::ipc::CapabilityBuilder::new(format!("bridge-{}-{}", app.id, granted.len()))
            .local(false)
            .remote(format!("{}/*", app.origin))
            .window(label(&app.id))
            .window(hidden_label(&app.id));
    for command in crate::bridge_commands::BRIDGE_COMMANDS {
        capability = capability.permission(format!("allow-{}", command.replace('_', "-")));
    }
    handle
        .add_capability(capability)
        .map_err(|e| format!("cannot grant the sync bridge to {}: {e}", app.origin))?;
    granted.push(key);
    Ok(())
}

fn proxy_of(handle: &AppHandle) -> Url {
    handle.state::<ProxyUrl>().0.clone()
}

/// Whether a navigation may stay in the app window. Everything else goes to the browser.
pub fn stays_in_app(url: &Url, scope: &Url) -> bool {
    within_scope(url, scope) || url.as_str() == "about:blank"
}

/// Held while checking for and creating a window, so two requests racing to open the same app
/// (two launcher clicks, a launch that starts the host) make one window.
static OPENING: Mutex<()> = Mutex::new(());

/// Opens the app's window, or shows and focuses it if it is already open. Blocks until the window
/// exists; never call it on the main thread (window creation needs that thread free).
pub fn open(handle: &AppHandle, ctx: &Arc<Context>, app: &App) -> Result<(), String> {
    let _opening = OPENING.lock().unwrap_or_else(|e| e.into_inner());
    grant_bridge(handle, app)?;
    if let Some(window) = handle.get_webview_window(&label(&app.id)) {
        let _ = window.unminimize();
        window.show().map_err(|e| e.to_string())?;
        let _ = window.set_focus();
        return Ok(());
    }
    let (width, height) = app.window_size.unwrap_or(DEFAULT_SIZE);
    let new_window_scope = app.scope.clone();
    let tls = tls_leaf(handle, app)?;
    let mut builder = WebviewWindowBuilder::new(
        handle,
        label(&app.id),
        WebviewUrl::External(first_url(&tls, &app.start_url)),
    )
    .title(&app.name)
    .inner_size(f64::from(width), f64::from(height))
    .data_directory(ctx.paths.webview_data_dir(&app.id))
    .proxy_url(proxy_of(handle))
    .initialization_script(crate::sync::PAGE_BRIDGE)
    .on_new_window(move |url, _features| {
        if within_scope(&url, &new_window_scope) {
            NewWindowResponse::Allow
        } else {
            browser::open(&url);
            NewWindowResponse::Deny
        }
    });
    let icon = window_icon_path(&ctx.paths, &app.id);
    if icon.exists() {
        match tauri::image::Image::from_path(&icon) {
            Ok(image) => {
                builder = builder
                    .icon(image)
                    .map_err(|e| format!("window icon of {}: {e}", app.id))?
            }
            Err(e) => eprintln!("syncshell: {}: window icon not used: {e}", app.id),
        }
    }
    let window = builder
        .build()
        .map_err(|e| format!("cannot open a window for {}: {e}", app.id))?;
    keep_in_scope(&window, app.scope.clone())?;
    watch_crashes(&window)?;
    remember_size_on_close(&window, ctx.clone(), app.id.clone());
    if let Some(tls) = tls {
        trust(&window, tls, Some(app.start_url.clone()))?;
    }
    Ok(())
}

/// Opens the app's hidden dispatch window on the reserved dispatch page (answered by the proxy,
/// so the app itself does not boot). `loaded` fires when the page finished loading.
pub fn open_hidden(
    handle: &AppHandle,
    ctx: &Arc<Context>,
    app: &App,
    loaded: tokio::sync::oneshot::Sender<()>,
) -> Result<WebviewWindow, String> {
    let _opening = OPENING.lock().unwrap_or_else(|e| e.into_inner());
    grant_bridge(handle, app)?;
    let url = Url::parse(&format!(
        "{}{}dispatch",
        app.origin,
        syncshell_proxy::RESERVED_PREFIX
    ))
    .map_err(|e| e.to_string())?;
    let loaded = Mutex::new(Some(loaded));
    let tls = tls_leaf(handle, app)?;
    let dispatch_url = url.clone();
    let window = WebviewWindowBuilder::new(
        handle,
        hidden_label(&app.id),
        WebviewUrl::External(first_url(&tls, &url)),
    )
    .title(format!("{} (background)", app.name))
    .visible(false)
    .focused(false)
    .skip_taskbar(true)
    .data_directory(ctx.paths.webview_data_dir(&app.id))
    .proxy_url(proxy_of(handle))
    .initialization_script(crate::sync::PAGE_BRIDGE)
    .on_page_load(move |_, payload| {
        // Only the dispatch page counts, not the blank page an https window starts on.
        if payload.event() == tauri::webview::PageLoadEvent::Finished
            && payload.url() == &dispatch_url
        {
            if let Some(tx) = loaded.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = tx.send(());
            }
        }
    })
    .build()
    .map_err(|e| format!("cannot open a background window for {}: {e}", app.id))?;
    watch_crashes(&window)?;
    if let Some(tls) = tls {
        trust(&window, tls, Some(url))?;
    }
    Ok(window)
}

/// What WebKit must accept for an https app: the proxy's leaf for the app's host.
pub struct TlsTrust {
    host: String,
    cert_pem: String,
}

/// The host an https origin's certificate names (no brackets around IPv6); `None` for any
/// other scheme. Leaves are issued, trusted and revoked by this host.
pub fn https_host(origin: &str) -> Option<String> {
    let url = Url::parse(origin).ok().filter(|u| u.scheme() == "https")?;
    url.host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
}

/// The leaf an https app's windows must trust (none for http apps).
fn tls_leaf(handle: &AppHandle, app: &App) -> Result<Option<TlsTrust>, String> {
    let Some(host) = https_host(&app.origin) else {
        return Ok(None);
    };
    let leaf = handle
        .state::<Arc<syncshell_proxy::ca::Authority>>()
        .leaf(&host, std::time::SystemTime::now())
        .map_err(|e| format!("no certificate for {host}: {e}"))?;
    Ok(Some(TlsTrust {
        host,
        cert_pem: leaf.cert_pem.clone(),
    }))
}

/// An https app's window starts blank: WebKit must be told to trust the leaf before the first
/// https request, and that can only be done once the webview exists.
fn first_url(tls: &Option<TlsTrust>, url: &Url) -> Url {
    match tls {
        Some(_) => Url::parse("about:blank").expect("about:blank parses"),
        None => url.clone(),
    }
}

/// Tells the window's WebKit context to accept `tls`'s leaf for its host (that host only, that
/// app's context only; never WebKit's global "ignore TLS errors"), then loads `then`.
fn trust(window: &WebviewWindow, tls: TlsTrust, then: Option<Url>) -> Result<(), String> {
    let host = tls.host.clone();
    window
        .with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::{WebContextExt, WebViewExt};
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            match (
                webview.context(),
                webkit2gtk::gio::TlsCertificate::from_pem(&tls.cert_pem),
            ) {
                (Some(context), Ok(cert)) => {
                    context.allow_tls_certificate_for_host(&cert, &tls.host)
                }
                (_, Err(e)) => eprintln!("syncshell: {}: unusable certificate: {e}", tls.host),
                (None, _) => eprintln!("syncshell: {}: the webview has no context", tls.host),
            }
            if let Some(url) = then {
                webview.load_uri(url.as_str());
            }
        })
        .map_err(|e| format!("cannot set up TLS for {host}: {e}"))
}

/// A leaf was renewed: every open window (visible or hidden) of an https app on its host
/// trusts the new one too, so pages keep loading without a restart.
pub fn trust_renewed(handle: &AppHandle, leaf: &syncshell_proxy::ca::Leaf) {
    let ctx = handle.state::<Arc<Context>>();
    let installed = apps::list(ctx.store().conn()).unwrap_or_default();
    for (label, window) in handle.webview_windows() {
        let on_host = owner_app_id(&label)
            .and_then(|id| installed.iter().find(|a| a.id == id))
            .and_then(|a| https_host(&a.origin))
            .is_some_and(|host| host == leaf.host);
        if on_host {
            let tls = TlsTrust {
                host: leaf.host.clone(),
                cert_pem: leaf.cert_pem.clone(),
            };
            if let Err(e) = trust(&window, tls, None) {
                eprintln!("syncshell: {label}: {e}");
            }
        }
    }
}

/// What to do when a window's web process dies (a crash, the memory limit, the OOM killer):
/// every event in flight there fails now rather than at its timeout, so its retry is scheduled
/// at once; a hidden window is closed (the next event opens a fresh one) and an app window is
/// reloaded, unless it also crashed moments ago (a page that crashes while loading would loop).
fn watch_crashes(window: &WebviewWindow) -> Result<(), String> {
    let w = window.clone();
    window
        .with_webview(move |platform| {
            use std::time::{Duration, Instant};
            use tauri::webview::PlatformWebview;
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            let last_crash: Mutex<Option<Instant>> = Mutex::new(None);
            webview.connect_web_process_terminated(move |_, reason| {
                let why = match reason {
                    Reason::Crashed => "the web process crashed",
                    Reason::ExceededMemoryLimit => "the web process exceeded its memory limit",
                    _ => "the web process was terminated",
                };
                let label = w.label().to_owned();
                let sync = w.state::<Arc<crate::sync::SyncHost>>();
                let failed = sync.fail_window(&label, why);
                eprintln!("syncshell: {label}: {why}; {failed} event(s) in flight failed");
                let w = w.clone();
                if hidden_app_id(&label).is_some() {
                    // Not from inside the webview's own signal handler.
                    tauri::async_runtime::spawn(async move {
                        let _ = w.destroy();
                    });
                    return;
                }
                let mut last = last_crash.lock().unwrap_or_else(|e| e.into_inner());
                let looping = last.is_some_and(|t| t.elapsed() < Duration::from_secs(10));
                *last = Some(Instant::now());
                if !looping {
                    tauri::async_runtime::spawn(async move {
                        let _ = w.reload();
                    });
                }
            });
        })
        .map_err(|e| format!("cannot watch the window's web process: {e}"))
}

/// Closes the app's window if it is open. Returns whether it was.
pub fn close(handle: &AppHandle, app_id: &str) -> bool {
    match handle.get_webview_window(&label(app_id)) {
        Some(window) => {
            save_size(&window, &handle.state::<Arc<Context>>(), app_id);
            window.destroy().is_ok()
        }
        None => false,
    }
}

/// Ids of apps with a hidden dispatch window open.
pub fn hidden_app_ids(handle: &AppHandle) -> Vec<String> {
    app_ids(handle, hidden_app_id)
}

/// Ids of apps whose windows are open.
pub fn open_app_ids(handle: &AppHandle) -> Vec<String> {
    app_ids(handle, app_id_of)
}

/// The app ids `parse` finds in the open windows' labels, sorted.
fn app_ids(handle: &AppHandle, parse: fn(&str) -> Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = handle
        .webview_windows()
        .keys()
        .filter_map(|l| parse(l).map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// Sends top-level pages outside the app's scope to the browser. Tauri's `on_navigation` cannot
/// be used: WebKit asks it for every frame, so an embedded cross-origin frame (a video, a map)
/// would be torn out of the page. The response policy knows whether a load is the main frame's.
fn keep_in_scope(window: &WebviewWindow, scope: Url) -> Result<(), String> {
    window
        .with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::glib::Cast;
            use webkit2gtk::{
                PolicyDecisionExt, PolicyDecisionType, ResponsePolicyDecision,
                ResponsePolicyDecisionExt, URIResponseExt, WebViewExt,
            };
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            webview.connect_decide_policy(move |_, decision, kind| {
                if kind != PolicyDecisionType::Response {
                    return false;
                }
                let Some(response) = decision.downcast_ref::<ResponsePolicyDecision>() else {
                    return false;
                };
                if !response.is_main_frame_main_resource() {
                    return false;
                }
                let uri = response.response().and_then(|r| r.uri());
                let Some(url) = uri.and_then(|u| Url::parse(u.as_str()).ok()) else {
                    return false;
                };
                if stays_in_app(&url, &scope) {
                    return false;
                }
                decision.ignore();
                browser::open(&url);
                true
            });
        })
        .map_err(|e| format!("cannot watch the window's navigation: {e}"))
}

fn remember_size_on_close(window: &WebviewWindow, ctx: Arc<Context>, app_id: String) {
    let w = window.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { .. } = event {
            save_size(&w, &ctx, &app_id);
        }
    });
}

fn save_size(window: &WebviewWindow, ctx: &Context, app_id: &str) {
    let (Ok(size), Ok(scale)) = (window.inner_size(), window.scale_factor()) else {
        return;
    };
    let logical = size.to_logical::<f64>(scale);
    let (w, h) = (logical.width.round() as u32, logical.height.round() as u32);
    if w == 0 || h == 0 {
        return;
    }
    if let Err(e) = apps::set_window_size(ctx.store().conn(), app_id, w, h) {
        eprintln!("syncshell: cannot remember the window size of {app_id}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        assert_eq!(app_id_of(&label("notes")), Some("notes"));
        assert_eq!(app_id_of("settings"), None);
    }

    #[test]
    fn certificates_name_the_bare_host_of_https_origins_only() {
        assert_eq!(
            https_host("https://app.example").as_deref(),
            Some("app.example")
        );
        assert_eq!(
            https_host("https://127.0.0.1:8443").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(https_host("https://[::1]:8443").as_deref(), Some("::1"));
        assert_eq!(https_host("http://127.0.0.1:8080"), None);
        assert_eq!(hidden_app_id(&hidden_label("notes")), Some("notes"));
        assert_eq!(hidden_app_id(&label("notes")), None);
    }

    #[test]
    fn only_in_scope_pages_stay_in_the_window() {
        let scope = Url::parse("http://127.0.0.1:9/app/").unwrap();
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(stays_in_app(&u("http://127.0.0.1:9/app/page?x#y"), &scope));
        assert!(stays_in_app(&u("about:blank"), &scope));
        assert!(!stays_in_app(&u("http://127.0.0.1:9/other"), &scope));
        assert!(!stays_in_app(&u("http://127.0.0.1:10/app/"), &scope));
        assert!(!stays_in_app(&u("https://example.com/"), &scope));
    }
}
