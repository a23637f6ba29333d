//! The resident process: the one long-lived syncshell process of a user. It holds the store, the
//! scheduler, the proxy, the tray, notifications and the control socket, links no GTK or WebKit,
//! and starts the window process (`syncshell-windows`) only while a window is needed
//! (`link/window_process.rs`). It lives until it is told to quit.

use std::sync::Arc;
use std::time::Duration;

use syncshell_cli::client;
use syncshell_cli::protocol::Request;
use syncshell_core::paths::Paths;
use syncshell_core::sync::parameters::ParameterError;
use tokio::sync::mpsc;

use crate::context::{Context, ContextError};
use crate::control::{self, HostLock};
use crate::host::{Host, Services, SetupError};
use crate::link::link_desktop::{LinkDesktop, PanelCalls};
use crate::link::window_process::WindowProcess;
use crate::tray;

/// The program's icon: the tray's, and the settings panel's launcher's.
const ICON: &[u8] = include_bytes!("../../src-tauri/icons/icon.png");

/// How long a command waits for a host that another command is starting at the same moment.
const STARTING_HOST_WAIT: Duration = Duration::from_secs(20);

/// Why the resident could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
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
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// A part of the host could not be set up.
    #[error(transparent)]
    Setup(#[from] SetupError),
}

/// Runs the resident until it is told to quit. `first` is the request that started it (from
/// `syncshell open` or `demo` with no host running); its reply is printed, and if it fails the
/// resident exits with its status instead of lingering with nothing to show.
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

fn serve(paths: Paths, lock: &HostLock, first: Option<Request>) -> Result<i32, ServeError> {
    let params = crate::context::load_parameters(&paths)?;
    let ctx = Arc::new(Context::open(paths)?);
    // The settings panel's launcher ("syncshell Settings"), naming the `syncshell` command.
    if let Err(e) = syncshell_core::launcher::write_settings_launcher(&ctx.paths, &ctx.exe, ICON) {
        eprintln!("syncshell: cannot write the settings launcher: {e}");
    }
    // One worker: the resident's tasks wait on sockets and timers; store work goes to the
    // blocking pool, the proxy has a runtime of its own.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("syncshell-resident")
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let _inside = runtime.enter();
    let listener = control::bind(&ctx.paths, lock).map_err(|source| ServeError::Socket {
        path: ctx.paths.control_socket().display().to_string(),
        source,
    })?;
    let services = Services::start(ctx.clone(), params)?;
    let (quit_tx, mut quit) = mpsc::unbounded_channel::<i32>();
    // Kept while a one-off sync waits for the network: it fires the moment the network is back.
    let waiting = services.sync().clone();
    let windows = WindowProcess::new(
        services.proxy_url().clone(),
        services.reports(),
        Arc::new(move || waiting.waits_for_network()),
    );
    let desktop = Arc::new(LinkDesktop::new(
        windows.clone(),
        services.launcher(),
        Arc::new(move |code| {
            let _ = quit_tx.send(code);
        }),
    ));
    let host = Arc::new(Host::start(services, desktop));
    let panel_host = host.clone();
    let panel: PanelCalls = Arc::new(move |call| {
        let host = panel_host.clone();
        Box::pin(async move { host.panel(call).await })
    });
    windows.answer_with(host.page_calls(), panel);
    let warm = windows.clone();
    let changes = host.changes().subscribe();
    tokio::spawn(async move { warm.keep_warm(changes).await });
    host.start_tray(tray_icon());
    let served = host.clone();
    control::serve(listener, move |request| {
        let host = served.clone();
        async move { host.handle(request).await }
    });
    let code = runtime.block_on(async move {
        host.resume_demo().await;
        if let Some(request) = first {
            let reply = host.handle(request).await;
            reply.print();
            if reply.code != 0 {
                return reply.code;
            }
        }
        quit.recv().await.unwrap_or(0)
    });
    windows.quit();
    Ok(code)
}

/// The tray's icon, from the program's PNG.
fn tray_icon() -> Option<tray::Rgba> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(ICON));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().ok()?;
    let mut pixels = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut pixels).ok()?;
    pixels.truncate(frame.buffer_size());
    Some(tray::Rgba {
        width: frame.width,
        height: frame.height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tray_shows_the_program_s_own_icon() {
        let icon = super::tray_icon().expect("the icon decodes");
        assert_eq!((icon.width, icon.height), (512, 512));
        assert_eq!(icon.pixels.len(), 512 * 512 * 4, "RGBA, 8 bits each");
        assert!(
            icon.pixels.chunks(4).any(|p| p[3] == 255),
            "some pixels are opaque"
        );
    }
}
