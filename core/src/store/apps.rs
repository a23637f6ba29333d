//! The `apps` table: installed web apps.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::clock::Millis;
use crate::manifest::Display;

/// An installed app, as stored (and as the host's two sides pass it to each other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// Short, stable, typeable name used by the CLI and the launcher (`syncshell open ID`).
    pub id: String,
    /// The manifest's identity (its processed `id`): reinstalling the same one updates this row.
    pub manifest_id: String,
    /// Display name (manifest `name`, else `short_name`, else the page title).
    pub name: String,
    /// Manifest `short_name`, if any.
    pub short_name: Option<String>,
    /// Manifest `description`, if any.
    pub description: Option<String>,
    /// Where the app window starts.
    pub start_url: Url,
    /// Navigation scope: pages within it stay in the app window.
    pub scope: Url,
    /// `scheme://host:port` of the app; permissions and IPC are granted to this origin only.
    pub origin: String,
    /// Manifest `display` mode.
    pub display: Display,
    /// Manifest `theme_color`, a CSS colour.
    pub theme_color: Option<String>,
    /// Manifest `background_color`, a CSS colour.
    pub background_color: Option<String>,
    /// Where the manifest was fetched from.
    pub manifest_url: Url,
    /// The page the install started from (after redirects).
    pub document_url: Url,
    /// Whether an icon was installed for the launcher and window.
    pub has_icon: bool,
    /// Last inner window size, in logical pixels, remembered across launches.
    pub window_size: Option<(u32, u32)>,
    /// When first installed.
    pub installed_at: Millis,
    /// When last installed or updated.
    pub updated_at: Millis,
}

const COLUMNS: &str = "id, manifest_id, name, short_name, description, start_url, scope, origin, display, \
     theme_color, background_color, manifest_url, document_url, has_icon, window_width, window_height, \
     installed_at, updated_at";

fn url_column(row: &Row<'_>, idx: usize) -> rusqlite::Result<Url> {
    let text: String = row.get(idx)?;
    Url::parse(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<App> {
    let display: String = row.get(8)?;
    let width: Option<i64> = row.get(14)?;
    let height: Option<i64> = row.get(15)?;
    Ok(App {
        id: row.get(0)?,
        manifest_id: row.get(1)?,
        name: row.get(2)?,
        short_name: row.get(3)?,
        description: row.get(4)?,
        start_url: url_column(row, 5)?,
        scope: url_column(row, 6)?,
        origin: row.get(7)?,
        display: Display::parse(&display).unwrap_or_default(),
        theme_color: row.get(9)?,
        background_color: row.get(10)?,
        manifest_url: url_column(row, 11)?,
        document_url: url_column(row, 12)?,
        has_icon: row.get(13)?,
        window_size: match (width, height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some((w as u32, h as u32)),
            _ => None,
        },
        installed_at: row.get(16)?,
        updated_at: row.get(17)?,
    })
}

/// The app with this id, if installed.
pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<App>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM apps WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// The app installed from this manifest identity, if any.
pub fn find_by_manifest_id(conn: &Connection, manifest_id: &str) -> rusqlite::Result<Option<App>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM apps WHERE manifest_id = ?1"),
        [manifest_id],
        from_row,
    )
    .optional()
}

/// Every installed app, by id.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<App>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM apps ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// Whether some app already uses this id.
pub fn id_taken(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM apps WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )
}

/// Inserts the app, or replaces the row with the same id. The remembered window size and the
/// first install time of an existing row are kept: an update must not reset what the user chose.
pub fn upsert(conn: &Connection, app: &App) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO apps ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT(id) DO UPDATE SET
               manifest_id = excluded.manifest_id, name = excluded.name, short_name = excluded.short_name,
               description = excluded.description, start_url = excluded.start_url, scope = excluded.scope,
               origin = excluded.origin, display = excluded.display, theme_color = excluded.theme_color,
               background_color = excluded.background_color, manifest_url = excluded.manifest_url,
               document_url = excluded.document_url, has_icon = excluded.has_icon,
               updated_at = excluded.updated_at"
        ),
        params![
            app.id,
            app.manifest_id,
            app.name,
            app.short_name,
            app.description,
            app.start_url.as_str(),
            app.scope.as_str(),
            app.origin,
            app.display.as_str(),
            app.theme_color,
            app.background_color,
            app.manifest_url.as_str(),
            app.document_url.as_str(),
            app.has_icon,
            app.window_size.map(|s| s.0),
            app.window_size.map(|s| s.1),
            app.installed_at,
            app.updated_at,
        ],
    )?;
    Ok(())
}

/// Remembers the app window's inner size (logical pixels). Returns false if no such app.
pub fn set_window_size(
    conn: &Connection,
    id: &str,
    width: u32,
    height: u32,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE apps SET window_width = ?2, window_height = ?3 WHERE id = ?1",
        params![id, width, height],
    )?;
    Ok(n == 1)
}

