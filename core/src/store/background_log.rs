//! The `background_log` table: what happened to background sync, for the user and developer.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::clock::Millis;
use crate::store::sync_registrations::Kind;

/// One log entry, named as Chrome DevTools' Background Services panel names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// When (ms since the epoch).
    pub at: Millis,
    /// Origin of the app.
    pub origin: String,
    /// Service worker registration scope.
    pub scope: String,
    /// `sync` or `periodicsync`.
    pub service: Kind,
    /// "Registered sync", "Dispatched sync event", "sync event completed", ...
    pub event: String,
    /// The registration's tag.
    pub tag: String,
    /// Details: lastChance, failure reason, next attempt delay, minInterval, ...
    pub metadata: serde_json::Value,
}

/// Appends an entry.
pub fn record(conn: &Connection, e: &LogEntry) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO background_log (at, origin, scope, service, event, tag, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.at, e.origin, e.scope, e.service.as_str(), e.event, e.tag, e.metadata.to_string()],
    )?;
    Ok(())
}

/// Entries, oldest first, optionally of one origin.
pub fn list(conn: &Connection, origin: Option<&str>) -> rusqlite::Result<Vec<LogEntry>> {
    let mut stmt = conn.prepare(
        "SELECT at, origin, scope, service, event, tag, metadata FROM background_log
         WHERE ?1 IS NULL OR origin = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([origin], |r| {
        let service: String = r.get(3)?;
        let metadata: String = r.get(6)?;
        Ok(LogEntry {
            at: r.get(0)?,
            origin: r.get(1)?,
            scope: r.get(2)?,
            service: if service == "periodicsync" {
                Kind::Periodic
            } else {
                Kind::Sync
            },
            event: r.get(4)?,
            tag: r.get(5)?,
            metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
        })
    })?;
    rows.collect()
}

/// Drops entries older than `now - retention`; returns how many went.
pub fn purge(conn: &Connection, now: Millis, retention: Millis) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM background_log WHERE at < ?1",
        [now.saturating_sub(retention)],
    )
}
