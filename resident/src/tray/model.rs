//! What the tray shows, read from the store: each app with its two switches, the global pause,
//! and how many syncs are waiting. The menu and the icon are drawn from this alone, so a mark
//! always says what is stored.

use syncshell_core::permission::{self, Permission, Setting};
use syncshell_core::store::sync_registrations::{self, Kind};
use syncshell_core::store::{apps, host_settings, Store};

/// One installed app in the tray.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayApp {
    /// Its id.
    pub id: String,
    /// Its name, as the menu shows it.
    pub name: String,
    /// "Background sync" is on: `background-sync` or `periodic-background-sync` is not blocked
    /// (the switch turns both off together, and both on).
    pub background_sync: bool,
    /// "Notifications" is on: the `notifications` permission is `allow`.
    pub notifications: bool,
}

/// What the tray shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrayModel {
    /// Installed apps, by name.
    pub apps: Vec<TrayApp>,
    /// Background activity is paused for all apps.
    pub paused: bool,
    /// One-off syncs registered and not yet done.
    pub waiting: usize,
    /// Of those, the ones whose last attempt failed (waiting to retry).
    pub retrying: usize,
}

/// How the icon looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Nothing to say.
    Normal,
    /// Background activity is paused.
    Paused,
    /// Syncs are waiting, or failing.
    Attention,
}

impl TrayModel {
    /// Reads the model from `store`; what cannot be read is left out (and said on stderr), so
    /// the tray always shows something.
    pub fn load(store: &Store) -> Self {
        let conn = store.conn();
        let mut apps: Vec<TrayApp> = apps::list(conn)
            .unwrap_or_else(|e| {
                eprintln!("syncshell: tray: cannot list apps: {e}");
                Vec::new()
            })
            .into_iter()
            .map(|app| {
                let setting = |p| permission::get(conn, &app.origin, p).ok();
                let blocked = |p| setting(p) == Some(Setting::Block);
                TrayApp {
                    background_sync: !(blocked(Permission::BackgroundSync)
                        && blocked(Permission::PeriodicBackgroundSync)),
                    notifications: setting(Permission::Notifications) == Some(Setting::Allow),
                    id: app.id,
                    name: app.name,
                }
            })
            .collect();
        apps.sort_by_key(|a| a.name.to_lowercase());
        let one_off: Vec<_> = sync_registrations::list(conn, None)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.key.kind == Kind::Sync)
            .collect();
        Self {
            apps,
            paused: host_settings::paused(conn).unwrap_or(false),
            waiting: one_off.len(),
            retrying: one_off.iter().filter(|r| r.attempts > 0).count(),
        }
    }

    /// How the icon looks: paused wins, then waiting syncs.
    pub fn look(&self) -> Look {
        if self.paused {
            Look::Paused
        } else if self.waiting > 0 {
            Look::Attention
        } else {
            Look::Normal
        }
    }

    /// The tooltip's text, e.g. "3 syncs waiting (1 failed, retrying)".
    pub fn tooltip(&self) -> String {
        let waiting = match self.waiting {
            0 => None,
            1 => Some("1 sync waiting".to_owned()),
            n => Some(format!("{n} syncs waiting")),
        };
        let waiting = waiting.map(|text| match self.retrying {
            0 => text,
            n => format!("{text} ({n} failed, retrying)"),
        });
        match (self.paused, waiting) {
            (true, Some(w)) => format!("Background activity paused; {w}"),
            (true, None) => "Background activity paused".to_owned(),
            (false, Some(w)) => w,
            (false, None) => match self.apps.len() {
                0 => "No apps installed".to_owned(),
                1 => "1 app, all synced".to_owned(),
                n => format!("{n} apps, all synced"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syncshell_core::store::apps::App;
    use syncshell_core::store::sync_registrations::{Key, Registration, State};

    fn app(store: &Store, id: &str, name: &str) {
        let app = App {
            name: name.to_owned(),
            ..crate::sync::test_double::app(id)
        };
        apps::upsert(store.conn(), &app).unwrap();
    }

    fn origin(id: &str) -> String {
        crate::sync::test_double::app(id).origin
    }

    fn set(store: &mut Store, id: &str, p: Permission, s: Setting) {
        let origin = origin(id);
        permission::set(store, 0, &origin, &format!("{origin}/"), p, s).unwrap();
    }

    fn one_off(store: &Store, id: &str, tag: &str, attempts: u32) {
        let origin = origin(id);
        let r = Registration {
            origin: origin.clone(),
            key: Key {
                scope: format!("{origin}/"),
                kind: Kind::Sync,
                tag: tag.to_owned(),
            },
            min_interval: 0,
            state: State::Pending,
            attempts,
            delay_until: None,
            registered_at: 0,
            last_fired_at: None,
        };
        sync_registrations::put(store.conn(), &r).unwrap();
    }

    #[test]
    fn the_switches_say_what_is_stored() {
        let mut store = Store::open_in_memory().unwrap();
        app(&store, "b", "beta");
        app(&store, "a", "Alpha");
        let model = TrayModel::load(&store);
        assert_eq!(
            model
                .apps
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>(),
            ["Alpha", "beta"]
        );
        assert!(model.apps[0].background_sync, "allowed by default");
        assert!(!model.apps[0].notifications, "ask by default");
        // Background sync is off only when both sync permissions are blocked.
        set(
            &mut store,
            "a",
            Permission::PeriodicBackgroundSync,
            Setting::Block,
        );
        assert!(TrayModel::load(&store).apps[0].background_sync);
        set(&mut store, "a", Permission::BackgroundSync, Setting::Block);
        set(&mut store, "a", Permission::Notifications, Setting::Allow);
        let model = TrayModel::load(&store);
        assert!(!model.apps[0].background_sync);
        assert!(model.apps[0].notifications);
        assert!(model.apps[1].background_sync, "per app");
    }

    #[test]
    fn the_look_and_tooltip_say_paused_then_waiting() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(TrayModel::load(&store).tooltip(), "No apps installed");
        app(&store, "a", "Alpha");
        let model = TrayModel::load(&store);
        assert_eq!(
            (model.look(), model.tooltip().as_str()),
            (Look::Normal, "1 app, all synced")
        );
        one_off(&store, "a", "outbox", 0);
        let model = TrayModel::load(&store);
        assert_eq!(
            (model.look(), model.tooltip().as_str()),
            (Look::Attention, "1 sync waiting")
        );
        one_off(&store, "a", "likes", 2);
        one_off(&store, "a", "more", 0);
        let model = TrayModel::load(&store);
        assert_eq!(model.tooltip(), "3 syncs waiting (1 failed, retrying)");
        host_settings::set_paused(store.conn(), true).unwrap();
        let model = TrayModel::load(&store);
        assert_eq!(model.look(), Look::Paused);
        assert_eq!(
            model.tooltip(),
            "Background activity paused; 3 syncs waiting (1 failed, retrying)"
        );
    }
}
