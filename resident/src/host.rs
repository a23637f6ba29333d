//! The host's logic without its windows: every part the resident holds (the sync state, the
//! proxy, notifications, the tray, the control socket's requests), set up in order and handed
//! the window side as a [`Desktop`]. Requests from the CLI, the tray and the panel are carried
//! out here, the same way for all three.

use std::sync::Arc;

use syncshell_core::install::{InstallStep, Installed};
use syncshell_core::origin::https_host;
use syncshell_core::sync::parameters::Parameters;
use tokio::sync::Mutex as AsyncMutex;

use crate::changes::ChangeFeed;
use crate::commands;
use crate::context::Context;
use crate::demo::{self, DemoServer};
use crate::desktop::{Desktop, DesktopError, Launcher, WindowReports};
use crate::notification_routing;
use crate::notify::icons::IconSource;
use crate::notify::Notifier;
use crate::page_calls::PageCalls;
use crate::permission_commands;
use crate::proxy_policy::HostPolicy;
use crate::sync::dispatcher::Dispatcher;
use crate::sync::network::Mode;
use crate::sync::{self, SyncHost};
use crate::tray;
use syncshell_cli::protocol::{NetworkMode, Reply, Request};
use syncshell_core::store::sync_registrations::Kind;
use syncshell_proxy::ca::Authority;

/// Why a part of the host could not be set up.
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

/// The parts set up before the window side exists: the sync state, the proxy (up before any
/// window, since WebKit loads nothing without it) with its certificate authority, and the change
/// feed. The window side is reached with [`Services::proxy_url`], [`Services::launcher`] and
/// [`Services::reports`], then the [`Host`] made over both.
pub struct Services {
    ctx: Arc<Context>,
    sync: Arc<SyncHost>,
    policy: Arc<HostPolicy>,
    authority: Arc<Authority>,
    proxy_url: url::Url,
    changes: Arc<ChangeFeed>,
}

impl Services {
    /// Starts the proxy on a runtime of its own and the change feed on the current one (call it
    /// inside a Tokio runtime, outside its workers' tasks).
    pub fn start(ctx: Arc<Context>, params: Parameters) -> Result<Self, SetupError> {
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
        let changes = ChangeFeed::start(&ctx);
        Ok(Self {
            ctx,
            sync,
            policy,
            authority,
            proxy_url,
            changes,
        })
    }

    /// The proxy every web view loads through.
    pub fn proxy_url(&self) -> &url::Url {
        &self.proxy_url
    }

    /// What windows of apps are built with (the page bridge, the leaf to trust).
    pub fn launcher(&self) -> Launcher {
        Launcher::new(self.sync.clone(), self.authority.clone())
    }

    /// Where the window side reports what happens to its windows.
    pub fn reports(&self) -> WindowReports {
        WindowReports::new(self.sync.clone(), self.changes.clone())
    }

    /// The sync state (whether a sync waits for the network: the window process is kept then).
    pub fn sync(&self) -> &Arc<SyncHost> {
        &self.sync
    }
}

/// The host: every part it set up, and the request handling the control socket, the tray, the
/// panel and the first command use.
pub struct Host<D: Desktop> {
    ctx: Arc<Context>,
    desktop: Arc<D>,
    sync: Arc<SyncHost>,
    dispatcher: Arc<Dispatcher<D>>,
    policy: Arc<HostPolicy>,
    authority: Arc<Authority>,
    notifier: Arc<Notifier>,
    changes: Arc<ChangeFeed>,
    proxy_url: url::Url,
    demo: AsyncMutex<Option<DemoServer>>,
}

