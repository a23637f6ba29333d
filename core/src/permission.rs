//! The permissions a user controls per site, one model for the whole host: the rules read them,
//! and the bridge's `permissions.query`, the CLI, the tray and the settings panel show and change
//! the same stored state (the `site_settings` table). As in browsers they belong to the origin,
//! so apps installed on one origin share them.

use serde::Serialize;
use serde_json::json;

use crate::clock::Millis;
use crate::store::background_log::{self, LogEntry};
use crate::store::log_event::{LogEvent, Service};
use crate::store::site_settings::{self, SiteSettings};
use crate::store::sync_registrations::{self as regs, Kind};
use crate::store::{Store, StoreError};

/// A permission of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// One-off Background Sync: allow or block (default allow).
    BackgroundSync,
    /// Periodic Background Sync: allow or block (default allow).
    PeriodicBackgroundSync,
    /// Notifications: ask, allow or block (default ask).
    Notifications,
}

/// What the user chose for a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    /// Allowed.
    Allow,
    /// Blocked.
    Block,
    /// The site must ask (notifications only).
    Ask,
}

/// A permission's state as `PermissionStatus.state` gives it to JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PermissionState {
    /// Allowed.
    Granted,
    /// Blocked.
    Denied,
    /// The site would have to ask.
    Prompt,
}

/// A permission request the model refuses; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum PermissionError {
    /// Not one of the three permission names.
    #[error("unknown permission \"{0}\" (known: background-sync, periodic-background-sync, notifications)")]
    UnknownPermission(String),
    /// Not allow, block or ask.
    #[error("unknown state \"{0}\" (known: allow, block, ask)")]
    UnknownSetting(String),
    /// A state this permission does not have (ask for a sync permission).
    #[error("{permission} cannot be set to {setting} (it can be: {choices})")]
    NotApplicable {
        /// The permission's name.
        permission: &'static str,
        /// The refused state.
        setting: &'static str,
        /// Its states, comma-separated.
        choices: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for PermissionError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}

impl Permission {
    /// Every permission, in the order they are listed.
    pub const ALL: [Self; 3] = [
        Self::BackgroundSync,
        Self::PeriodicBackgroundSync,
        Self::Notifications,
    ];

    /// The name pages query and users type: `background-sync`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::BackgroundSync => "background-sync",
            Self::PeriodicBackgroundSync => "periodic-background-sync",
            Self::Notifications => "notifications",
        }
    }

    /// The permission called `name`.
    pub fn parse(name: &str) -> Result<Self, PermissionError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| PermissionError::UnknownPermission(name.to_owned()))
    }

    /// The states the user may choose.
    pub fn choices(self) -> &'static [Setting] {
        match self {
            Self::Notifications => &[Setting::Ask, Setting::Allow, Setting::Block],
            _ => &[Setting::Allow, Setting::Block],
        }
    }

    /// The log service a change of this permission is recorded under.
    pub fn service(self) -> Service {
        match self {
            Self::BackgroundSync => Service::Sync,
            Self::PeriodicBackgroundSync => Service::PeriodicSync,
            Self::Notifications => Service::Notifications,
        }
    }

    /// This permission's setting in `s`.
    pub fn of(self, s: &SiteSettings) -> Setting {
        let allow = |on: bool| if on { Setting::Allow } else { Setting::Block };
        match self {
            Self::BackgroundSync => allow(s.background_sync),
            Self::PeriodicBackgroundSync => allow(s.periodic_background_sync),
            Self::Notifications => match s.notifications.as_str() {
                "granted" => Setting::Allow,
                "denied" => Setting::Block,
                _ => Setting::Ask,
            },
        }
    }

    fn write(self, s: &mut SiteSettings, setting: Setting) {
        match self {
            Self::BackgroundSync => s.background_sync = setting == Setting::Allow,
            Self::PeriodicBackgroundSync => s.periodic_background_sync = setting == Setting::Allow,
            Self::Notifications => {
                s.notifications = match setting {
                    Setting::Allow => "granted",
                    Setting::Block => "denied",
                    Setting::Ask => "default",
                }
                .into();
            }
        }
    }

    /// Checks that `setting` is one of this permission's states.
    pub fn check(self, setting: Setting) -> Result<(), PermissionError> {
        if self.choices().contains(&setting) {
            return Ok(());
        }
        Err(PermissionError::NotApplicable {
            permission: self.name(),
            setting: setting.as_str(),
            choices: self
                .choices()
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

impl Setting {
    /// `allow`, `block` or `ask`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Block => "block",
            Self::Ask => "ask",
        }
    }

    /// The setting called `name`.
    pub fn parse(name: &str) -> Result<Self, PermissionError> {
        [Self::Allow, Self::Block, Self::Ask]
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| PermissionError::UnknownSetting(name.to_owned()))
    }

    /// What `permissions.query` answers for it.
    pub fn state(self) -> PermissionState {
        match self {
            Self::Allow => PermissionState::Granted,
            Self::Block => PermissionState::Denied,
            Self::Ask => PermissionState::Prompt,
        }
    }
}

