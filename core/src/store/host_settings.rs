//! The `host_settings` table: the user's host-wide switches, kept across restarts.

use rusqlite::{params, Connection, OptionalExtension};

/// Whether all background activity is paused (the tray's "Pause background activity",
/// `syncshell pause`). Per-site settings are untouched by it.
pub fn paused(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT value FROM host_settings WHERE key = 'paused'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .is_some_and(|v| v == "true"))
}

/// Pauses or resumes all background activity.
pub fn set_paused(conn: &Connection, paused: bool) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO host_settings (key, value) VALUES ('paused', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![if paused { "true" } else { "false" }],
    )?;
    Ok(())
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