impl<D: Desktop> Host<D> {
    /// Sets up the rest in order, each part handed what it needs (nothing reaches back up): the
    /// dispatcher and the scheduler over `desktop`, the network watch, the pushes of state to
    /// open pages, notifications and their routing. Call it inside the Tokio runtime.
    pub fn start(services: Services, desktop: Arc<D>) -> Self {
        let Services {
            ctx,
            sync,
            policy,
            authority,
            proxy_url,
            changes,
        } = services;
        let renewed = Arc::downgrade(&desktop);
        authority.on_renew(Box::new(move |leaf| {
            if let Some(desktop) = renewed.upgrade() {
                desktop.trust_renewed(leaf);
            }
        }));
        let dispatcher = Arc::new(Dispatcher::new(sync.clone(), desktop.clone()));
        let (changed, feed) = (sync.clone(), changes.clone());
        let first_reading = sync::network_watch::watch(
            sync.network.clone(),
            Arc::new(move || {
                changed.changed();
                feed.network_changed();
            }),
        );
        // The scheduler plans with the network: it starts once the network has been read.
        let scheduled = dispatcher.clone();
        tokio::spawn(async move {
            let _ = first_reading.await;
            sync::scheduler::run(scheduled).await;
        });
        tokio::spawn(sync::state_push::run(sync.clone(), desktop.clone()));
        // An open settings panel follows the change feed.
        tokio::spawn(crate::panel::events::forward(
            desktop.clone(),
            changes.subscribe(),
        ));
        let changed = sync.clone();
        let (notifier, server_events) = Notifier::new(
            ctx.clone(),
            desktop.clone(),
            Arc::new(move || changed.changed()),
        );
        let notifier = Arc::new(notifier);
        policy.serve_notifications(notifier.clone());
        tokio::spawn(notification_routing::run(
            notifier.clone(),
            dispatcher.clone(),
            desktop.clone(),
            server_events,
        ));
        Self {
            ctx,
            desktop,
            sync,
            dispatcher,
            policy,
            authority,
            notifier,
            changes,
            proxy_url,
            demo: AsyncMutex::new(None),
        }
    }

    /// The tray, following the change feed; its clicks become requests to this host. `icon` is
    /// the program's icon.
    pub fn start_tray(self: &Arc<Self>, icon: Option<tray::Rgba>) {
        let asked = self.clone();
        let actions: tray::TrayActions = Arc::new(move |action| {
            let host = asked.clone();
            tokio::spawn(async move { host.tray_action(action).await });
        });
        tray::spawn(self.ctx.clone(), self.changes.subscribe(), icon, actions);
    }

    /// The change feed (views subscribe to it).
    pub fn changes(&self) -> &Arc<ChangeFeed> {
        &self.changes
    }

    /// The window side.
    pub(crate) fn desktop(&self) -> &Arc<D> {
        &self.desktop
    }

    /// What answers the page bridge's calls.
    pub fn page_calls(&self) -> PageCalls {
        PageCalls::new(self.sync.clone(), self.notifier.clone())
    }

    /// Stops intercepting TLS for `origin`'s host once no installed https app is left on it.
    fn revoke_tls(&self, origin: &str) {
        let Some(host) = https_host(origin) else {
            return;
        };
        let still_used = syncshell_core::store::apps::list(self.ctx.store().conn())
            .unwrap_or_default()
            .iter()
            .any(|a| https_host(&a.origin).as_ref() == Some(&host));
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
                    if self.desktop.close_app(&app.id).await {
                        Reply::ok(format!("Closed {}\n", app.id))
                    } else {
                        Reply::ok(format!("{} has no open window\n", app.id))
                    }
                }
                Err(reply) => reply,
            },
            Request::Uninstall { id, keep_data } => {
                // The windows first: their pages write to the app's data while they run.
                self.desktop.destroy_app_window(&id).await;
                self.dispatcher.close_hidden(&id).await;
                // Then the app's WebKit network process, which writes there for seconds after
                // (windows/network_process.rs): the directory is removed after it ended.
                if !keep_data {
                    if let Err(e) = self.desktop.end_network_process(&id).await {
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
                let open = self.desktop.open_windows().await;
                let paused = syncshell_core::store::host_settings::paused(self.ctx.store().conn())
                    .unwrap_or(false);
                Reply::ok(format!(
                    "syncshell host: running (pid {})\nopen windows: {}\nbackground windows: {}\nproxy: {}\nbackground activity: {}\nscheduler decisions: {}\n",
                    std::process::id(),
                    list(open.apps),
                    list(open.hidden),
                    self.proxy_url,
                    if paused { "paused" } else { "running" },
                    self.sync.decisions.load(std::sync::atomic::Ordering::Relaxed),
                ))
            }
            Request::Settings => match self.desktop.open_settings().await {
                Ok(()) => Reply::ok("Opened the settings panel\n"),
                Err(e) => Reply::error(e),
            },
            Request::Quit => {
                self.desktop.quit(0);
                Reply::ok("syncshell host: stopping\n")
            }
        }
    }

    /// Opens (or focuses) the app's window without blocking the async runtime's workers.
    pub async fn open_window(
        &self,
        app: syncshell_core::store::apps::App,
    ) -> Result<(), DesktopError> {
        let sync = self.sync.clone();
        let origin = app.origin.clone();
        let _ = tokio::task::spawn_blocking(move || sync.record_launch(&origin)).await;
        self.desktop.open_app(&app).await
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
    pub async fn resume_demo(&self) {
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
