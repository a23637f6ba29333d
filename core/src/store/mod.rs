//! The SQLite store: one file, WAL, migrations applied on open. One module per table.

pub mod apps;
pub mod background_log;
pub mod changes;
pub mod engagement;
pub mod host_settings;
pub mod log_event;
mod migrations;
pub mod notifications;
pub mod origin_tokens;
pub mod site_settings;
pub mod sync_registrations;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction};

/// Errors from the store. They carry SQLite's own message, which names what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("{}", describe(.0))]
    Sql(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A damaged database file could not be moved aside.
    #[error("cannot move the damaged database {path} aside: {source}")]
    SetAside {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database directory could not be created.
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// SQLite's error in the user's terms where the user can act on it (a full disk, a read-only
/// one); SQLite's own words are kept in parentheses.
fn describe(error: &rusqlite::Error) -> String {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => format!(
            "the disk holding syncshell's data is full ({error}): free some space and try again; \
             nothing stored before was lost"
        ),
        Some(rusqlite::ErrorCode::ReadOnly) => format!(
            "syncshell's data cannot be written ({error}): its disk or directory is read-only"
        ),
        _ => format!("database error: {error}"),
    }
}

/// A database file SQLite could not read, set aside so that syncshell can start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// Where the damaged file now is (its `-wal` and `-shm` beside it, same suffix).
    pub kept_as: PathBuf,
    /// What SQLite said.
    pub reason: String,
}

/// Whether SQLite says the file is not a database, or a damaged one.
fn is_damage(e: &StoreError) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    let sql = match e {
        StoreError::Sql(e) => Some(e),
        StoreError::Migration(rusqlite_migration::Error::RusqliteError { err, .. }) => Some(err),
        _ => None,
    };
    matches!(
        sql.and_then(rusqlite::Error::sqlite_error_code),
        Some(DatabaseCorrupt | NotADatabase)
    )
}

/// An open database with an up-to-date schema.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// How long a writer waits for another process (the CLI and the host share the file) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        Self::from_connection(Connection::open(path)?)
    }

    /// Opens like [`Store::open`]; a file SQLite says is not a database, or is damaged, is renamed
    /// to `<name>.damaged-<now_ms>` (with its `-wal` and `-shm`), kept for whoever wants to
    /// recover it, and a new empty database is made in its place. Any other error is returned.
    pub fn open_or_set_aside(
        path: &Path,
        now_ms: i64,
    ) -> Result<(Self, Option<SetAside>), StoreError> {
        let error = match Self::open(path) {
            Ok(store) => return Ok((store, None)),
            Err(e) if is_damage(&e) => e,
            Err(e) => return Err(e),
        };
        let suffix = format!("damaged-{now_ms}");
        let aside = |p: &Path| PathBuf::from(format!("{}.{suffix}", p.display()));
        for extra in ["-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{extra}", path.display()));
            if file.exists() {
                std::fs::rename(&file, aside(&file)).map_err(|source| StoreError::SetAside {
                    path: file.display().to_string(),
                    source,
                })?;
            }
        }
        let kept_as = aside(path);
        std::fs::rename(path, &kept_as).map_err(|source| StoreError::SetAside {
            path: path.display().to_string(),
            source,
        })?;
        let store = Self::open(path)?;
        Ok((
            store,
            Some(SetAside {
                kept_as,
                reason: error.to_string(),
            }),
        ))
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self, StoreError> {
        // Pragmas are per connection, so they are set on every open rather than in a migration.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations::migrations().to_latest(&mut conn)?;
        Ok(Self { conn })
    }

    /// Read access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in a transaction that commits when `f` returns `Ok` and rolls back otherwise.
    /// Every multi-statement write goes through here, so none is ever half-applied.
    pub fn transaction<T, E>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let tx = self.conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_or_read_only_disk_is_said_in_the_users_terms() {
        let sqlite = |code| {
            StoreError::from(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(code),
                Some("as SQLite says it".into()),
            ))
            .to_string()
        };
        assert!(sqlite(rusqlite::ffi::SQLITE_FULL)
            .starts_with("the disk holding syncshell's data is full (as SQLite says it)"));
        assert!(sqlite(rusqlite::ffi::SQLITE_READONLY)
            .starts_with("syncshell's data cannot be written"));
        assert!(sqlite(rusqlite::ffi::SQLITE_BUSY).starts_with("database error: "));
    }

    #[test]
    fn opening_a_file_turns_on_wal_and_foreign_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("sub/dir/db.sqlite")).unwrap();
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn reopening_keeps_the_schema_version() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("db.sqlite");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let version: i64 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert!(version >= 1);
    }

    #[test]
    fn a_failed_transaction_leaves_nothing_behind() {
        let mut store = Store::open_in_memory().unwrap();
        let result: Result<(), StoreError> = store.transaction(|tx| {
            tx.execute(
                "INSERT INTO site_settings (origin) VALUES ('http://a.test')",
                [],
            )?;
            tx.execute("INSERT INTO no_such_table VALUES (1)", [])?;
            Ok(())
        });
        assert!(result.is_err());
        let n: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM site_settings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_set_aside_and_a_new_one_made() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("syncshell.db");
        let garbage = b"this is not SQLite, it was a disk error".repeat(200);
        std::fs::write(&path, &garbage).unwrap();
        let (store, aside) = Store::open_or_set_aside(&path, 42).unwrap();
        let aside = aside.expect("set aside");
        assert_eq!(aside.kept_as, tmp.path().join("syncshell.db.damaged-42"));
        assert!(aside.reason.contains("not a database"), "{}", aside.reason);
        assert_eq!(
            std::fs::read(&aside.kept_as).unwrap(),
            garbage,
            "kept as it was"
        );
        // The new one works.
        apps::upsert(store.conn(), &apps::sample("notes", "m")).unwrap();
        drop(store);
        let (_, again) = Store::open_or_set_aside(&path, 43).unwrap();
        assert_eq!(again, None, "a good file stays where it is");
    }
}
