//! `syncshell permission`, `pause` and `resume`: the user's control over what apps may do in the
//! background. Plain store work through the core's one permission model, so the host and a
//! one-shot `syncshell` (no host running) behave the same; the host then tells the scheduler and
//! the open pages.

use std::fmt::Write as _;

use serde::Serialize;
use syncshell_core::permission::{self, Permission, PermissionError, PermissionState, Setting};
use syncshell_core::sync::hold;

use crate::commands::find_app;
use crate::context::Context;
use syncshell_cli::protocol::Reply;

/// Exit status for a bad permission name or state (as for a usage error).
const BAD_INPUT: i32 = 2;

/// One permission in `--json` output.
#[derive(Serialize)]
struct Listed {
    name: Permission,
    setting: Setting,
    state: PermissionState,
}

fn bad_input(e: &PermissionError) -> Reply {
    Reply {
        code: BAD_INPUT,
        ..Reply::error(e)
    }
}

/// `syncshell permission APP [NAME [STATE]]`: lists the app's permissions, prints one, or sets
/// one. Returns the reply and whether anything changed.
pub fn permission(
    ctx: &Context,
    app_id: &str,
    name: Option<&str>,
    setting: Option<&str>,
    json: bool,
) -> (Reply, bool) {
    let app = match find_app(ctx, app_id) {
        Ok(app) => app,
        Err(reply) => return (reply, false),
    };
    // Both are checked before anything is read or written: bad input changes nothing.
    let name = match name.map(Permission::parse).transpose() {
        Ok(n) => n,
        Err(e) => return (bad_input(&e), false),
    };
    let setting = match setting.map(Setting::parse).transpose() {
        Ok(s) => s,
        Err(e) => return (bad_input(&e), false),
    };
    if let (Some(name), Some(setting)) = (name, setting) {
        if let Err(e) = name.check(setting) {
            return (bad_input(&e), false);
        }
        let now = ctx.clock.now_ms();
        let scope = app.scope.as_str();
        let changed = permission::set(&mut ctx.store(), now, &app.origin, scope, name, setting);
        return match changed {
            Ok(change) if change.previous == setting => (
                Reply::ok(format!(
                    "{}: {} is already {}\n",
                    app.id,
                    name.name(),
                    setting.as_str()
                )),
                false,
            ),
            Ok(change) => {
                let mut out = format!(
                    "{}: {} set to {} (was {})\n",
                    app.id,
                    name.name(),
                    setting.as_str(),
                    change.previous.as_str()
                );
                if !change.unregistered.is_empty() {
                    let _ = writeln!(
                        out,
                        "unregistered periodic sync: {}",
                        change.unregistered.join(", ")
                    );
                }
                (Reply::ok(out), true)
            }
            Err(e) => (Reply::error(e), false),
        };
    }
    let all = match permission::all(ctx.store().conn(), &app.origin) {
        Ok(all) => all,
        Err(e) => return (Reply::error(e), false),
    };
    let shown: Vec<Listed> = all
        .into_iter()
        .filter(|(p, _)| name.is_none_or(|n| n == *p))
        .map(|(name, setting)| Listed {
            name,
            setting,
            state: setting.state(),
        })
        .collect();
    if json {
        let value = match (name, shown.first()) {
            (Some(_), Some(one)) => serde_json::to_string_pretty(one),
            _ => serde_json::to_string_pretty(&shown),
        };
        return (Reply::ok(value.unwrap_or_default() + "\n"), false);
    }
    let mut out = String::new();
    for p in &shown {
        let _ = writeln!(out, "{}\t{}", p.name.name(), p.setting.as_str());
    }
    (Reply::ok(out), false)
}

/// `syncshell pause` / `resume`. Returns the reply and whether anything changed.
pub fn pause(ctx: &Context, paused: bool) -> (Reply, bool) {
    let now = ctx.clock.now_ms();
    match hold::set_paused(&mut ctx.store(), now, paused) {
        Ok(changed) => {
            let text = match (paused, changed) {
                (true, true) => "Background activity paused: no sync or periodic sync event fires until `syncshell resume`.\n",
                (true, false) => "Background activity was already paused.\n",
                (false, true) => "Background activity resumed.\n",
                (false, false) => "Background activity was not paused.\n",
            };
            (Reply::ok(text), changed)
        }
        Err(e) => (Reply::error(e), false),
    }
}
