//! Removing an installed app: its row, per-site settings no other app needs, launcher, icons and data.

use crate::app_id;
use crate::launcher;
use crate::paths::Paths;
use crate::store::apps::{self, App};
use crate::store::{
    engagement, notifications, origin_tokens, site_settings, sync_registrations, Store, StoreError,
};

/// Why an uninstall failed.
#[derive(Debug, thiserror::Error)]
pub enum UninstallError {
    /// No app has that id.
    #[error("no installed app has the id \"{0}\" (see `syncshell list`)")]
    UnknownApp(String),
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be removed; the app stays installed.
    #[error("cannot remove {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for UninstallError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sql(e))
    }
}

/// Looks an app up by id, with the error the CLI shows for unknown ids.
pub fn find(store: &Store, id: &str) -> Result<App, UninstallError> {
    if !app_id::is_valid(id) {
        return Err(UninstallError::UnknownApp(id.to_owned()));
    }
    apps::get(store.conn(), id)?.ok_or_else(|| UninstallError::UnknownApp(id.to_owned()))
}

/// What an uninstall leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Nothing: the app's WebKit data (cookies, storage), its site's permissions, engagement and
    /// log go too (when no other app shares its origin).
    Nothing,
    /// The app's WebKit data, its site's permissions, engagement and log stay, so installing it
    /// again finds the user signed in with their data; only the app, its launcher, icons and
    /// background work (registrations, notifications) go.
    Data,
}

/// Uninstalls the app. The row goes only if every file went, so a failure can be retried.
pub fn uninstall(
    store: &mut Store,
    paths: &Paths,
    id: &str,
    keep: Keep,
) -> Result<App, UninstallError> {
    let app = find(store, id)?;
    store.transaction(|tx| {
        apps::delete(tx, id)?;
        if apps::count_for_origin(tx, &app.origin)? == 0 {
            notifications::delete_origin(tx, &app.origin)?;
            sync_registrations::delete_origin(tx, &app.origin, None)?;
            origin_tokens::delete(tx, &app.origin)?;
            if keep == Keep::Nothing {
                site_settings::delete(tx, &app.origin)?;
                engagement::delete(tx, &app.origin)?;
                tx.execute(
                    "DELETE FROM background_log WHERE origin = ?1",
                    [&app.origin],
                )?;
            }
        }
        let io = |path: &std::path::Path, source| UninstallError::Io {
            path: path.display().to_string(),
            source,
        };
        let desktop = paths.desktop_file(id);
        launcher::remove_if_present(&desktop).map_err(|e| io(&desktop, e))?;
        for icon in launcher::theme_icons(paths, id) {
            launcher::remove_if_present(&icon).map_err(|e| io(&icon, e))?;
        }
        let remove = |dir: &std::path::Path| match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(dir, e)),
            _ => Ok(()),
        };
        match keep {
            Keep::Nothing => remove(&paths.app_dir(id))?,
            // Everything of the app's directory but its WebKit data.
            Keep::Data => {
                let webview = paths.webview_data_dir(id);
                if let Ok(entries) = std::fs::read_dir(paths.app_dir(id)) {
                    for entry in entries.flatten() {
                        let path = entry.path();
                        if path == webview {
                            continue;
                        }
                        if path.is_dir() {
                            remove(&path)?;
                        } else {
                            launcher::remove_if_present(&path).map_err(|e| io(&path, e))?;
                        }
                    }
                }
            }
        }
        Ok::<(), UninstallError>(())
    })?;
    Ok(app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::apps::sample;
    use crate::store::sync_registrations::Kind;
    use crate::sync::parameters::Parameters;
    use crate::sync::rules::{self, RegisterCall, SitePolicy};

    /// A one-off sync "outbox" of `app`, registered (and logged) as a page would.
    fn register_outbox(store: &mut Store, app: &App) {
        let call = RegisterCall {
            origin: &app.origin,
            scope: app.scope.as_str(),
            kind: Kind::Sync,
            tag: "outbox",
            min_interval: 0,
        };
        let policy = SitePolicy {
            permitted: true,
            enabled: true,
        };
        rules::register(store, &Parameters::default(), 1, policy, &call).unwrap();
    }

    #[test]
    fn uninstalling_the_last_app_of_an_origin_forgets_its_registrations_and_log() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path(), tmp.path(), tmp.path());
        let mut store = Store::open_in_memory().unwrap();
        let app = sample("notes", "m");
        apps::upsert(store.conn(), &app).unwrap();
        register_outbox(&mut store, &app);
        uninstall(&mut store, &paths, "notes", Keep::Nothing).unwrap();
        assert!(sync_registrations::list(store.conn(), None)
            .unwrap()
            .is_empty());
        let log: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM background_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(log, 0);
        assert!(matches!(
            uninstall(&mut store, &paths, "notes", Keep::Nothing),
            Err(UninstallError::UnknownApp(_))
        ));
    }

    #[test]
    fn keeping_data_keeps_the_webkit_data_and_site_settings_but_not_background_work() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path(), tmp.path(), tmp.path());
        let mut store = Store::open_in_memory().unwrap();
        let app = sample("notes", "m");
        apps::upsert(store.conn(), &app).unwrap();
        let cookies = paths.webview_data_dir("notes").join("cookies.sqlite");
        std::fs::create_dir_all(cookies.parent().unwrap()).unwrap();
        std::fs::write(&cookies, "session").unwrap();
        let icons = paths.app_dir("notes").join("notification-icons");
        std::fs::create_dir_all(&icons).unwrap();
        let blocked = site_settings::SiteSettings {
            background_sync: false,
            ..Default::default()
        };
        site_settings::set(store.conn(), &app.origin, &blocked).unwrap();
        register_outbox(&mut store, &app);
        uninstall(&mut store, &paths, "notes", Keep::Data).unwrap();
        assert!(apps::get(store.conn(), "notes").unwrap().is_none());
        assert_eq!(std::fs::read_to_string(&cookies).unwrap(), "session");
        assert!(!icons.exists());
        assert!(
            !site_settings::get(store.conn(), &app.origin)
                .unwrap()
                .background_sync
        );
        assert!(sync_registrations::list(store.conn(), None)
            .unwrap()
            .is_empty());
    }
}
