//! Schema migrations, applied atomically in order. Append new ones; never edit a released one.

use rusqlite_migration::{Migrations, M};

/// Every migration, oldest first.
pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
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
        ),
        M::up(
            r#"
        -- Background Sync and Periodic Background Sync registrations, one per (service worker
        -- registration scope, kind, tag). `state` 'firing' is stored so that a registration whose
        -- event was cut short by a crash is known after a restart and goes back to pending.
        CREATE TABLE sync_registrations (
            origin        TEXT NOT NULL,
            scope         TEXT NOT NULL,
            kind          TEXT NOT NULL CHECK (kind IN ('sync', 'periodicsync')),
            tag           TEXT NOT NULL,
            min_interval  INTEGER NOT NULL DEFAULT 0,
            state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'firing', 'reregistered')),
            attempts      INTEGER NOT NULL DEFAULT 0,
            delay_until   INTEGER,
            registered_at INTEGER NOT NULL,
            PRIMARY KEY (scope, kind, tag)
        ) STRICT;
        CREATE INDEX sync_registrations_origin ON sync_registrations(origin);
        CREATE INDEX sync_registrations_due ON sync_registrations(state, delay_until);

        -- The background-services log, as Chrome DevTools shows it.
        CREATE TABLE background_log (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            at       INTEGER NOT NULL,
            origin   TEXT NOT NULL,
            scope    TEXT NOT NULL,
            service  TEXT NOT NULL CHECK (service IN ('sync', 'periodicsync')),
            event    TEXT NOT NULL,
            tag      TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX background_log_at ON background_log(at);
        CREATE INDEX background_log_origin ON background_log(origin, at);
        "#,
        ),
        M::up(
            r#"
        -- The secret baked into an origin's worker shim; the proxy accepts worker-side calls for
        -- that origin only with it. Kept across restarts because the browser caches the script.
        CREATE TABLE origin_tokens (
            origin TEXT PRIMARY KEY NOT NULL,
            token  TEXT NOT NULL
        ) STRICT;
        "#,
        ),
        M::up(
            r#"
        -- When a periodic registration last fired: events of one origin stay the minimum apart.
        -- The index answers "which origins fired a periodic event lately" with a range scan.
        ALTER TABLE sync_registrations ADD COLUMN last_fired_at INTEGER;
        CREATE INDEX sync_registrations_last_fired ON sync_registrations(kind, last_fired_at, origin);

        -- How much the user uses each origin's app (syncshell_core::engagement has the formula).
        CREATE TABLE engagement (
            origin      TEXT PRIMARY KEY NOT NULL,
            score       REAL NOT NULL,
            updated_at  INTEGER NOT NULL,
            last_launch INTEGER
        ) STRICT;
        -- Apps installed before engagement was measured count as opened once now, so their periodic
        -- sync does not stop at the upgrade (level "none") until each is opened again.
        INSERT INTO engagement (origin, score, updated_at, last_launch)
            SELECT origin, 5.0, CAST(strftime('%s', 'now') AS INTEGER) * 1000,
                   CAST(strftime('%s', 'now') AS INTEGER) * 1000
            FROM apps GROUP BY origin;

        -- Host-wide switches of the user (e.g. 'paused' = 'true').
        CREATE TABLE host_settings (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;

        -- The log gains the notifications service (permission changes now, notifications later).
        -- SQLite cannot change a CHECK, so the table is rebuilt with its rows and ids.
        CREATE TABLE background_log_new (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            at       INTEGER NOT NULL,
            origin   TEXT NOT NULL,
            scope    TEXT NOT NULL,
            service  TEXT NOT NULL CHECK (service IN ('sync', 'periodicsync', 'notifications')),
            event    TEXT NOT NULL,
            tag      TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        INSERT INTO background_log_new (id, at, origin, scope, service, event, tag, metadata)
            SELECT id, at, origin, scope, service, event, tag, metadata FROM background_log;
        DROP TABLE background_log;
        ALTER TABLE background_log_new RENAME TO background_log;
        CREATE INDEX background_log_at ON background_log(at);
        CREATE INDEX background_log_origin ON background_log(origin, at);
        "#,
        ),
        M::up(
            r#"
        -- Notifications on screen: clicks, getNotifications and tag replacement work for every app,
        -- also after a host restart. `scope` is NULL for a page's `new Notification`. `server` is
        -- the unique bus name of the notification server that showed it: its ids are its own.
        CREATE TABLE notifications (
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            origin    TEXT NOT NULL,
            app_id    TEXT NOT NULL,
            scope     TEXT,
            tag       TEXT NOT NULL DEFAULT '',
            title     TEXT NOT NULL,
            options   TEXT NOT NULL DEFAULT '{}',
            server    TEXT NOT NULL,
            server_id INTEGER NOT NULL,
            shown_at  INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX notifications_origin ON notifications(origin, tag);
        CREATE INDEX notifications_server ON notifications(server, server_id);
        "#,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::clock::Clock;

    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    #[test]
    fn an_upgrade_from_version_3_keeps_every_row_and_counts_installed_apps_as_engaged() {
        let mut conn = Connection::open_in_memory().unwrap();
        let migrations = super::migrations();
        migrations.to_version(&mut conn, 3).unwrap();
        conn.execute_batch(
            "INSERT INTO apps (id, manifest_id, name, start_url, scope, origin, display,
                               manifest_url, document_url, installed_at, updated_at)
             VALUES ('feed', 'http://a.test/', 'Feed', 'http://a.test/', 'http://a.test/',
                     'http://a.test', 'standalone', 'http://a.test/m.json', 'http://a.test/', 1, 1);
             INSERT INTO sync_registrations (origin, scope, kind, tag, delay_until, registered_at)
             VALUES ('http://a.test', 'http://a.test/', 'periodicsync', 'news', 99, 1);
             INSERT INTO background_log (id, at, origin, scope, service, event, tag)
             VALUES (7, 1, 'http://a.test', 'http://a.test/', 'sync', 'Registered sync', 't');",
        )
        .unwrap();
        migrations.to_latest(&mut conn).unwrap();
        let (id, event): (i64, String) = conn
            .query_row("SELECT id, event FROM background_log", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((id, event.as_str()), (7, "Registered sync"));
        conn.execute(
            "INSERT INTO background_log (at, origin, scope, service, event, tag)
             VALUES (2, 'http://a.test', 'http://a.test/', 'notifications', 'Permission changed', '')",
            [],
        )
        .unwrap();
        let next_id: i64 = conn
            .query_row("SELECT max(id) FROM background_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(next_id, 8, "ids go on from the old table's");
        let (delay, fired): (i64, Option<i64>) = conn
            .query_row(
                "SELECT delay_until, last_fired_at FROM sync_registrations",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((delay, fired), (99, None));
        let e = crate::store::engagement::get(&conn, "http://a.test").unwrap();
        assert_eq!(e.score, 5.0);
        let now = crate::clock::SystemClock.now_ms();
        assert_eq!(e.level_at(now), crate::engagement::Level::Low);
    }
}
