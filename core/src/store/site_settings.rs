//! The `site_settings` table: what the user allowed per origin.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// A site's settings; `Default` is what a site without a row gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteSettings {
    /// Background Sync allowed for this origin.
    pub background_sync: bool,
    /// Periodic Background Sync allowed for this origin.
    pub periodic_background_sync: bool,
    /// Notification permission: `default`, `granted` or `denied`.
    pub notifications: String,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            background_sync: true,
            periodic_background_sync: true,
            notifications: "default".into(),
        }
    }
}

/// The settings of `origin` (defaults when the user never changed any).
pub fn get(conn: &Connection, origin: &str) -> rusqlite::Result<SiteSettings> {
    // Cached: the scheduler reads it for every origin with a due event.
    Ok(conn
        .prepare_cached(
            "SELECT background_sync, periodic_background_sync, notifications FROM site_settings WHERE origin = ?1",
        )?
        .query_row(
            [origin],
            |r| {
                Ok(SiteSettings {
                    background_sync: r.get(0)?,
                    periodic_background_sync: r.get(1)?,
                    notifications: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// The settings of every origin with a row (one the user changed something for); the others have
/// the defaults.
pub fn all(conn: &Connection) -> rusqlite::Result<HashMap<String, SiteSettings>> {
    let mut stmt = conn.prepare_cached(
        "SELECT origin, background_sync, periodic_background_sync, notifications FROM site_settings",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            SiteSettings {
                background_sync: r.get(1)?,
                periodic_background_sync: r.get(2)?,
                notifications: r.get(3)?,
            },
        ))
    })?;
    rows.collect()
}

/// Stores the settings of `origin`.
pub fn set(conn: &Connection, origin: &str, settings: &SiteSettings) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO site_settings (origin, background_sync, periodic_background_sync, notifications)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(origin) DO UPDATE SET background_sync = excluded.background_sync,
           periodic_background_sync = excluded.periodic_background_sync,
           notifications = excluded.notifications",
        params![
            origin,
            settings.background_sync,
            settings.periodic_background_sync,
            settings.notifications
        ],
    )?;
    Ok(())
}

/// Forgets the settings of `origin` (when its last app is uninstalled).
pub fn delete(conn: &Connection, origin: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM site_settings WHERE origin = ?1", [origin])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_site_without_a_row_gets_the_defaults() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            get(store.conn(), "http://a.test").unwrap(),
            SiteSettings::default()
        );
    }

    #[test]
    fn settings_round_trip_and_can_be_forgotten() {
        let store = Store::open_in_memory().unwrap();
        let blocked = SiteSettings {
            background_sync: false,
            notifications: "denied".into(),
            ..SiteSettings::default()
        };
        set(store.conn(), "http://a.test", &blocked).unwrap();
        assert_eq!(get(store.conn(), "http://a.test").unwrap(), blocked);
        delete(store.conn(), "http://a.test").unwrap();
        assert_eq!(
            get(store.conn(), "http://a.test").unwrap(),
            SiteSettings::default()
        );
    }

    #[test]
    fn an_unknown_notification_state_is_refused() {
        let store = Store::open_in_memory().unwrap();
        let bad = SiteSettings {
            notifications: "maybe".into(),
            ..SiteSettings::default()
        };
        assert!(set(store.conn(), "http://a.test", &bad).is_err());
    }
}
