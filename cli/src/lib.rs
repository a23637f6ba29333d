//! The `syncshell` command, kept small: argument parsing, the control protocol and its client.
//! It links no GTK or WebKit, so a command the running host can answer costs a process start and
//! one round trip on the control socket. Everything else (starting the host, commands with no
//! host running, `doctor`) is handed to `syncshell-host`, the Tauri binary next to it, which
//! uses this crate for the same arguments and protocol.

pub mod args;
pub mod client;
pub mod host_binary;
pub mod protocol;

use clap::{CommandFactory, Parser};
use syncshell_core::paths::Paths;

use crate::args::Cli;
use crate::client::Sent;
use crate::protocol::Reply;

/// The file name of the command users and launchers run (this crate's binary).
pub const CLI_BINARY: &str = "syncshell";
/// The file name of the host binary, installed next to [`CLI_BINARY`].
pub const HOST_BINARY: &str = "syncshell-host";

/// Runs the `syncshell` command and returns its exit status: answers through the running host
/// when there is one, or replaces this process with `syncshell-host` (same arguments) when the
/// command needs it.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        if cli.background {
            return host_binary::exec();
        }
        let _ = Cli::command().print_help();
        return 0;
    };
    // `doctor` checks the desktop with the host's own libraries (D-Bus, the trust store).
    let Some(request) = command.into_request() else {
        return host_binary::exec();
    };
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(e) => return Reply::error(e).print(),
    };
    match client::send_and_print(&paths, request) {
        Sent::Answered(code) => code,
        Sent::NoHost(_) => host_binary::exec(),
    }
}
