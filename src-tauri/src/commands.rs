//! Commands that need no window: install, list, uninstall. The host and a one-shot `syncshell`
//! (when no host runs) both carry them out here, so they behave the same either way.

use std::fmt::Write as _;

use syncshell_core::install::{self, Installed};
use syncshell_core::launcher;
use syncshell_core::store::apps::{self, App};
use syncshell_core::uninstall;

use crate::context::Context;
use crate::protocol::Reply;

/// Installs or updates the app at `url`. On success, also returns the stored app.
pub async fn install(ctx: &Context, url: &str) -> (Reply, Option<App>) {
    let prepared = match install::prepare(&ctx.fetcher, url).await {
        Ok(p) => p,
        Err(e) => return (Reply::error(e), None),
    };
    let result = prepared.commit(&mut ctx.store(), &ctx.paths, ctx.clock.as_ref(), &ctx.exe);
    match result {
        Ok(installed) => {
            let mut reply = install_reply(ctx, &installed);
            if let Err(e) = launcher::enable_autostart(&ctx.paths, &ctx.exe) {
                let _ = writeln!(
                    reply.stderr,
                    "syncshell: warning: cannot set up starting at login: {e}"
                );
            }
            (reply, Some(installed.app))
        }
        Err(e) => (Reply::error(e), None),
    }
}

fn install_reply(ctx: &Context, installed: &Installed) -> Reply {
    let app = &installed.app;
    let mut out = String::new();
    let verb = if installed.updated {
        "Updated"
    } else {
        "Installed"
    };
    let _ = writeln!(out, "{verb} \"{}\" as {}", app.name, app.id);
    let _ = writeln!(out, "  start:    {}", app.start_url);
    let _ = writeln!(out, "  scope:    {}", app.scope);
    let _ = writeln!(
        out,
        "  launcher: {}",
        ctx.paths.desktop_file(&app.id).display()
    );
    let _ = writeln!(out, "Open it with: syncshell open {}", app.id);
    let mut reply = Reply::ok(out);
    for warning in &installed.warnings {
        let _ = writeln!(reply.stderr, "syncshell: warning: {warning}");
    }
    reply
}

/// Lists installed apps as a table, or as JSON.
pub fn list(ctx: &Context, json: bool) -> Reply {
    let apps = match apps::list(ctx.store().conn()) {
        Ok(a) => a,
        Err(e) => return Reply::error(e),
    };
    if json {
        return match serde_json::to_string_pretty(&apps) {
            Ok(text) => Reply::ok(text + "\n"),
            Err(e) => Reply::error(e),
        };
    }
    if apps.is_empty() {
        return Reply::ok("No apps installed. Install one with: syncshell install URL\n");
    }
    let id_width = apps.iter().map(|a| a.id.len()).max().unwrap_or(2).max(2);
    let name_width = apps
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!("{:id_width$}  {:name_width$}  START URL\n", "ID", "NAME");
    for app in &apps {
        let _ = writeln!(
            out,
            "{:id_width$}  {:name_width$}  {}",
            app.id, app.name, app.start_url
        );
    }
    Reply::ok(out)
}

/// Uninstalls the app `id`. The caller closes its window first.
pub fn uninstall(ctx: &Context, id: &str) -> Reply {
    let result = uninstall::uninstall(&mut ctx.store(), &ctx.paths, id);
    match result {
        Ok(app) => {
            let mut reply = Reply::ok(format!("Uninstalled \"{}\" ({})\n", app.name, app.id));
            // With no app left there is no background work to start at login for.
            let none_left = apps::list(ctx.store().conn())
                .map(|a| a.is_empty())
                .unwrap_or(false);
            if none_left {
                if let Err(e) = launcher::remove_if_present(&ctx.paths.autostart_file()) {
                    let _ = writeln!(
                        reply.stderr,
                        "syncshell: warning: cannot remove the login entry: {e}"
                    );
                }
            }
            reply
        }
        Err(e) => Reply::error(e),
    }
}

/// Looks up an app for window commands, with the same error as uninstall for unknown ids.
pub fn find_app(ctx: &Context, id: &str) -> Result<App, Reply> {
    uninstall::find(&ctx.store(), id).map_err(Reply::error)
}
