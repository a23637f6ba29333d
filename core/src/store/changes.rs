//! What changed in the store: SQLite tells of every row written on a connection, and the host
//! passes that on to its views (the tray, the settings panel) as the set of tables touched, so
//! they follow every change, whoever made it (CLI, tray, panel, scheduler), without polling.

use rusqlite::hooks::Action;

use super::Store;

/// A part of the store that views show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// Installed apps.
    Apps,
    /// Per-origin permissions.
    SiteSettings,
    /// Host-wide settings (the global pause).
    HostSettings,
    /// Background sync registrations.
    SyncRegistrations,
    /// The background-services log.
    BackgroundLog,
    /// Shown notifications.
    Notifications,
    /// Engagement scores.
    Engagement,
}

impl Table {
    /// Every table, in a fixed order.
    pub const ALL: [Table; 7] = [
        Table::Apps,
        Table::SiteSettings,
        Table::HostSettings,
        Table::SyncRegistrations,
        Table::BackgroundLog,
        Table::Notifications,
        Table::Engagement,
    ];

    /// The table of that SQL name; `None` for those no view shows (worker tokens, migrations).
    pub fn from_sql_name(name: &str) -> Option<Self> {
        Some(match name {
            "apps" => Self::Apps,
            "site_settings" => Self::SiteSettings,
            "host_settings" => Self::HostSettings,
            "sync_registrations" => Self::SyncRegistrations,
            "background_log" => Self::BackgroundLog,
            "notifications" => Self::Notifications,
            "engagement" => Self::Engagement,
            _ => return None,
        })
    }

    /// Its SQL name (the inverse of [`Table::from_sql_name`]).
    pub fn sql_name(self) -> &'static str {
        match self {
            Self::Apps => "apps",
            Self::SiteSettings => "site_settings",
            Self::HostSettings => "host_settings",
            Self::SyncRegistrations => "sync_registrations",
            Self::BackgroundLog => "background_log",
            Self::Notifications => "notifications",
            Self::Engagement => "engagement",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of tables (cheap to copy, and to keep in an atomic as [`Changes::bits`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes(u32);

impl Changes {
    /// Every table.
    pub fn all() -> Self {
        Table::ALL.into_iter().fold(Self::default(), Self::with)
    }

    /// This set and `table`.
    #[must_use]
    pub fn with(self, table: Table) -> Self {
        Self(self.0 | table.bit())
    }

    /// Both sets.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether `table` is in the set.
    pub fn contains(self, table: Table) -> bool {
        self.0 & table.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as bits (for an atomic).
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The set of [`Changes::bits`] (unknown bits dropped).
    pub fn from_bits(bits: u32) -> Self {
        Self(bits & Self::all().0)
    }

    /// The tables in the set, in [`Table::ALL`]'s order.
    pub fn tables(self) -> impl Iterator<Item = Table> {
        Table::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl Store {
    /// Calls `f` with the table of each row inserted, updated or deleted through this store (one
    /// call per row, replacing any earlier `f`). It runs in the middle of the write, maybe inside
    /// a transaction that later rolls back: `f` must only note the change and return at once
    /// (never touch the store); readers look after the write.
    pub fn on_change(&self, mut f: impl FnMut(Table) + Send + 'static) {
        self.conn
            .update_hook(Some(move |_: Action, _db: &str, table: &str, _row: i64| {
                if let Some(table) = Table::from_sql_name(table) {
                    f(table);
                }
            }));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::permission::{self, Permission, Setting};

    #[test]
    fn every_write_names_its_table_and_internal_tables_are_left_out() {
        let mut store = Store::open_in_memory().unwrap();
        let seen = Arc::new(Mutex::new(Changes::default()));
        let noted = seen.clone();
        store.on_change(move |table| {
            let mut seen = noted.lock().unwrap();
            *seen = seen.with(table);
        });
        permission::set(
            &mut store,
            0,
            "http://a.test",
            "http://a.test/",
            Permission::Notifications,
            Setting::Allow,
        )
        .unwrap();
        let seen_now = *seen.lock().unwrap();
        assert!(seen_now.contains(Table::SiteSettings));
        assert!(
            seen_now.contains(Table::BackgroundLog),
            "the change is logged"
        );
        assert!(!seen_now.contains(Table::Apps));
        *seen.lock().unwrap() = Changes::default();
        store
            .conn()
            .execute(
                "INSERT INTO origin_tokens (origin, token) VALUES ('http://a.test', 't')",
                [],
            )
            .unwrap();
        assert!(seen.lock().unwrap().is_empty());
    }

    #[test]
    fn sets_keep_their_tables_through_bits() {
        let set = Changes::default().with(Table::Apps).with(Table::Engagement);
        assert_eq!(Changes::from_bits(set.bits()), set);
        assert_eq!(
            set.tables().collect::<Vec<_>>(),
            [Table::Apps, Table::Engagement]
        );
        assert_eq!(Changes::from_bits(u32::MAX), Changes::all());
        assert!(set.union(Changes::all()).contains(Table::BackgroundLog));
        for table in Table::ALL {
            assert_eq!(Table::from_sql_name(table.sql_name()), Some(table));
        }
    }
}
