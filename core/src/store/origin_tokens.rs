//! The `origin_tokens` table: one random secret per app origin, for the worker shim.

use std::io::Read;

use rusqlite::{Connection, OptionalExtension};

/// The origin's token, created (128 random bits, hex) on first use.
pub fn get_or_create(conn: &Connection, origin: &str) -> rusqlite::Result<String> {
    if let Some(token) = conn
        .query_row(
            "SELECT token FROM origin_tokens WHERE origin = ?1",
            [origin],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(token);
    }
    let token = random_hex(16).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.execute(
        "INSERT INTO origin_tokens (origin, token) VALUES (?1, ?2)",
        [origin, &token],
    )?;
    Ok(token)
}

/// Forgets the origin's token (uninstall of its last app).
pub fn delete(conn: &Connection, origin: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM origin_tokens WHERE origin = ?1", [origin])?;
    Ok(())
}

fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_token_is_made_once_per_origin_and_kept() {
        let store = Store::open_in_memory().unwrap();
        let a = get_or_create(store.conn(), "http://a.test").unwrap();
        assert_eq!(a.len(), 32);
        assert_eq!(get_or_create(store.conn(), "http://a.test").unwrap(), a);
        let b = get_or_create(store.conn(), "http://b.test").unwrap();
        assert_ne!(a, b);
        delete(store.conn(), "http://a.test").unwrap();
        assert_ne!(get_or_create(store.conn(), "http://a.test").unwrap(), a);
    }
}
