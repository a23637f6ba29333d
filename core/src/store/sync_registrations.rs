//! The `sync_registrations` table. Rules about what may change live in `sync::rules`; this module
//! only reads and writes rows.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::clock::Millis;

/// Which API a registration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One-off Background Sync (`registration.sync`).
    Sync,
    /// Periodic Background Sync (`registration.periodicSync`).
    #[serde(rename = "periodicsync")]
    Periodic,
}

impl Kind {
    /// The stored name, which is also the event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Periodic => "periodicsync",
        }
    }

    /// The kind a stored name stands for (the store writes only these two).
    pub(crate) fn parse(s: &str) -> Self {
        if s == "periodicsync" {
            Self::Periodic
        } else {
            Self::Sync
        }
    }
}

/// Where a registration is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting to fire (now, when online, or after `delay_until`).
    Pending,
    /// Its event is running.
    Firing,
    /// Registered again while firing: fires once more when the current event ends.
    Reregistered,
}

impl State {
    /// Its stored name: `pending`, `firing`, `reregistered`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Firing => "firing",
            Self::Reregistered => "reregistered",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "firing" => Self::Firing,
            "reregistered" => Self::Reregistered,
            _ => Self::Pending,
        }
    }
}

/// Identifies a registration: the service worker registration's scope, the API, the tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Key {
    /// Service worker registration scope (absolute URL).
    pub scope: String,
    /// Which API.
    pub kind: Kind,
    /// The app's tag.
    pub tag: String,
}

/// A stored registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// Origin of the scope; quotas and permissions are per origin.
    pub origin: String,
    /// Scope, kind, tag.
    #[serde(flatten)]
    pub key: Key,
    /// Periodic only: the `minInterval` the app asked for, in ms.
    pub min_interval: Millis,
    /// Life-cycle state.
    pub state: State,
    /// Attempts made in the current cycle.
    pub attempts: u32,
    /// Not to fire before this time; `None` means as soon as online.
    pub delay_until: Option<Millis>,
    /// When it was first registered.
    pub registered_at: Millis,
    /// When its event last started, if ever.
    pub last_fired_at: Option<Millis>,
}

const COLUMNS: &str =
    "origin, scope, kind, tag, min_interval, state, attempts, delay_until, registered_at, last_fired_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Registration> {
    let kind: String = r.get(2)?;
    let state: String = r.get(5)?;
    Ok(Registration {
        origin: r.get(0)?,
        key: Key {
            scope: r.get(1)?,
            kind: Kind::parse(&kind),
            tag: r.get(3)?,
        },
        min_interval: r.get(4)?,
        state: State::parse(&state),
        attempts: r.get(6)?,
        delay_until: r.get(7)?,
        registered_at: r.get(8)?,
        last_fired_at: r.get(9)?,
    })
}

/// The registration with this key.
pub fn get(conn: &Connection, key: &Key) -> rusqlite::Result<Option<Registration>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM sync_registrations WHERE scope = ?1 AND kind = ?2 AND tag = ?3"
        ),
        params![key.scope, key.kind.as_str(), key.tag],
        from_row,
    )
    .optional()
}

/// Inserts or replaces a registration.
pub fn put(conn: &Connection, r: &Registration) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT OR REPLACE INTO sync_registrations ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        params![
            r.origin,
            r.key.scope,
            r.key.kind.as_str(),
            r.key.tag,
            r.min_interval,
            r.state.as_str(),
            r.attempts,
            r.delay_until,
            r.registered_at,
            r.last_fired_at
        ],
    )?;
    Ok(())
}

/// Deletes a registration; returns whether it existed.
pub fn delete(conn: &Connection, key: &Key) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM sync_registrations WHERE scope = ?1 AND kind = ?2 AND tag = ?3",
        params![key.scope, key.kind.as_str(), key.tag],
    )? == 1)
}

/// Tags of a scope's registrations of one kind, in registration order (any state).
pub fn tags(conn: &Connection, scope: &str, kind: Kind) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT tag FROM sync_registrations WHERE scope = ?1 AND kind = ?2 ORDER BY registered_at, tag",
    )?;
    let rows = stmt.query_map(params![scope, kind.as_str()], |r| r.get(0))?;
    rows.collect()
}

