//! `syncshell-host`, the resident: the arguments are the `syncshell` command's (the small
//! `syncshell` binary hands it those it cannot serve alone). With a host already running it still
//! asks that host, so two commands racing to start one end up with one; with none, it starts one
//! (`serve.rs`) or runs the command in this process.

use clap::{CommandFactory, Parser};
use syncshell_cli::args::Cli;
use syncshell_cli::client::{self, Sent};
use syncshell_cli::protocol::{Reply, Request};
use syncshell_core::paths::Paths;
use syncshell_core::sync::hold;

use crate::context::{self, Context};
use crate::{commands, doctor, permission_commands, serve};

/// Runs `syncshell-host` and returns its exit status. It takes the `syncshell` command's
/// arguments (the small `syncshell` binary hands it those it cannot serve alone): with a host
/// already running it still asks that host, so two commands racing to start one end up with one.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(e) => return Reply::error(e).print(),
    };
    let Some(command) = cli.command else {
        if cli.background {
            return serve::run(paths, None);
        }
        let _ = Cli::command().print_help();
        return 0;
    };
    let Some(request) = command.into_request() else {
        return doctor(&paths);
    };
    match client::send_and_print(&paths, request) {
        Sent::Answered(code) => code,
        Sent::NoHost(request) => run_without_host(paths, request),
    }
}

/// `syncshell doctor`, in this process.
fn doctor(paths: &Paths) -> i32 {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(doctor::run(paths)).print(),
        Err(e) => Reply::error(format!("cannot start the async runtime: {e}")).print(),
    }
}

/// No host is running: start one for window commands, do the rest here.
fn run_without_host(paths: Paths, request: Request) -> i32 {
    match request {
        Request::Open { ref id } => {
            // An unknown app must fail here, not start a host that has nothing to show.
            let known = match Context::open(paths.clone()) {
                Ok(ctx) => commands::find_app(&ctx, id).map(|_| ()),
                Err(e) => Err(Reply::error(e)),
            };
            match known {
                Ok(()) => serve::run(paths, Some(request)),
                Err(reply) => reply.print(),
            }
        }
        Request::Demo | Request::Settings => serve::run(paths, Some(request)),
        // Answered by `send_and_print`.
        Request::Status | Request::Quit => 0,
        Request::SyncFire { .. } => {
            Reply::error("no syncshell host is running (start it with `syncshell --background`)")
                .print()
        }
        Request::Notify { .. } => {
            Reply::error("no syncshell host is running (start it with `syncshell --background`)")
                .print()
        }
        Request::Network { .. } => {
            Reply::error("no syncshell host is running (start it with `syncshell --background`)")
                .print()
        }
        Request::Close { .. } => {
            Reply::error("no syncshell host is running, so no window is open").print()
        }
        Request::Install { .. }
        | Request::List { .. }
        | Request::Uninstall { .. }
        | Request::SyncList { .. }
        | Request::Permission { .. }
        | Request::Pause
        | Request::Resume
        | Request::Log { .. } => {
            let ctx = match Context::open(paths) {
                Ok(c) => c,
                Err(e) => return Reply::error(e).print(),
            };
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    return Reply::error(format!("cannot start the async runtime: {e}")).print()
                }
            };
            let reply = runtime.block_on(async {
                match request {
                    Request::Install { url } => commands::install(&ctx, &url, &|_| {}).await.0,
                    Request::List { json } => commands::list(&ctx, json),
                    Request::Uninstall { id, keep_data } => {
                        commands::uninstall(&ctx, &id, keep_data)
                    }
                    Request::SyncList { app, json } => {
                        // With no host, nothing watches the network: listed as if online.
                        let online = hold::Network {
                            online: true,
                            metered: false,
                        };
                        match context::load_parameters(&ctx.paths) {
                            Ok(params) => {
                                commands::sync_list(&ctx, &params, online, app.as_deref(), json)
                            }
                            Err(e) => Reply::error(e),
                        }
                    }
                    Request::Permission {
                        app,
                        name,
                        setting,
                        json,
                    } => {
                        permission_commands::permission(
                            &ctx,
                            &app,
                            name.as_deref(),
                            setting.as_deref(),
                            json,
                        )
                        .0
                    }
                    Request::Pause => permission_commands::pause(&ctx, true).0,
                    Request::Resume => permission_commands::pause(&ctx, false).0,
                    Request::Log { app, json } => commands::log(&ctx, app.as_deref(), json),
                    _ => unreachable!("matched above"),
                }
            });
            reply.print()
        }
    }
}
