//! What the settings panel shows: the installed apps with their permissions, engagement and
//! storage, the switches, the network the host sees, and the parameters in force with where
//! each came from. Built from the store and what the host passes in; read only.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use syncshell_core::clock::Millis;
use syncshell_core::permission::{self, Permission};
use syncshell_core::store::apps::{self, App};
use syncshell_core::store::{engagement, host_settings, StoreError};
use syncshell_core::sync::parameters::{InForce, Parameters};

use super::PanelError;
use crate::context::Context;

/// The panel's whole state (`panel_state`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelState {
    /// syncshell's version.
    pub version: &'static str,
    /// Where syncshell keeps its data.
    pub data_dir: String,
    /// The config file read at start.
    pub config_file: String,
    /// All background activity is paused.
    pub paused: bool,
    /// The host starts at login.
    pub autostart: bool,
    /// Periodic sync waits for an unmetered connection.
    pub hold_periodic_on_metered: bool,
    /// The network the host sees.
    pub network: NetworkView,
    /// The parameters in force.
    pub parameters: Vec<InForce>,
    /// The installed apps, by name.
    pub apps: Vec<AppView>,
}

/// The network as the host sees it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NetworkView {
    /// Online.
    pub online: bool,
    /// On a metered connection.
    pub metered: bool,
    /// `auto` (following the desktop) or the override: `online`, `offline`, `metered`.
    pub mode: &'static str,
}

/// One installed app.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    id: String,
    name: String,
    short_name: Option<String>,
    origin: String,
    scope: String,
    start_url: String,
    installed_at: Millis,
    updated_at: Millis,
    has_icon: bool,
    window_open: bool,
    storage_bytes: u64,
    /// Permission name -> `allow` / `block` / `ask`.
    permissions: BTreeMap<&'static str, &'static str>,
    engagement: EngagementView,
}

/// An origin's engagement now.
#[derive(Debug, Serialize)]
struct EngagementView {
    score: f64,
    level: &'static str,
}

/// What the host knows beyond the store: the network, the parameters, which windows are open.
pub struct HostFacts<'a> {
    /// The network.
    pub network: NetworkView,
    /// The parameters the host runs with.
    pub params: &'a Parameters,
    /// Ids of apps with an open window.
    pub open_windows: Vec<String>,
    /// `SYNCSHELL_*` as the host read them.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Builds the state. Reads the apps' data directories for their sizes: call it off the main
/// thread (and off the async workers).
pub fn build(ctx: &Context, facts: &HostFacts<'_>) -> Result<PanelState, PanelError> {
    let config_file = ctx.paths.config_dir.join("config.toml");
    let mut parameters = Parameters::in_force(&config_file, facts.env)?;
    let now = ctx.clock.now_ms();
    let (installed, paused, metered_choice, origins) = {
        let store = ctx.store();
        let conn = store.conn();
        let installed = apps::list(conn).map_err(StoreError::from)?;
        let mut origins = BTreeMap::new();
        for app in &installed {
            let settings = permission::all(conn, &app.origin).map_err(StoreError::from)?;
            let engaged = engagement::get(conn, &app.origin).map_err(StoreError::from)?;
            origins.insert(app.origin.clone(), (settings, engaged));
        }
        (
            installed,
            host_settings::paused(conn).map_err(StoreError::from)?,
            host_settings::hold_periodic_on_metered(conn).map_err(StoreError::from)?,
            origins,
        )
    };
    if let Some(choice) = metered_choice {
        if let Some(p) = parameters
            .iter_mut()
            .find(|p| p.name == "hold_periodic_on_metered")
        {
            p.value = choice.to_string();
            p.source = "settings panel".into();
        }
    }
    let mut apps: Vec<AppView> = installed
        .into_iter()
        .map(|app| {
            let (settings, engaged) = &origins[&app.origin];
            app_view(ctx, app, settings, engaged, now, &facts.open_windows)
        })
        .collect();
    apps.sort_by_key(|a| a.name.to_lowercase());
    Ok(PanelState {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: ctx.paths.data_dir.display().to_string(),
        config_file: config_file.display().to_string(),
        paused,
        autostart: syncshell_core::launcher::autostart_enabled(&ctx.paths),
        hold_periodic_on_metered: metered_choice.unwrap_or(facts.params.hold_periodic_on_metered),
        network: facts.network,
        parameters,
        apps,
    })
}

fn app_view(
    ctx: &Context,
    app: App,
    settings: &[(Permission, permission::Setting)],
    engaged: &syncshell_core::engagement::Engagement,
    now: Millis,
    open_windows: &[String],
) -> AppView {
    AppView {
        window_open: open_windows.contains(&app.id),
        storage_bytes: size_of_dir(&ctx.paths.app_dir(&app.id)),
        permissions: settings
            .iter()
            .map(|(p, s)| (p.name(), s.as_str()))
            .collect(),
        engagement: EngagementView {
            // One decimal is all a person reads.
            score: (engaged.score_at(now) * 10.0).round() / 10.0,
            level: engaged.level_at(now).as_str(),
        },
        scope: app.scope.to_string(),
        start_url: app.start_url.to_string(),
        id: app.id,
        name: app.name,
        short_name: app.short_name,
        origin: app.origin,
        installed_at: app.installed_at,
        updated_at: app.updated_at,
        has_icon: app.has_icon,
    }
}

/// The bytes of the files under `dir` (symbolic links not followed; unreadable parts count 0).
pub fn size_of_dir(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(m) if m.is_dir() => size_of_dir(&entry.path()),
            Ok(m) if m.is_file() => m.len(),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_counts_its_files_at_every_depth_and_a_missing_one_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        std::fs::write(tmp.path().join("one"), [0; 10]).unwrap();
        std::fs::write(tmp.path().join("a/b/two"), [0; 32]).unwrap();
        assert_eq!(size_of_dir(tmp.path()), 42);
        assert_eq!(size_of_dir(&tmp.path().join("none")), 0);
    }
}
