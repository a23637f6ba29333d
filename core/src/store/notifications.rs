//! The `notifications` table: the notifications on screen, so that clicks, `getNotifications` and
//! tag replacement work for every app, also after a host restart (servers that keep a
//! notification when its sender goes away send its clicks to whoever listens). Each row carries
//! the server that showed it (its unique bus name): server ids mean nothing to another server, so
//! rows of a server that went away are forgotten and never matched against the new one's ids.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock::Millis;
use crate::notification::NotificationOptions;

/// A shown notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// syncshell's id for it (stable across notification servers).
    pub id: i64,
    /// The app's origin.
    pub origin: String,
    /// The app that showed it.
    pub app_id: String,
    /// The service worker registration's scope (`None`: a page's `new Notification`).
    pub scope: Option<String>,
    /// The title.
    pub title: String,
    /// Its options (tag, data, actions...).
    pub options: NotificationOptions,
    /// The server that showed it: its unique bus name.
    pub server: String,
    /// That server's id for it.
    pub server_id: u32,
    /// When it was shown.
    pub shown_at: Millis,
}

const COLUMNS: &str = "id, origin, app_id, scope, title, options, server, server_id, shown_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Shown> {
    let options: String = r.get(5)?;
    Ok(Shown {
        id: r.get(0)?,
        origin: r.get(1)?,
        app_id: r.get(2)?,
        scope: r.get(3)?,
        title: r.get(4)?,
        // Written by this module from the same type; a row it cannot read is shown without options.
        options: serde_json::from_str(&options).unwrap_or_default(),
        server: r.get(6)?,
        server_id: r.get(7)?,
        shown_at: r.get(8)?,
    })
}

/// Stores a notification the server showed; returns syncshell's id for it.
pub fn insert(conn: &Connection, n: &Shown) -> rusqlite::Result<i64> {
    let options = serde_json::to_string(&n.options).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "INSERT INTO notifications (origin, app_id, scope, tag, title, options, server, server_id, shown_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            n.origin,
            n.app_id,
            n.scope,
            n.options.tag,
            n.title,
            options,
            n.server,
            n.server_id,
            n.shown_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The notification with syncshell id `id`.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Shown>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM notifications WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// The notification `server` knows as `server_id`.
pub fn by_server_id(
    conn: &Connection,
    server: &str,
    server_id: u32,
) -> rusqlite::Result<Option<Shown>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM notifications WHERE server = ?1 AND server_id = ?2
             ORDER BY id DESC LIMIT 1"
        ),
        params![server, server_id],
        from_row,
    )
    .optional()
}

/// The origin's notifications on `server`, oldest first: of one scope (`None`: every scope and
/// page), with tag `tag` (empty: any tag).
pub fn list(
    conn: &Connection,
    server: &str,
    origin: &str,
    scope: Option<&str>,
    tag: &str,
) -> rusqlite::Result<Vec<Shown>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM notifications
         WHERE server = ?1 AND origin = ?2 AND (?3 IS NULL OR scope = ?3) AND (?4 = '' OR tag = ?4)
         ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![server, origin, scope, tag], from_row)?;
    rows.collect()
}

/// Every notification of `origin`, on any server.
pub fn list_origin(conn: &Connection, origin: &str) -> rusqlite::Result<Vec<Shown>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE origin = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([origin], from_row)?;
    rows.collect()
}

/// Forgets notification `id` (closed, or replaced).
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM notifications WHERE id = ?1", [id])? == 1)
}

/// Forgets the notifications of every server but `server` (they went with it); returns how many.
pub fn forget_other_servers(conn: &Connection, server: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM notifications WHERE server != ?1", [server])
}

/// Forgets every notification of `origin` (its last app was uninstalled).
pub fn delete_origin(conn: &Connection, origin: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM notifications WHERE origin = ?1", [origin])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    const SERVER: &str = ":1.7";

    fn shown(tag: &str, scope: Option<&str>, server_id: u32) -> Shown {
        Shown {
            id: 0,
            origin: "http://a.test".into(),
            app_id: "a".into(),
            scope: scope.map(str::to_owned),
            title: "Hello".into(),
            options: NotificationOptions {
                tag: tag.into(),
                data: Some("[1]".into()),
                ..NotificationOptions::default()
            },
            server: SERVER.into(),
            server_id,
            shown_at: 5,
        }
    }

    #[test]
    fn notifications_are_found_by_id_server_id_scope_and_tag() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        let worker = insert(c, &shown("news", Some("http://a.test/"), 17)).unwrap();
        let page = insert(c, &shown("", None, 18)).unwrap();
        let found = by_server_id(c, SERVER, 17).unwrap().unwrap();
        assert_eq!(found.id, worker);
        assert_eq!(found.options.data.as_deref(), Some("[1]"));
        assert!(
            by_server_id(c, ":1.99", 17).unwrap().is_none(),
            "another server's 17"
        );
        assert_eq!(get(c, page).unwrap().unwrap().scope, None);
        let news = list(c, SERVER, "http://a.test", Some("http://a.test/"), "news").unwrap();
        assert_eq!(news.len(), 1);
        assert_eq!(list(c, SERVER, "http://a.test", None, "").unwrap().len(), 2);
        assert!(list(c, SERVER, "http://b.test", None, "")
            .unwrap()
            .is_empty());
        assert!(delete(c, worker).unwrap());
        assert!(by_server_id(c, SERVER, 17).unwrap().is_none());
        assert_eq!(list_origin(c, "http://a.test").unwrap().len(), 1);
        assert_eq!(delete_origin(c, "http://a.test").unwrap(), 1);
    }

    #[test]
    fn a_new_server_forgets_the_old_ones_notifications() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        insert(c, &shown("", None, 1)).unwrap();
        let mut other = shown("", None, 1);
        other.server = ":1.42".into();
        insert(c, &other).unwrap();
        assert_eq!(forget_other_servers(c, ":1.42").unwrap(), 1);
        assert!(by_server_id(c, SERVER, 1).unwrap().is_none());
        assert!(by_server_id(c, ":1.42", 1).unwrap().is_some());
    }
}
