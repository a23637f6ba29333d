//! The window process (`syncshell-windows`): Tauri, GTK and WebKit, started by the resident
//! (`syncshell-host`) while a window is needed, with its end of their link as its standard input.
//! It carries out what the resident asks (`agent.rs`), forwards what its pages and the settings
//! panel ask, says when it has had no window for `window_process_linger`, and ends when told to
//! or when the resident is gone.

use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::Duration;

use syncshell_core::paths::{NoHome, Paths};
use syncshell_core::sync::parameters::ParameterError;
use syncshell_resident::context::{Context, ContextError};
use syncshell_resident::link::rpc::Link;
use syncshell_resident::link::window_process::PROXY_ENV;
use tauri::{Manager, RunEvent};

use crate::agent;
use crate::ipc;
use crate::panel;
use crate::windows::Windows;

/// Why the window process could not start.
#[derive(Debug, thiserror::Error)]
pub enum WindowProcessError {
    /// The data and runtime directories cannot be found.
    #[error(transparent)]
    Paths(#[from] NoHome),
    /// A setting in the config file or environment is bad.
    #[error("bad setting: {0}")]
    Setting(#[from] ParameterError),
    /// The store could not be opened.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// The resident did not say where its proxy is.
    #[error("no proxy URL in {PROXY_ENV}: this program is started by syncshell-host")]
    NoProxy,
    /// The proxy URL is not a URL.
    #[error("bad proxy URL in {PROXY_ENV}: {0}")]
    BadProxy(#[from] url::ParseError),
    /// Standard input is not the resident's end of a link.
    #[error("no link to the resident on standard input: {0}")]
    NoLink(std::io::Error),
    /// Tauri could not start.
    #[error("cannot start the windows: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Runs the window process until the resident tells it to quit or goes away; its exit status.
pub fn run() -> i32 {
    // GTK names windows' WM_CLASS after the program: keep the name users and docks know.
    gtk::glib::set_prgname(Some(syncshell_cli::CLI_BINARY));
    match serve() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("syncshell: error: {e}");
            1
        }
    }
}

fn serve() -> Result<i32, WindowProcessError> {
    let paths = Paths::from_env()?;
    let params = syncshell_resident::context::load_parameters(&paths)?;
    // Before GTK, Tauri and the runtimes start their threads (the one thread already running is
    // JavaScriptCore's memory scavenger, which WebKit's library starts before main), and before
    // any web view exists.
    crate::compositing::set_for_process(params.hardware_acceleration);
    let proxy_url = std::env::var(PROXY_ENV).map_err(|_| WindowProcessError::NoProxy)?;
    let proxy_url = url::Url::parse(&proxy_url)?;
    // The link: standard input is the window process's end of the resident's socketpair.
    let stdin = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(WindowProcessError::NoLink)?;
    let stream = std::os::unix::net::UnixStream::from(stdin);
    stream
        .set_nonblocking(true)
        .map_err(WindowProcessError::NoLink)?;
    let ctx = Arc::new(Context::open(paths)?);
    let linger = Duration::from_millis(u64::try_from(params.window_process_linger).unwrap_or(0));
    // Under WebDriver every network process stays: WebKit ends an automation session when any
    // of them ends (`windows/idle_network.rs`).
    let automated = std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true");
    let network_idle = (!automated)
        .then(|| Duration::from_millis(u64::try_from(params.network_process_idle).unwrap_or(0)));
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
            // GTK, WebKit and Tauri are up: what starting the window process costs.
            syncshell_resident::timing::mark("host-setup", "-");
            let _runtime = tauri::async_runtime::handle().inner().enter();
            let stream = tokio::net::UnixStream::from_std(stream)?;
            let (to_resident, from_resident) = Link::open(stream);
            let handle = app.handle().clone();
            let idle = agent::IdleWatch::new(linger);
            let windows = Arc::new(Windows::new(
                handle.clone(),
                ctx,
                proxy_url,
                agent::hooks(&to_resident, &idle),
                network_idle,
            ));
            agent::serve(
                to_resident.clone(),
                from_resident,
                windows.clone(),
                handle,
                idle,
            );
            // The page bridge's and the panel's commands reach the resident over the link.
            app.manage(to_resident);
            app.manage(windows);
            Ok(())
        })
        .build(tauri::generate_context!())?;
    Ok(app.run_return(|_, event| {
        // Closing the last window does not end the process: the resident decides (it may have
        // an event to fire). An explicit exit (its Quit) carries a code and goes through.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    }))
}