/// Registrations, optionally of one origin, ordered by origin, scope, kind, tag.
pub fn list(conn: &Connection, origin: Option<&str>) -> rusqlite::Result<Vec<Registration>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM sync_registrations WHERE ?1 IS NULL OR origin = ?1 ORDER BY origin, scope, kind, tag"
    ))?;
    let rows = stmt.query_map([origin], from_row)?;
    rows.collect()
}

/// How many registrations an origin holds.
pub fn count_for_origin(conn: &Connection, origin: &str) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT count(*) FROM sync_registrations WHERE origin = ?1",
        [origin],
        |r| r.get(0),
    )
}

/// The origins whose last periodic event started after `since`, with when: one range scan of
/// the `(kind, last_fired_at, origin)` index, however many registrations there are.
pub fn periodic_fired_since(
    conn: &Connection,
    since: Millis,
) -> rusqlite::Result<HashMap<String, Millis>> {
    let mut stmt = conn.prepare_cached(
        "SELECT origin, max(last_fired_at) FROM sync_registrations
         WHERE kind = 'periodicsync' AND last_fired_at > ?1 GROUP BY origin",
    )?;
    let rows = stmt.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The earliest time after `now` a pending periodic registration of `origin` other than `except`
/// is due: the origin's next scheduled periodic event.
pub fn next_periodic_of_origin(
    conn: &Connection,
    origin: &str,
    except: &Key,
    now: Millis,
) -> rusqlite::Result<Option<Millis>> {
    conn.prepare_cached(
        "SELECT min(delay_until) FROM sync_registrations
         WHERE origin = ?1 AND kind = 'periodicsync' AND state = 'pending' AND delay_until > ?2
           AND NOT (scope = ?3 AND tag = ?4)",
    )?
    .query_row(params![origin, now, except.scope, except.tag], |r| r.get(0))
}

/// Pending registrations due at `now` (no delay, or delay passed), oldest first.
pub fn due(conn: &Connection, now: Millis) -> rusqlite::Result<Vec<Registration>> {
    // Two range scans of the (state, delay_until) index: an OR of both conditions would make
    // SQLite read the whole table, and this runs at every scheduler decision.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sync_registrations WHERE state = 'pending' AND delay_until IS NULL
         UNION ALL
         SELECT {COLUMNS} FROM sync_registrations WHERE state = 'pending' AND delay_until <= ?1"
    ))?;
    let mut rows = stmt
        .query_map([now], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.sort_by_key(|r| (r.delay_until.unwrap_or(r.registered_at), r.registered_at));
    Ok(rows)
}

/// The earliest future time a pending registration becomes due, if any.
pub fn next_due_at(conn: &Connection, now: Millis) -> rusqlite::Result<Option<Millis>> {
    conn.prepare_cached(
        "SELECT min(delay_until) FROM sync_registrations WHERE state = 'pending' AND delay_until > ?1",
    )?
    .query_row(
        [now],
        |r| r.get(0),
    )
}

/// Registrations left in 'firing' or 'reregistered' (their event was cut short).
pub fn interrupted(conn: &Connection) -> rusqlite::Result<Vec<Registration>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM sync_registrations WHERE state != 'pending' ORDER BY registered_at"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// Deletes every registration of an origin (uninstall, permission blocked); returns how many.
pub fn delete_origin(
    conn: &Connection,
    origin: &str,
    kind: Option<Kind>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sync_registrations WHERE origin = ?1 AND (?2 IS NULL OR kind = ?2)",
        params![origin, kind.map(Kind::as_str)],
    )
}

/// Sets `state` of a registration.
pub(crate) fn set_state(conn: &Connection, key: &Key, state: State) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sync_registrations SET state = ?4 WHERE scope = ?1 AND kind = ?2 AND tag = ?3",
        params![key.scope, key.kind.as_str(), key.tag, state.as_str()],
    )?;
    Ok(())
}