/// Every permission of `origin` with its setting, in [`Permission::ALL`] order.
pub fn all(
    conn: &rusqlite::Connection,
    origin: &str,
) -> rusqlite::Result<Vec<(Permission, Setting)>> {
    let s = site_settings::get(conn, origin)?;
    Ok(Permission::ALL.into_iter().map(|p| (p, p.of(&s))).collect())
}

/// The setting of one permission of `origin`.
pub fn get(
    conn: &rusqlite::Connection,
    origin: &str,
    permission: Permission,
) -> rusqlite::Result<Setting> {
    Ok(permission.of(&site_settings::get(conn, origin)?))
}

/// What [`set`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The setting before.
    pub previous: Setting,
    /// Periodic tags unregistered because periodic sync was blocked.
    pub unregistered: Vec<String>,
}

/// Sets `permission` of `origin` to `setting` and applies what follows, as Chromium does:
/// blocking periodic sync unregisters the origin's periodic tags (each logged); blocking one-off
/// sync keeps its registrations, which wait until it is allowed again. The change is logged
/// (under `scope`, the app the user addressed) unless it changes nothing.
pub fn set(
    store: &mut Store,
    now: Millis,
    origin: &str,
    scope: &str,
    permission: Permission,
    setting: Setting,
) -> Result<Change, PermissionError> {
    permission.check(setting)?;
    Ok(store.transaction(|tx| {
        let mut settings = site_settings::get(tx, origin)?;
        let previous = permission.of(&settings);
        let mut unregistered = Vec::new();
        if previous == setting {
            return Ok::<_, StoreError>(Change {
                previous,
                unregistered,
            });
        }
        permission.write(&mut settings, setting);
        site_settings::set(tx, origin, &settings)?;
        let entry = |service, scope: &str, event, tag: &str, metadata| LogEntry {
            at: now,
            origin: origin.to_owned(),
            scope: scope.to_owned(),
            service,
            event,
            tag: tag.to_owned(),
            metadata,
        };
        let meta = json!({ "permission": permission.name(), "state": setting.as_str() });
        background_log::record(
            tx,
            &entry(
                permission.service(),
                scope,
                LogEvent::PermissionChanged,
                "",
                meta,
            ),
        )?;
        if permission == Permission::PeriodicBackgroundSync && setting == Setting::Block {
            for r in regs::list(tx, Some(origin))? {
                if r.key.kind != Kind::Periodic {
                    continue;
                }
                regs::delete(tx, &r.key)?;
                let meta = json!({ "reason": "periodic-background-sync blocked" });
                let e = entry(
                    Service::PeriodicSync,
                    &r.key.scope,
                    LogEvent::Unregistered,
                    &r.key.tag,
                    meta,
                );
                background_log::record(tx, &e)?;
                unregistered.push(r.key.tag);
            }
        }
        Ok(Change {
            previous,
            unregistered,
        })
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::parameters::Parameters;
    use crate::sync::rules::{self, RegisterCall, SitePolicy};

    const ORIGIN: &str = "http://127.0.0.1:8000";
    const SCOPE: &str = "http://127.0.0.1:8000/";

    fn register(store: &mut Store, kind: Kind, tag: &str) {
        let call = RegisterCall {
            origin: ORIGIN,
            scope: SCOPE,
            kind,
            tag,
            min_interval: 0,
        };
        let policy = SitePolicy {
            permitted: true,
            enabled: true,
        };
        rules::register(store, &Parameters::default(), 1, policy, &call).unwrap();
    }

    #[test]
    fn names_and_states_parse_and_the_defaults_are_allow_allow_ask() {
        let store = Store::open_in_memory().unwrap();
        let listed = all(store.conn(), ORIGIN).unwrap();
        assert_eq!(
            listed,
            [
                (Permission::BackgroundSync, Setting::Allow),
                (Permission::PeriodicBackgroundSync, Setting::Allow),
                (Permission::Notifications, Setting::Ask),
            ]
        );
        assert_eq!(
            Permission::parse("periodic-background-sync").unwrap(),
            Permission::PeriodicBackgroundSync
        );
        assert!(matches!(
            Permission::parse("camera"),
            Err(PermissionError::UnknownPermission(n)) if n == "camera"
        ));
        assert!(matches!(
            Setting::parse("maybe"),
            Err(PermissionError::UnknownSetting(_))
        ));
        assert_eq!(Setting::Ask.state(), PermissionState::Prompt);
    }

    #[test]
    fn a_sync_permission_cannot_be_ask_and_nothing_changes() {
        let mut store = Store::open_in_memory().unwrap();
        let err = set(
            &mut store,
            1,
            ORIGIN,
            SCOPE,
            Permission::BackgroundSync,
            Setting::Ask,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "background-sync cannot be set to ask (it can be: allow, block)"
        );
        assert_eq!(
            get(store.conn(), ORIGIN, Permission::BackgroundSync).unwrap(),
            Setting::Allow
        );
        assert!(background_log::list(store.conn(), None).unwrap().is_empty());
    }

    #[test]
    fn blocking_periodic_sync_unregisters_the_sites_periodic_tags_only() {
        let mut store = Store::open_in_memory().unwrap();
        register(&mut store, Kind::Periodic, "feed");
        register(&mut store, Kind::Sync, "outbox");
        let change = set(
            &mut store,
            2,
            ORIGIN,
            SCOPE,
            Permission::PeriodicBackgroundSync,
            Setting::Block,
        )
        .unwrap();
        assert_eq!(change.previous, Setting::Allow);
        assert_eq!(change.unregistered, ["feed"]);
        let left: Vec<_> = regs::list(store.conn(), None)
            .unwrap()
            .into_iter()
            .map(|r| r.key.tag)
            .collect();
        assert_eq!(left, ["outbox"]);
        let log: Vec<_> = background_log::list(store.conn(), None)
            .unwrap()
            .iter()
            .map(|e| e.event_name().to_owned())
            .collect();
        assert_eq!(
            log[log.len() - 2..],
            ["Permission changed", "Unregistered periodicsync"]
        );
    }

    #[test]
    fn blocking_one_off_sync_keeps_its_registrations_and_setting_it_again_logs_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        register(&mut store, Kind::Sync, "outbox");
        let p = Permission::BackgroundSync;
        set(&mut store, 2, ORIGIN, SCOPE, p, Setting::Block).unwrap();
        let again = set(&mut store, 3, ORIGIN, SCOPE, p, Setting::Block).unwrap();
        assert_eq!(again.previous, Setting::Block);
        assert_eq!(regs::list(store.conn(), None).unwrap().len(), 1);
        assert_eq!(background_log::list(store.conn(), None).unwrap().len(), 2);
        let n = Permission::Notifications;
        set(&mut store, 4, ORIGIN, SCOPE, n, Setting::Allow).unwrap();
        assert_eq!(get(store.conn(), ORIGIN, n).unwrap(), Setting::Allow);
        let last = background_log::list(store.conn(), None)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(last.service, Service::Notifications);
        assert_eq!(last.metadata["state"], "allow");
    }
}
