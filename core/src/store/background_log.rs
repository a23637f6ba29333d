//! The `background_log` table: what happened to background sync, for the user and developer.

use rusqlite::{params, Connection};
use serde::{Serialize, Serializer};

use crate::clock::Millis;
use crate::store::log_event::{LogEvent, Service};

/// One log entry, named as Chrome DevTools' Background Services panel names them. In JSON (as
/// `syncshell log --json` prints it) `event` is the event's name, e.g. "Registered sync".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// When (ms since the epoch).
    pub at: Millis,
    /// Origin of the app.
    pub origin: String,
    /// Service worker registration scope.
    pub scope: String,
    /// `sync`, `periodicsync` or `notifications`.
    pub service: Service,
    /// What happened; its name depends on `service` (see [`LogEntry::event_name`]).
    pub event: LogEvent,
    /// The registration's tag.
    pub tag: String,
    /// Details: lastChance, failure reason, next attempt delay, minInterval, ...
    pub metadata: serde_json::Value,
}

impl LogEntry {
    /// The event's name for this entry's service: "Registered sync", "sync event completed", ...
    pub fn event_name(&self) -> &str {
        self.event.name(self.service)
    }
}

impl Serialize for LogEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The event's name needs the service, so the entry is written through a view of it.
        #[derive(Serialize)]
        struct Json<'a> {
            at: Millis,
            origin: &'a str,
            scope: &'a str,
            service: Service,
            event: &'a str,
            tag: &'a str,
            metadata: &'a serde_json::Value,
        }
        Json {
            at: self.at,
            origin: &self.origin,
            scope: &self.scope,
            service: self.service,
            event: self.event_name(),
            tag: &self.tag,
            metadata: &self.metadata,
        }
        .serialize(serializer)
    }
}

/// Appends an entry.
pub fn record(conn: &Connection, e: &LogEntry) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO background_log (at, origin, scope, service, event, tag, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.at, e.origin, e.scope, e.service.as_str(), e.event_name(), e.tag, e.metadata.to_string()],
    )?;
    Ok(())
}

/// Entries, oldest first, optionally of one origin.
pub fn list(conn: &Connection, origin: Option<&str>) -> rusqlite::Result<Vec<LogEntry>> {
    Ok(list_numbered(conn, origin)?
        .into_iter()
        .map(|(_, entry)| entry)
        .collect())
}

/// Entries with their row ids (which never change, so a view can keep its selection), oldest
/// first, optionally of one origin.
pub fn list_numbered(
    conn: &Connection,
    origin: Option<&str>,
) -> rusqlite::Result<Vec<(i64, LogEntry)>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, origin, scope, service, event, tag, metadata FROM background_log
         WHERE ?1 IS NULL OR origin = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([origin], |r| {
        let service: String = r.get(4)?;
        let service = Service::parse(&service);
        let event: String = r.get(5)?;
        let metadata: String = r.get(7)?;
        let entry = LogEntry {
            at: r.get(1)?,
            origin: r.get(2)?,
            scope: r.get(3)?,
            service,
            event: LogEvent::parse(&event, service),
            tag: r.get(6)?,
            metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
        };
        Ok((r.get(0)?, entry))
    })?;
    rows.collect()
}

/// Deletes the entries of `origin` (every entry when `None`); returns how many went.
pub fn clear(conn: &Connection, origin: Option<&str>) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM background_log WHERE ?1 IS NULL OR origin = ?1",
        [origin],
    )
}

/// Drops entries older than `now - retention`; returns how many went.
pub fn purge(conn: &Connection, now: Millis, retention: Millis) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM background_log WHERE at < ?1",
        [now.saturating_sub(retention)],
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Store;

    fn entry(service: Service, event: LogEvent) -> LogEntry {
        LogEntry {
            at: 1_700_000_000_000,
            origin: "http://127.0.0.1:8000".into(),
            scope: "http://127.0.0.1:8000/app/".into(),
            service,
            event,
            tag: "outbox".into(),
            metadata: json!({ "attempt": 2 }),
        }
    }

    #[test]
    fn an_entry_in_json_has_its_event_by_name() {
        let e = entry(Service::PeriodicSync, LogEvent::Dispatched);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"at":1700000000000,"origin":"http://127.0.0.1:8000","scope":"http://127.0.0.1:8000/app/","service":"periodicsync","event":"Dispatched periodicsync event","tag":"outbox","metadata":{"attempt":2}}"#
        );
    }

    #[test]
    fn entries_are_stored_by_name_and_read_back_as_events() {
        let store = Store::open_in_memory().unwrap();
        record(store.conn(), &entry(Service::Sync, LogEvent::Failed)).unwrap();
        let stored: String = store
            .conn()
            .query_row("SELECT event FROM background_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, "sync event failed");
        let listed = list(store.conn(), None).unwrap();
        assert_eq!(listed, [entry(Service::Sync, LogEvent::Failed)]);
    }

    #[test]
    fn a_row_with_an_event_from_a_newer_version_still_lists() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO background_log (at, origin, scope, service, event, tag)
                 VALUES (1, 'http://a.test', 'http://a.test/', 'sync', 'Notification shown', 't')",
                [],
            )
            .unwrap();
        let listed = list(store.conn(), None).unwrap();
        assert_eq!(
            listed[0].event,
            LogEvent::Other("Notification shown".into())
        );
        assert_eq!(listed[0].event_name(), "Notification shown");
        let json = serde_json::to_value(&listed[0]).unwrap();
        assert_eq!(json["event"], "Notification shown");
    }

    #[test]
    fn numbered_entries_keep_their_ids_and_clear_takes_one_origin_or_all() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        record(conn, &entry(Service::Sync, LogEvent::Registered)).unwrap();
        let mut other = entry(Service::Sync, LogEvent::Registered);
        other.origin = "http://other.test".into();
        record(conn, &other).unwrap();
        record(conn, &entry(Service::Sync, LogEvent::Registered)).unwrap();
        let ids: Vec<i64> = list_numbered(conn, Some("http://127.0.0.1:8000"))
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, [1, 3]);
        assert_eq!(clear(conn, Some("http://127.0.0.1:8000")).unwrap(), 2);
        assert_eq!(list(conn, None).unwrap().len(), 1);
        assert_eq!(clear(conn, None).unwrap(), 1);
        assert!(list(conn, None).unwrap().is_empty());
    }
}
