//! The `host_settings` table: the user's host-wide switches, kept across restarts.

use rusqlite::{params, Connection, OptionalExtension};

/// A switch stored under `key`, if it was ever set.
fn switch(conn: &Connection, key: &str) -> rusqlite::Result<Option<bool>> {
    Ok(conn
        .prepare_cached("SELECT value FROM host_settings WHERE key = ?1")?
        .query_row([key], |r| r.get::<_, String>(0))
        .optional()?
        .map(|v| v == "true"))
}

/// Stores switch `key`.
fn set_switch(conn: &Connection, key: &str, on: bool) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO host_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, if on { "true" } else { "false" }],
    )?;
    Ok(())
}

/// Whether all background activity is paused (the tray's "Pause background activity",
/// `syncshell pause`). Per-site settings are untouched by it.
pub fn paused(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(switch(conn, "paused")?.unwrap_or(false))
}

/// Pauses or resumes all background activity.
pub fn set_paused(conn: &Connection, paused: bool) -> rusqlite::Result<()> {
    set_switch(conn, "paused", paused)
}

/// The settings panel's choice for `hold_periodic_on_metered`, if the user made one there (it wins
/// over the config file and the environment).
pub fn hold_periodic_on_metered(conn: &Connection) -> rusqlite::Result<Option<bool>> {
    switch(conn, "hold_periodic_on_metered")
}

/// Stores the settings panel's choice for `hold_periodic_on_metered`.
pub fn set_hold_periodic_on_metered(conn: &Connection, hold: bool) -> rusqlite::Result<()> {
    set_switch(conn, "hold_periodic_on_metered", hold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_pause_switch_round_trips_and_defaults_off() {
        let store = Store::open_in_memory().unwrap();
        assert!(!paused(store.conn()).unwrap());
        set_paused(store.conn(), true).unwrap();
        assert!(paused(store.conn()).unwrap());
        set_paused(store.conn(), false).unwrap();
        assert!(!paused(store.conn()).unwrap());
    }
}
