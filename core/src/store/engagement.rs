//! The `engagement` table: each origin's engagement score (formula in [`crate::engagement`]).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::Millis;
use crate::engagement::Engagement;

/// The stored engagement of `origin` (zero when the app was never used).
pub fn get(conn: &Connection, origin: &str) -> rusqlite::Result<Engagement> {
    // Cached: the scheduler reads it for every origin with a due event.
    Ok(conn
        .prepare_cached("SELECT score, updated_at, last_launch FROM engagement WHERE origin = ?1")?
        .query_row([origin], |r| {
            Ok(Engagement {
                score: r.get(0)?,
                updated_at: r.get(1)?,
                last_launch: r.get(2)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// Every origin's stored engagement.
pub fn all(conn: &Connection) -> rusqlite::Result<HashMap<String, Engagement>> {
    let mut stmt =
        conn.prepare_cached("SELECT origin, score, updated_at, last_launch FROM engagement")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            Engagement {
                score: r.get(1)?,
                updated_at: r.get(2)?,
                last_launch: r.get(3)?,
            },
        ))
    })?;
    rows.collect()
}

/// Stores the engagement of `origin`.
pub fn put(conn: &Connection, origin: &str, e: &Engagement) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO engagement (origin, score, updated_at, last_launch) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(origin) DO UPDATE SET score = excluded.score,
           updated_at = excluded.updated_at, last_launch = excluded.last_launch",
        params![origin, e.score, e.updated_at, e.last_launch],
    )?;
    Ok(())
}

/// Records that the user opened the app of `origin` at `now`.
pub fn record_launch(conn: &Connection, origin: &str, now: Millis) -> rusqlite::Result<()> {
    put(conn, origin, &get(conn, origin)?.launched(now))
}

/// Records `focused` ms with the app's window focused, ending at `now`.
pub fn record_focus(
    conn: &Connection,
    origin: &str,
    now: Millis,
    focused: Millis,
) -> rusqlite::Result<()> {
    put(conn, origin, &get(conn, origin)?.focused(now, focused))
}

/// Forgets `origin` (its last app was uninstalled).
pub fn delete(conn: &Connection, origin: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM engagement WHERE origin = ?1", [origin])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::Level;
    use crate::store::Store;

    #[test]
    fn launches_and_focus_accumulate_per_origin() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        let t = 1_700_000_000_000;
        assert_eq!(get(c, "http://a.test").unwrap(), Engagement::default());
        record_launch(c, "http://a.test", t).unwrap();
        record_focus(c, "http://a.test", t + 660_000, 660_000).unwrap();
        let e = get(c, "http://a.test").unwrap();
        assert!((e.score - 16.0).abs() < 1e-2);
        assert_eq!(e.last_launch, Some(t));
        assert_eq!(e.level_at(t + 660_000), Level::Medium);
        assert_eq!(get(c, "http://b.test").unwrap().level_at(t), Level::None);
        delete(c, "http://a.test").unwrap();
        assert_eq!(get(c, "http://a.test").unwrap(), Engagement::default());
    }
}
