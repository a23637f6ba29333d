//! Schema migrations, applied atomically in order. Append new ones; never edit a released one.

use rusqlite_migration::{Migrations, M};

/// Every migration, oldest first.
pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
        r#"
        -- One row per installed app. `id` is the short name users type; `manifest_id` is the
        -- web app manifest's identity (a URL), which decides whether an install is an update.
        CREATE TABLE apps (
            id               TEXT PRIMARY KEY NOT NULL,
            manifest_id      TEXT NOT NULL UNIQUE,
            name             TEXT NOT NULL,
            short_name       TEXT,
            description      TEXT,
            start_url        TEXT NOT NULL,
            scope            TEXT NOT NULL,
            origin           TEXT NOT NULL,
            display          TEXT NOT NULL,
            theme_color      TEXT,
            background_color TEXT,
            manifest_url     TEXT NOT NULL,
            document_url     TEXT NOT NULL,
            has_icon         INTEGER NOT NULL DEFAULT 0,
            window_width     INTEGER,
            window_height    INTEGER,
            installed_at     INTEGER NOT NULL,
            updated_at       INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX apps_origin ON apps(origin);

        -- Per-site (origin) choices the user makes; a missing row means the defaults.
        CREATE TABLE site_settings (
            origin                   TEXT PRIMARY KEY NOT NULL,
            background_sync          INTEGER NOT NULL DEFAULT 1 CHECK (background_sync IN (0, 1)),
            periodic_background_sync INTEGER NOT NULL DEFAULT 1 CHECK (periodic_background_sync IN (0, 1)),
            notifications            TEXT NOT NULL DEFAULT 'default'
                                     CHECK (notifications IN ('default', 'granted', 'denied'))
        ) STRICT;
        "#,
    )])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
