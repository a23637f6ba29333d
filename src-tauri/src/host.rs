//! The host process: the one long-lived syncshell process of a user. It starts the resident's
//! parts (`syncshell_resident::host`) and Tauri with the windows they work through, and stays
//! alive with no window open.

use std::sync::Arc;
use std::time::Duration;

use syncshell_cli::client;
use syncshell_cli::protocol::Request;
use syncshell_core::paths::Paths;
use syncshell_core::sync::parameters::{ParameterError, Parameters};
use syncshell_resident::context::{Context, ContextError};
use syncshell_resident::control::{self, HostLock};
use syncshell_resident::host::{Services, SetupError};
use syncshell_resident::link::link_desktop::{serve_window_side, LinkDesktop, PanelCalls};
use syncshell_resident::link::rpc::Link;
use tauri::{AppHandle, Manager, RunEvent};

use crate::agent;
use crate::ipc;
use crate::panel;
use crate::windows::Windows;

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

/// The host over this process's windows, reached through the link.
pub type Host = syncshell_resident::host::Host<LinkDesktop>;

/// How long a command waits for a host that another command is starting at the same moment.
const STARTING_HOST_WAIT: Duration = Duration::from_secs(20);

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
    syncshell_resident::open_files::raise_limit();
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
    let params = syncshell_resident::context::load_parameters(&paths)?;
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
            syncshell_resident::timing::mark("host-setup", "-");
            // The resident's parts spawn their tasks on Tauri's runtime.
            let _runtime = tauri::async_runtime::handle().inner().enter();
            let Started {
                host,
                windows,
                to_resident,
            } = start(app.handle().clone(), ctx, params)?;
            // The page bridge's and the panel's commands reach the resident over the link.
            app.manage(to_resident);
            app.manage(windows);
            // The tray follows the change feed; its clicks are requests to the host.
            let icon =
                app.handle()
                    .default_window_icon()
                    .map(|image| syncshell_resident::tray::Rgba {
                        width: image.width(),
                        height: image.height(),
                        pixels: image.rgba().to_vec(),
                    });
            host.start_tray(icon);
            let served = host.clone();
            control::serve(listener, move |request| {
                let host = served.clone();
                async move { host.handle(request).await }
            });
            let exit = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                host.resume_demo().await;
                if let Some(request) = first {
                    let reply = host.handle(request).await;
                    reply.print();
                    if reply.code != 0 {
                        exit.exit(reply.code);
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

/// Sets up the resident's parts, then the windows they work through, then the host over them.
/// The two sides speak over a link (a socketpair), the one they will speak over when the windows
/// have a process of their own (`docs/resident-design.md`): the windows' reports, the resident's
/// requests and every event cross it already.
fn start(handle: AppHandle, ctx: Arc<Context>, params: Parameters) -> Result<Started, StartError> {
    let services = Services::start(ctx.clone(), params)?;
    let (resident_end, window_end) = tokio::net::UnixStream::pair().map_err(StartError::Link)?;
    // The window side.
    let (to_resident, from_resident) = Link::open(window_end);
    // Under WebDriver every network process stays: WebKit ends an automation session when any
    // of them ends (`windows/idle_network.rs`).
    let automated = std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true");
    let network_idle = (!automated).then(|| {
        let ms = services.sync().params.network_process_idle;
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    });
    let windows = Arc::new(Windows::new(
        handle.clone(),
        ctx,
        services.proxy_url().clone(),
        agent::hooks(&to_resident),
        network_idle,
    ));
    agent::serve(to_resident.clone(), from_resident, windows.clone(), handle);
    // The resident side: what the window side sends waits until the host can answer it.
    let (to_windows, from_windows) = Link::open(resident_end);
    let desktop = LinkDesktop::new(to_windows, services.launcher());
    let reports = services.reports();
    let host = Arc::new(syncshell_resident::host::Host::start(
        services,
        Arc::new(desktop),
    ));
    let panel_host = host.clone();
    let panel: PanelCalls = Arc::new(move |call| {
        let host = panel_host.clone();
        Box::pin(async move { host.panel(call).await })
    });
    serve_window_side(
        from_windows,
        reports,
        host.page_calls(),
        panel,
        Box::new(|| eprintln!("syncshell: the windows' link closed")),
    );
    Ok(Started {
        host,
        windows,
        to_resident,
    })
}

/// What [`start`] set up: the host, the windows, and the window side's end of the link.
struct Started {
    host: Arc<Host>,
    windows: Arc<Windows>,
    to_resident: Arc<Link>,
}

/// Why the host's parts could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A part of the resident.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The link between the two sides could not be made.
    #[error("cannot link the windows to the resident: {0}")]
    Link(std::io::Error),
}
