//! Commands that need no window: install, list, uninstall. The host and a one-shot `syncshell`
//! (when no host runs) both carry them out here, so they behave the same either way.

use std::fmt::Write as _;

use serde::Serialize;
use syncshell_core::clock::Millis;
use syncshell_core::engagement::Level;
use syncshell_core::install::{self, InstallStep, Installed};
use syncshell_core::launcher;
use syncshell_core::store::apps::{self, App};
use syncshell_core::store::sync_registrations::Registration;
use syncshell_core::store::{background_log, engagement};
use syncshell_core::sync::hold::{self, Hold};
use syncshell_core::sync::parameters::{format_duration, Parameters};
use syncshell_core::terminal_text::for_terminal;
use syncshell_core::uninstall;

use crate::context::Context;
use crate::registration_listing;
use syncshell_cli::protocol::Reply;

/// Installs or updates the app at `url`, telling `progress` of each step. On success, also
/// returns what was installed.
pub async fn install(
    ctx: &Context,
    url: &str,
    progress: &(dyn Fn(InstallStep) + Sync),
) -> (Reply, Option<Installed>) {
    let prepared = match install::prepare_with_progress(&ctx.fetcher, url, progress).await {
        Ok(p) => p,
        Err(e) => return (Reply::error(e), None),
    };
    progress(InstallStep::Launcher);
    let result = prepared.commit(&mut ctx.store(), &ctx.paths, ctx.clock.as_ref(), &ctx.exe);
    match result {
        Ok(installed) => {
            // Installing is the user choosing the app: it counts as opening it.
            let now = ctx.clock.now_ms();
            let origin = &installed.app.origin;
            if let Err(e) = engagement::record_launch(ctx.store().conn(), origin, now) {
                eprintln!("syncshell: cannot record the install of {origin}: {e}");
            }
            let mut reply = install_reply(ctx, &installed);
            if let Err(e) = launcher::enable_autostart(&ctx.paths, &ctx.exe) {
                let _ = writeln!(
                    reply.stderr,
                    "syncshell: warning: cannot set up starting at login: {e}"
                );
            }
            (reply, Some(installed))
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
    let _ = writeln!(out, "{verb} \"{}\" as {}", for_terminal(&app.name), app.id);
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
    let names: Vec<_> = apps.iter().map(|a| for_terminal(&a.name)).collect();
    let name_width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!("{:id_width$}  {:name_width$}  START URL\n", "ID", "NAME");
    for (app, name) in apps.iter().zip(&names) {
        let _ = writeln!(
            out,
            "{:id_width$}  {name:name_width$}  {}",
            app.id, app.start_url
        );
    }
    Reply::ok(out)
}

/// Uninstalls the app `id`, keeping its data when `keep_data`. The caller closes its window first.
pub fn uninstall(ctx: &Context, id: &str, keep_data: bool) -> Reply {
    let keep = if keep_data {
        uninstall::Keep::Data
    } else {
        uninstall::Keep::Nothing
    };
    let result = uninstall::uninstall(&mut ctx.store(), &ctx.paths, id, keep);
    match result {
        Ok(app) => {
            let mut reply = Reply::ok(format!(
                "Uninstalled \"{}\" ({})\n",
                for_terminal(&app.name),
                app.id
            ));
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

/// The origin to filter on for an optional app id (`None`: every app).
fn origin_filter(ctx: &Context, app: Option<&str>) -> Result<Option<String>, Reply> {
    match app {
        None => Ok(None),
        Some(id) => find_app(ctx, id).map(|a| Some(a.origin)),
    }
}

/// App ids by origin, for showing registrations and log entries by app.
fn app_names(ctx: &Context) -> std::collections::HashMap<String, String> {
    apps::list(ctx.store().conn())
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.origin, a.id))
        .collect()
}

fn when(ms: Option<i64>, now: i64) -> String {
    match ms {
        None => "when online".into(),
        Some(t) if t <= now => "due".into(),
        Some(t) => {
            let s = (t - now) / 1000;
            if s < 120 {
                format!("in {s}s")
            } else if s < 7200 {
                format!("in {}m", s / 60)
            } else {
                format!("in {}h", s / 3600)
            }
        }
    }
}

/// A registration as `syncshell sync list --json` shows it: stored fields, and for periodic ones
/// the cadence the scheduler would use now. `held` says why a due event would not fire now.
#[derive(Serialize)]
struct ListedJson<'a> {
    #[serde(flatten)]
    registration: &'a Registration,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_interval: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    engagement: Option<Level>,
    next_due: Option<Millis>,
    held: Option<Hold>,
}

/// `syncshell sync list`, with the scheduler's view at `params` and `network`.
pub fn sync_list(
    ctx: &Context,
    params: &Parameters,
    network: hold::Network,
    app: Option<&str>,
    json: bool,
) -> Reply {
    let origin = match origin_filter(ctx, app) {
        Ok(o) => o,
        Err(reply) => return reply,
    };
    let listed = match registration_listing::list(ctx, params, network, origin.as_deref()) {
        Ok(listed) => listed,
        Err(e) => return Reply::error(e),
    };
    let now = ctx.clock.now_ms();
    if json {
        let view: Vec<ListedJson<'_>> = listed
            .iter()
            .map(|l| ListedJson {
                registration: &l.registration,
                effective_interval: l.effective_interval,
                engagement: l.engagement,
                next_due: l.registration.delay_until,
                held: l.held,
            })
            .collect();
        return Reply::ok(serde_json::to_string_pretty(&view).unwrap_or_default() + "\n");
    }
    if listed.is_empty() {
        return Reply::ok("No background sync registrations.\n");
    }
    let names = app_names(ctx);
    let mut out = String::from(
        "APP\tKIND\tTAG\tSTATE\tATTEMPTS\tNEXT\tMIN-INTERVAL\tEVERY\tENGAGEMENT\tHELD\n",
    );
    for l in &listed {
        let r = &l.registration;
        let app = names
            .get(&r.origin)
            .map_or(r.origin.as_str(), String::as_str);
        let state = serde_json::to_value(r.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let (min, every, level) = match (l.effective_interval, l.engagement) {
            (Some(every), Some(level)) => (
                format_duration(r.min_interval),
                format_duration(every),
                level.as_str(),
            ),
            _ => ("-".into(), "-".into(), "-"),
        };
        let held = match l.held {
            Some(Hold::Spacing(until)) => format!("origin spacing, {}", when(Some(until), now)),
            Some(h) => h.as_str().to_owned(),
            None => "-".into(),
        };
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{state}\t{}\t{}\t{min}\t{every}\t{level}\t{held}",
            for_terminal(app),
            r.key.kind.as_str(),
            for_terminal(&r.key.tag),
            r.attempts,
            when(r.delay_until, now)
        );
    }
    Reply::ok(out)
}

/// `syncshell log`.
pub fn log(ctx: &Context, app: Option<&str>, json: bool) -> Reply {
    let origin = match origin_filter(ctx, app) {
        Ok(o) => o,
        Err(reply) => return reply,
    };
    let entries = match background_log::list(ctx.store().conn(), origin.as_deref()) {
        Ok(e) => e,
        Err(e) => return Reply::error(e),
    };
    if json {
        return Reply::ok(serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n");
    }
    if entries.is_empty() {
        return Reply::ok("The background-services log is empty.\n");
    }
    let names = app_names(ctx);
    let mut out = String::new();
    for e in &entries {
        let app = names
            .get(&e.origin)
            .map_or(e.origin.as_str(), String::as_str);
        let meta = match &e.metadata {
            serde_json::Value::Object(m) if !m.is_empty() => format!(" {}", e.metadata),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  tag={}{}",
            format_time(e.at),
            for_terminal(app),
            e.service.as_str(),
            e.event_name(),
            for_terminal(&e.tag),
            for_terminal(&meta)
        );
    }
    Reply::ok(out)
}

/// UTC `YYYY-MM-DD HH:MM:SS` (no time zone database needed).
fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00");
        assert_eq!(format_time(1_795_000_000_000), "2026-11-18 11:06:40");
        assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn next_attempts_read_naturally() {
        assert_eq!(when(None, 0), "when online");
        assert_eq!(when(Some(5), 10), "due");
        assert_eq!(when(Some(30_000), 0), "in 30s");
        assert_eq!(when(Some(600_000), 0), "in 10m");
        assert_eq!(when(Some(43_200_000), 0), "in 12h");
    }
}
