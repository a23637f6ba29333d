//! The host: the one long-lived syncshell process of a user. It owns the windows, the tray, the
//! demo server and the control socket, and stays alive with no window open.

use std::sync::Arc;
use std::time::Duration;

use syncshell_core::install::{InstallStep, Installed};
use syncshell_core::paths::Paths;
use tauri::{AppHandle, Manager, RunEvent};
use tokio::sync::Mutex as AsyncMutex;

use crate::changes::ChangeFeed;
use crate::commands;
use crate::context::{Context, ContextError};
use crate::control::{self, HostLock};
use crate::demo::{self, DemoServer};
use crate::ipc;
use crate::notification_routing;
use crate::notify::icons::IconSource;
use crate::notify::Notifier;
use crate::panel;
use crate::permission_commands;
use crate::proxy_policy::HostPolicy;
use crate::sync::dispatcher::Dispatcher;
use crate::sync::failure::EventFailure;
use crate::sync::network::Mode;
use crate::sync::webview_target::WebviewTargets;
use crate::sync::{self, SyncHost};
use crate::tray;
use crate::windows::{self, CrashReport, WindowError, WindowLabel, Windows};
use syncshell_cli::client;
use syncshell_cli::protocol::{NetworkMode, Reply, Request};
use syncshell_core::store::sync_registrations::Kind;
use syncshell_core::sync::parameters::{ParameterError, Parameters};
use syncshell_proxy::ca::Authority;

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The control socket could not be created.
    #[error("cannot create the control socket {path}: {source}")]
    Socket {
        /// The socket's path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A setting in the config file or environment is bad.
    #[error("bad setting: {0}")]
    Setting(#[from] ParameterError),
    /// The store or HTTP client could not be set up.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// Tauri could not start.
    #[error("cannot start the desktop host: {0}")]
    Tauri(#[from] tauri::Error),
}

/// The dispatcher the host runs: events fired through its real windows.
pub type HostDispatcher = Dispatcher<WebviewTargets>;

/// How long a command waits for a host that another command is starting at the same moment.
const STARTING_HOST_WAIT: Duration = Duration::from_secs(20);

/// The host: every part it set up, and the request handling the control socket and the first
/// command use.
pub struct Host {
    ctx: Arc<Context>,
    handle: AppHandle,
    windows: Arc<Windows>,
    sync: Arc<SyncHost>,
    dispatcher: Arc<HostDispatcher>,
    policy: Arc<HostPolicy>,
    authority: Arc<Authority>,
    notifier: Arc<Notifier>,
    changes: Arc<ChangeFeed>,
    demo: AsyncMutex<Option<DemoServer>>,
}

/// Runs the host until it is told to quit. `first` is the request that started it (from
/// `syncshell open` or `demo` with no host running); its reply is printed, and if it fails the
/// host exits with its status instead of lingering with nothing to show.
pub fn run(paths: Paths, first: Option<Request>) -> i32 {
    let lock = match control::acquire_host_lock(&paths) {
        Ok(Some(lock)) => lock,
        Ok(None) => return defer_to_running_host(&paths, first),
        Err(e) => {
            eprintln!(
                "syncshell: error: cannot take the host lock in {}: {e}",
                paths.runtime_dir.display()
            );
            return 1;
        }
    };
    crate::open_files::raise_limit();
    match serve(paths.clone(), &lock, first) {
        Ok(code) => {
            let _ = std::fs::remove_file(paths.control_socket());
            let _ = std::fs::remove_file(paths.host_pid());
            code
        }
        Err(e) => {
            eprintln!("syncshell: error: {e}");
            1
        }
    }
}

/// Another process holds the lock: it is the host (or about to be). Hand it our request.
fn defer_to_running_host(paths: &Paths, first: Option<Request>) -> i32 {
    match first {
        None => {
            println!("syncshell is already running");
            0
        }
        Some(request) => match client::send_when_ready(paths, &request, STARTING_HOST_WAIT) {
            Ok(reply) => reply.print(),
            Err(e) => {
                eprintln!("syncshell: error: {e}");
                1
            }
        },
    }
}

fn serve(paths: Paths, lock: &HostLock, first: Option<Request>) -> Result<i32, HostError> {
    let listener = control::bind(&paths, lock).map_err(|source| HostError::Socket {
        path: paths.control_socket().display().to_string(),
        source,
    })?;
    let params = crate::context::load_parameters(&paths)?;
    // Before GTK, Tauri and the runtimes start their threads (the one thread already running is
    // JavaScriptCore's memory scavenger, which WebKit's library starts before main), and before
    // any web view exists.
    crate::compositing::set_for_process(params.hardware_acceleration);
    let ctx = Arc::new(Context::open(paths)?);
    // The settings panel's launcher ("syncshell Settings"), naming this executable.
    if let Err(e) = syncshell_core::launcher::write_settings_launcher(
        &ctx.paths,
        &ctx.exe,
        include_bytes!("../icons/icon.png"),
    ) {
        eprintln!("syncshell: cannot write the settings launcher: {e}");
    }
    let app = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            ipc::sync_commands::sync_register,
            ipc::sync_commands::sync_get_tags,
            ipc::sync_commands::periodic_register,
            ipc::sync_commands::periodic_get_tags,
            ipc::sync_commands::periodic_unregister,
            ipc::sync_commands::permission_state,
            ipc::sync_commands::bridge_state,
            ipc::notification_commands::show_notification,
            ipc::notification_commands::get_notifications,
            ipc::notification_commands::close_notification,
            ipc::notification_commands::focus_window,
            ipc::notification_commands::request_notification_permission,
            ipc::sync_commands::sync_result,
            panel::commands::panel_state,
            panel::commands::panel_app_icon,
            panel::commands::panel_set_permission,
            panel::commands::panel_set_paused,
            panel::commands::panel_set_autostart,
            panel::commands::panel_set_metered_hold,
            panel::commands::panel_set_network,
            panel::commands::panel_open_app,
            panel::commands::panel_uninstall,
            panel::commands::panel_install,
            panel::commands::panel_registrations,
            panel::commands::panel_fire,
            panel::commands::panel_log,
            panel::commands::panel_clear_log,
            panel::commands::panel_save_log,
        ])
        .setup(move |app| {
            // GTK, WebKit and Tauri are up: what starting a process with windows costs.
            crate::timing::mark("host-setup", "-");
            let host = Arc::new(Host::start(app.handle().clone(), ctx, params)?);
            // The page bridge's commands reach the sync state through Tauri's managed state.
            app.manage(host.sync.clone());
            app.manage(host.notifier.clone());
            // The panel's commands reach the host through Tauri's managed state.
            app.manage(host.clone());
            // An open settings panel follows the change feed.
            tauri::async_runtime::spawn(panel::events::forward(
                host.handle.clone(),
                host.changes.subscribe(),
            ));
            // So does the tray; its clicks are requests to the host.
            let asked = host.clone();
            let actions: tray::TrayActions = Arc::new(move |action| {
                let host = asked.clone();
                tauri::async_runtime::spawn(async move { host.tray_action(action).await });
            });
            let icon = host.handle.default_window_icon().map(|image| tray::Rgba {
                width: image.width(),
                height: image.height(),
                pixels: image.rgba().to_vec(),
            });
            tray::spawn(host.ctx.clone(), host.changes.subscribe(), icon, actions);
            let served = host.clone();
            control::serve(listener, move |request| {
                let host = served.clone();
                async move { host.handle(request).await }
            });
            tauri::async_runtime::spawn(async move {
                host.resume_demo().await;
                if let Some(request) = first {
                    let reply = host.handle(request).await;
                    reply.print();
                    if reply.code != 0 {
                        host.handle.exit(reply.code);
                    }
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    Ok(app.run_return(|_, event| {
        // Closing the last window must not end the host: it lives on in the tray. An explicit
        // exit (Quit, `syncshell quit`) carries a code and goes through.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    }))
}

/// Why a part of the host could not be set up inside Tauri's setup (Tauri then fails to start
/// and `serve` reports it).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The local CA could not be created or loaded.
    #[error("cannot set up the local certificate authority: {0}")]
    Authority(#[source] syncshell_proxy::ca::CaError),
    /// The proxy could not listen.
    #[error("cannot start the local proxy: {0}")]
    Proxy(std::io::Error),
    /// The proxy's address is not a URL (cannot happen for a socket address).
    #[error("the local proxy's address is not a URL: {0}")]
    ProxyUrl(#[from] url::ParseError),
}

impl Host {
    /// Sets up every part in order, each handed what it needs (nothing reaches back up): the sync
    /// state, the proxy (up before any window, since WebKit loads nothing without it), the
    /// windows (told to report dead web processes to the sync state), the dispatcher and the
    /// scheduler, the network watch.
    fn start(handle: AppHandle, ctx: Arc<Context>, params: Parameters) -> Result<Self, SetupError> {
        let sync = Arc::new(SyncHost::new(ctx.clone(), params));
        let policy = Arc::new(HostPolicy::new(sync.clone()));
        let authority = Arc::new(
            Authority::open(&ctx.paths.tls_dir(), std::time::SystemTime::now())
                .map_err(SetupError::Authority)?,
        );
        let options = syncshell_proxy::Options {
            authority: Some(authority.clone()),
            ..Default::default()
        };
        let proxy = syncshell_proxy::start_on_own_thread(policy.clone(), options)
            .map_err(SetupError::Proxy)?;
        let proxy_url = url::Url::parse(&format!("http://{}", proxy.addr))?;
        let crashed = sync.clone();
        let on_crash: CrashReport = Arc::new(move |label: &WindowLabel, why: &'static str| {
            let failed = crashed
                .in_flight
                .fail_window(label, EventFailure::WebProcess(why));
            eprintln!("syncshell: {label}: {why}; {failed} event(s) in flight failed");
        });
        let stated = sync.clone();
        let page_bridge: windows::PageBridge = Arc::new(move |app| {
            sync::bridge::page_bridge(stated.bridge_state(&app.origin).ok().as_ref())
        });
        let engaged = sync.clone();
        let on_focus: windows::FocusReport = Arc::new(move |app_id, ms| {
            let sync = engaged.clone();
            let app_id = app_id.to_owned();
            // Called on the main thread: the store write goes to the blocking pool.
            tauri::async_runtime::spawn_blocking(move || sync.record_focus(&app_id, ms));
        });
        let changes = ChangeFeed::start(&ctx);
        let feed = changes.clone();
        let left = sync.clone();
        let on_page_gone: windows::PageGone = Arc::new(move |label, why| {
            let failed = left
                .in_flight
                .fail_window(label, EventFailure::PageGone(why));
            if failed > 0 {
                eprintln!("syncshell: {label}: {why}; {failed} event(s) will be fired again");
            }
        });
        let hooks = windows::Hooks {
            page_bridge,
            on_crash,
            on_page_gone,
            on_focus,
            on_open_or_close: Arc::new(move || feed.windows_changed()),
        };
        // Under WebDriver every network process stays: WebKit ends an automation session when
        // any of them ends (`windows/idle_network.rs`).
        let automated = std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true");
        let network_idle = (!automated).then(|| {
            Duration::from_millis(u64::try_from(sync.params.network_process_idle).unwrap_or(0))
        });
        let windows = Arc::new(Windows::new(
            handle.clone(),
            ctx.clone(),
            proxy_url,
            authority.clone(),
            hooks,
            network_idle,
        ));
        let renewed = Arc::downgrade(&windows);
        authority.on_renew(Box::new(move |leaf| {
            if let Some(windows) = renewed.upgrade() {
                windows.trust_renewed(leaf);
            }
        }));
        let dispatcher = Arc::new(Dispatcher::new(
            sync.clone(),
            Arc::new(WebviewTargets::new(windows.clone())),
        ));
        let (changed, feed) = (sync.clone(), changes.clone());
        sync::network::watch(
            sync.network.clone(),
            Arc::new(move || {
                changed.changed();
                feed.network_changed();
            }),
        );
        tauri::async_runtime::spawn(sync::scheduler::run(dispatcher.clone()));
        tauri::async_runtime::spawn(sync::state_push::run(sync.clone(), windows.clone()));
        let changed = sync.clone();
        let (notifier, server_events) = Notifier::new(
            ctx.clone(),
            windows.clone(),
            Arc::new(move || changed.changed()),
        );
        let notifier = Arc::new(notifier);
        policy.serve_notifications(notifier.clone());
        tauri::async_runtime::spawn(notification_routing::run(
            notifier.clone(),
            dispatcher.clone(),
            windows.clone(),
            server_events,
        ));
        Ok(Self {
            ctx,
            handle,
            windows,
            sync,
            dispatcher,
            policy,
            authority,
            notifier,
            changes,
            demo: AsyncMutex::new(None),
        })
    }

    /// Stops intercepting TLS for `origin`'s host once no installed https app is left on it.
    fn revoke_tls(&self, origin: &str) {
        let Some(host) = windows::https_host(origin) else {
            return;
        };
        let still_used = syncshell_core::store::apps::list(self.ctx.store().conn())
            .unwrap_or_default()
            .iter()
            .any(|a| windows::https_host(&a.origin).as_ref() == Some(&host));
        if !still_used {
            self.authority.revoke(&host);
        }
    }

    /// Installs (or updates) the app at `url`, telling `progress` of each step; the proxy learns
    /// of it at once.
    pub async fn install(
        &self,
        url: &str,
        progress: &(dyn Fn(InstallStep) + Sync),
    ) -> (Reply, Option<Installed>) {
        let (reply, installed) = commands::install(&self.ctx, url, progress).await;
        if let Some(Installed { app, .. }) = &installed {
            self.policy.invalidate(&app.origin);
            // Installing counted as opening the app (commands::install): its periodic events,
            // held while it was not engaged, may fire.
            self.sync.wake.notify_one();
        }
        (reply, installed)
    }

    /// Shared context (store, paths, clock).
    pub fn ctx(&self) -> &Arc<Context> {
        &self.ctx
    }

    /// Background sync state (parameters, network).
    pub fn sync(&self) -> &Arc<SyncHost> {
        &self.sync
    }

    /// The host's windows.
    pub fn windows(&self) -> &Arc<Windows> {
        &self.windows
    }

    /// Tauri's handle (to emit events).
    pub fn app_handle(&self) -> &AppHandle {
        &self.handle
    }

    /// Carries out what the user asked for in the tray, as the same requests the CLI makes. There
    /// is no one to answer, so failures go to stderr (and the log, where the request logs).
    async fn tray_action(&self, action: tray::TrayAction) {
        use tray::TrayAction;
        let setting = |on: bool| Some(if on { "allow" } else { "block" }.to_owned());
        let permission = |app: &str, name: &str, on: bool| Request::Permission {
            app: app.to_owned(),
            name: Some(name.to_owned()),
            setting: setting(on),
            json: false,
        };
        let requests = match action {
            TrayAction::Open(id) => vec![Request::Open { id }],
            TrayAction::BackgroundSync { app, on } => vec![
                permission(&app, "background-sync", on),
                permission(&app, "periodic-background-sync", on),
            ],
            TrayAction::Notifications { app, on } => vec![permission(&app, "notifications", on)],
            TrayAction::Pause(true) => vec![Request::Pause],
            TrayAction::Pause(false) => vec![Request::Resume],
            TrayAction::Settings => vec![Request::Settings],
            TrayAction::Quit => vec![Request::Quit],
        };
        for request in requests {
            let reply = Box::pin(self.handle(request)).await;
            if reply.code != 0 {
                eprint!("syncshell: tray: {}", reply.stderr);
            }
        }
    }

    /// Carries out one request.
    pub async fn handle(&self, request: Request) -> Reply {
        match request {
            Request::Install { url } => self.install(&url, &|_| {}).await.0,
            Request::List { json } => commands::list(&self.ctx, json),
            Request::Open { id } => match commands::find_app(&self.ctx, &id) {
                Ok(app) => match self.open_window(app.clone()).await {
                    Ok(()) => Reply::ok(format!("Opened {}\n", app.id)),
                    Err(e) => Reply::error(e),
                },
                Err(reply) => reply,
            },
            Request::Close { id } => match commands::find_app(&self.ctx, &id) {
                Ok(app) => {
                    // It waits for an opening of the same window on another thread.
                    let (windows, app_id) = (self.windows.clone(), app.id.clone());
                    let closed =
                        tauri::async_runtime::spawn_blocking(move || windows.close_app(&app_id))
                            .await
                            .unwrap_or(false);
                    if closed {
                        Reply::ok(format!("Closed {}\n", app.id))
                    } else {
                        Reply::ok(format!("{} has no open window\n", app.id))
                    }
                }
                Err(reply) => reply,
            },
            Request::Uninstall { id, keep_data } => {
                // The windows first: their pages write to the app's data while they run.
                self.windows.destroy_app_window(&id).await;
                self.dispatcher.close_hidden(&id).await;
                // Then the app's WebKit network process, which writes there for seconds after
                // (windows/network_process.rs): the directory is removed after it ended.
                if !keep_data {
                    if let Err(e) = self.windows.end_app_network_process(&id).await {
                        eprintln!("syncshell: {id}: {e}");
                    }
                }
                if let Ok(app) = commands::find_app(&self.ctx, &id) {
                    // The last app of its origin takes the origin's notifications with it.
                    let apps = syncshell_core::store::apps::count_for_origin(
                        self.ctx.store().conn(),
                        &app.origin,
                    );
                    if apps.unwrap_or(0) <= 1 {
                        self.notifier.close_all(&app).await;
                    }
                }
                let origin = commands::find_app(&self.ctx, &id).ok().map(|a| a.origin);
                let reply = commands::uninstall(&self.ctx, &id, keep_data);
                if let Some(origin) = origin {
                    self.policy.invalidate(&origin);
                    self.revoke_tls(&origin);
                }
                reply
            }
            Request::Demo => self.demo().await,
            Request::SyncList { app, json } => commands::sync_list(
                &self.ctx,
                &self.sync.params,
                self.sync.network.state(),
                app.as_deref(),
                json,
            ),
            Request::Permission {
                app,
                name,
                setting,
                json,
            } => {
                let (reply, changed) = permission_commands::permission(
                    &self.ctx,
                    &app,
                    name.as_deref(),
                    setting.as_deref(),
                    json,
                );
                if changed {
                    self.sync.changed();
                }
                reply
            }
            Request::Notify { app, title, body } => {
                let app = match commands::find_app(&self.ctx, &app) {
                    Ok(a) => a,
                    Err(reply) => return reply,
                };
                let options = syncshell_core::notification::NotificationOptions {
                    body: body.unwrap_or_default(),
                    ..Default::default()
                };
                match self
                    .notifier
                    .show(&app, None, &title, options, IconSource::Installed)
                    .await
                {
                    Ok(id) => Reply::ok(format!(
                        "Shown as {} (notification {id})\n",
                        syncshell_core::terminal_text::for_terminal(&app.name)
                    )),
                    Err(e) => {
                        Reply::error(format!("cannot show a notification for {}: {e}", app.id))
                    }
                }
            }
            Request::Pause | Request::Resume => {
                let (reply, changed) =
                    permission_commands::pause(&self.ctx, request == Request::Pause);
                if changed {
                    self.sync.changed();
                }
                reply
            }
            Request::Log { app, json } => commands::log(&self.ctx, app.as_deref(), json),
            Request::SyncFire {
                app,
                tag,
                last_chance,
                periodic,
            } => {
                let app = match commands::find_app(&self.ctx, &app) {
                    Ok(a) => a,
                    Err(reply) => return reply,
                };
                let kind = if periodic { Kind::Periodic } else { Kind::Sync };
                match self
                    .dispatcher
                    .fire_manual(&app, kind, &tag, last_chance)
                    .await
                {
                    Ok(()) => Reply::ok(format!(
                        "{} event \"{tag}\" completed in {}\n",
                        kind.as_str(),
                        app.id
                    )),
                    Err(e) => Reply::error(format!(
                        "{} event \"{tag}\" failed in {}: {e}",
                        kind.as_str(),
                        app.id
                    )),
                }
            }
            Request::Network { mode } => {
                let sync = &self.sync;
                let network = &sync.network;
                match mode {
                    Some(NetworkMode::Online) => network.set_mode(Mode::Online),
                    Some(NetworkMode::Offline) => network.set_mode(Mode::Offline),
                    Some(NetworkMode::Metered) => network.set_mode(Mode::Metered),
                    Some(NetworkMode::Auto) => network.set_mode(Mode::Auto),
                    None => {}
                }
                if mode.is_some() {
                    // Back online: everything ready fires; pages see the new connection.
                    sync.changed();
                    self.changes.network_changed();
                }
                let describe = |online: bool, metered: bool| match (online, metered) {
                    (false, _) => "offline",
                    (true, true) => "online, metered",
                    (true, false) => "online",
                };
                let state = describe(network.is_online(), network.is_metered());
                let how = match network.mode() {
                    Mode::Auto => {
                        let (online, metered) = network.monitor();
                        format!(
                            "following the desktop, which says {}",
                            describe(online, metered)
                        )
                    }
                    _ => "overridden with `syncshell network`".to_owned(),
                };
                let kind = serde_json::to_value(network.connection().kind).unwrap_or_default();
                let kind = kind.as_str().unwrap_or("unknown");
                Reply::ok(format!(
                    "network: {state} ({how}); connection type: {kind}\n"
                ))
            }
            Request::Status => {
                let list = |ids: Vec<String>| {
                    if ids.is_empty() {
                        "none".to_owned()
                    } else {
                        ids.join(", ")
                    }
                };
                let paused = syncshell_core::store::host_settings::paused(self.ctx.store().conn())
                    .unwrap_or(false);
                Reply::ok(format!(
                    "syncshell host: running (pid {})\nopen windows: {}\nbackground windows: {}\nproxy: {}\nbackground activity: {}\nscheduler decisions: {}\n",
                    std::process::id(),
                    list(self.windows.open_app_ids()),
                    list(self.windows.hidden_app_ids()),
                    self.windows.proxy(),
                    if paused { "paused" } else { "running" },
                    self.sync.decisions.load(std::sync::atomic::Ordering::Relaxed),
                ))
            }
            Request::Settings => {
                let windows = self.windows.clone();
                match tauri::async_runtime::spawn_blocking(move || windows.open_settings()).await {
                    Ok(Ok(())) => Reply::ok("Opened the settings panel\n"),
                    Ok(Err(e)) => Reply::error(e),
                    Err(e) => Reply::error(WindowError::Task(e.to_string())),
                }
            }
            Request::Quit => {
                self.handle.exit(0);
                Reply::ok("syncshell host: stopping\n")
            }
        }
    }

    /// Opens (or focuses) the app's window without blocking the async runtime's workers.
    pub async fn open_window(
        &self,
        app: syncshell_core::store::apps::App,
    ) -> Result<(), WindowError> {
        let sync = self.sync.clone();
        let origin = app.origin.clone();
        let _ = tauri::async_runtime::spawn_blocking(move || sync.record_launch(&origin)).await;
        let windows = self.windows.clone();
        tauri::async_runtime::spawn_blocking(move || windows.open_app(&app))
            .await
            .map_err(|e| WindowError::Task(e.to_string()))?
    }

    /// Serves the demo (once), installs it (updating it if it is there) and opens it.
    async fn demo(&self) -> Reply {
        let url = match self.ensure_demo_server().await {
            Ok(url) => url,
            Err(e) => return Reply::error(e),
        };
        let (mut reply, installed) = self.install(url.as_str(), &|_| {}).await;
        let Some(Installed { app, .. }) = installed else {
            return reply;
        };
        if let Err(e) = self.open_window(app).await {
            return Reply::error(e);
        }
        reply.stdout += &format!("The demo is served at {url} while syncshell runs.\n");
        reply
    }

    async fn ensure_demo_server(&self) -> Result<url::Url, demo::DemoError> {
        let mut demo = self.demo.lock().await;
        if let Some(server) = demo.as_ref() {
            return Ok(server.url.clone());
        }
        let server = demo::start(demo::port()?).await?;
        let url = server.url.clone();
        *demo = Some(server);
        Ok(url)
    }

    /// If the demo app is installed, serve it again, so its launcher works after a restart.
    async fn resume_demo(&self) {
        let Ok(port) = demo::port() else { return };
        let origin = demo::url(port).origin().ascii_serialization();
        let installed =
            syncshell_core::store::apps::count_for_origin(self.ctx.store().conn(), &origin);
        if installed.unwrap_or(0) > 0 {
            if let Err(e) = self.ensure_demo_server().await {
                eprintln!("syncshell: the demo app is installed but cannot be served: {e}");
            }
        }
    }
}