/// Deletes the app's row. Returns false if there was none.
pub fn delete(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM apps WHERE id = ?1", [id])? == 1)
}

/// How many installed apps share this origin (settings are per origin, apps per manifest).
pub fn count_for_origin(conn: &Connection, origin: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM apps WHERE origin = ?1",
        [origin],
        |r| r.get(0),
    )
}

/// The app a service worker registration of `origin` at `scope` belongs to, among `apps`: the one
/// whose scope holds it (the longest, as the most specific), else the origin's first. Several apps
/// may share an origin; the dispatcher, the notifier and the settings panel all ask this.
pub fn owner_of<'a>(apps: &'a [App], origin: &str, scope: &str) -> Option<&'a App> {
    let on_origin = || apps.iter().filter(|a| a.origin == origin);
    on_origin()
        .filter(|a| scope.starts_with(a.scope.as_str()))
        .max_by_key(|a| a.scope.as_str().len())
        .or_else(|| on_origin().next())
}

#[cfg(test)]
pub(crate) fn sample(id: &str, manifest_id: &str) -> App {
    let start = Url::parse("http://127.0.0.1:8000/app/").unwrap();
    App {
        id: id.into(),
        manifest_id: manifest_id.into(),
        name: "Sample".into(),
        short_name: None,
        description: None,
        start_url: start.clone(),
        scope: start.clone(),
        origin: "http://127.0.0.1:8000".into(),
        display: Display::Standalone,
        theme_color: None,
        background_color: None,
        manifest_url: start.join("manifest.json").unwrap(),
        document_url: start,
        has_icon: false,
        window_size: None,
        installed_at: 10,
        updated_at: 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn an_app_round_trips_through_the_table() {
        let store = Store::open_in_memory().unwrap();
        let app = sample("notes", "http://127.0.0.1:8000/app/");
        upsert(store.conn(), &app).unwrap();
        assert_eq!(get(store.conn(), "notes").unwrap(), Some(app.clone()));
        assert_eq!(
            find_by_manifest_id(store.conn(), &app.manifest_id).unwrap(),
            Some(app)
        );
        assert!(id_taken(store.conn(), "notes").unwrap());
        assert!(!id_taken(store.conn(), "other").unwrap());
    }

    #[test]
    fn updating_keeps_window_size_and_install_time() {
        let store = Store::open_in_memory().unwrap();
        let mut app = sample("notes", "m1");
        upsert(store.conn(), &app).unwrap();
        assert!(set_window_size(store.conn(), "notes", 640, 480).unwrap());
        app.name = "Renamed".into();
        app.installed_at = 99;
        app.updated_at = 99;
        upsert(store.conn(), &app).unwrap();
        let stored = get(store.conn(), "notes").unwrap().unwrap();
        assert_eq!(stored.name, "Renamed");
        assert_eq!(stored.window_size, Some((640, 480)));
        assert_eq!(stored.installed_at, 10);
        assert_eq!(stored.updated_at, 99);
    }

    #[test]
    fn two_apps_cannot_share_a_manifest_id() {
        let store = Store::open_in_memory().unwrap();
        upsert(store.conn(), &sample("a", "m")).unwrap();
        assert!(upsert(store.conn(), &sample("b", "m")).is_err());
    }

    #[test]
    fn delete_reports_whether_a_row_went() {
        let store = Store::open_in_memory().unwrap();
        upsert(store.conn(), &sample("a", "m")).unwrap();
        assert_eq!(
            count_for_origin(store.conn(), "http://127.0.0.1:8000").unwrap(),
            1
        );
        assert!(delete(store.conn(), "a").unwrap());
        assert!(!delete(store.conn(), "a").unwrap());
        assert!(list(store.conn()).unwrap().is_empty());
    }

    #[test]
    fn a_registration_belongs_to_the_app_whose_scope_holds_it_else_the_origins_first() {
        let mut mail = sample("mail", "m");
        mail.scope = Url::parse("http://127.0.0.1:8000/mail/").unwrap();
        let mut root = sample("root", "r");
        root.scope = Url::parse("http://127.0.0.1:8000/").unwrap();
        let apps = [root, mail];
        let owner = |scope| owner_of(&apps, "http://127.0.0.1:8000", scope).map(|a| a.id.as_str());
        assert_eq!(owner("http://127.0.0.1:8000/mail/"), Some("mail"));
        assert_eq!(owner("http://127.0.0.1:8000/mail/inbox/"), Some("mail"));
        assert_eq!(owner("http://127.0.0.1:8000/news/"), Some("root"));
        assert_eq!(
            owner("http://127.0.0.1:8000"),
            Some("root"),
            "none holds it: the first"
        );
        assert_eq!(
            owner_of(&apps, "http://other.test", "http://other.test/"),
            None
        );
    }
}
