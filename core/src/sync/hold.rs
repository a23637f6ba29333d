//! Why a registration that is due does not fire now: the user paused everything or blocked the
//! permission, the network is down (or metered, for periodic sync), the app is not used enough for
//! periodic sync, or another periodic event of its origin fired less than the minimum ago. The
//! scheduler holds such events without touching them; `syncshell sync list` shows the reason.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::clock::Millis;
use crate::engagement::{Engagement, Level};
use crate::store::background_log::{self, LogEntry};
use crate::store::log_event::{LogEvent, Service};
use crate::store::site_settings::{self, SiteSettings};
use crate::store::sync_registrations::{self as regs, Kind, Registration};
use crate::store::{apps, engagement, host_settings, Store, StoreError};
use crate::sync::parameters::Parameters;

/// The network as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Network {
    /// Events may reach the internet.
    pub online: bool,
    /// The connection is metered (mobile data, a hotspot, or the user's override).
    pub metered: bool,
}

/// Why a registration waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason", content = "until")]
pub enum Hold {
    /// The user paused all background activity.
    Paused,
    /// The network is down.
    Offline,
    /// The site's permission for this kind is blocked.
    Blocked,
    /// Periodic sync waits for an unmetered connection (`hold_periodic_on_metered`).
    Metered,
    /// Periodic sync is suspended: the app's engagement is "none".
    Unengaged,
    /// Another periodic event of the origin fired less than the minimum ago; it may fire then.
    Spacing(Millis),
}

impl Hold {
    /// A sentence for people: why it waits, and what ends that.
    pub fn describe(self) -> String {
        match self {
            Self::Paused => "Background activity is paused.".into(),
            Self::Offline => "Waiting for the network.".into(),
            Self::Blocked => "The site's permission is blocked.".into(),
            Self::Metered => "Waiting for a connection that is not metered.".into(),
            Self::Unengaged => {
                "Suspended: the app has not been used lately; opening it resumes it.".into()
            }
            Self::Spacing(_) => "Another periodic event of this site fired recently: events of \
                 one site are kept apart."
                .into(),
        }
    }

    /// A short phrase for listings: "paused", "blocked", "spacing until ...".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paused => "paused",
            Self::Offline => "offline",
            Self::Blocked => "blocked",
            Self::Metered => "metered",
            Self::Unengaged => "not engaged",
            Self::Spacing(_) => "origin spacing",
        }
    }
}

/// What a decision needs to know about every origin, read at most once per decision, each table
/// in one query (a decision with events of a hundred origins due makes three queries, not three
/// hundred).
struct Origins {
    /// The origins with a row (the user changed something); the others have `defaults`.
    settings: HashMap<String, SiteSettings>,
    defaults: SiteSettings,
    engagement: HashMap<String, Engagement>,
    /// Origins whose last periodic event is less than the minimum gap ago.
    recent_periodic: HashMap<String, Millis>,
}

/// Answers [`Holds::of`] for many registrations with one read per table.
pub struct Holds<'c> {
    conn: &'c Connection,
    params: &'c Parameters,
    now: Millis,
    network: Network,
    paused: bool,
    /// `hold_periodic_on_metered`: the settings panel's choice, else the parameter.
    hold_metered: bool,
    origins: Option<Origins>,
}

impl<'c> Holds<'c> {
    /// Holds at `now` on `network`.
    pub fn new(
        conn: &'c Connection,
        params: &'c Parameters,
        now: Millis,
        network: Network,
    ) -> rusqlite::Result<Self> {
        Ok(Self {
            conn,
            params,
            now,
            network,
            paused: host_settings::paused(conn)?,
            hold_metered: host_settings::hold_periodic_on_metered(conn)?
                .unwrap_or(params.hold_periodic_on_metered),
            origins: None,
        })
    }

    /// Whether nothing can fire at all now (paused, offline): no need to look at registrations.
    pub fn everything(&self) -> Option<Hold> {
        if self.paused {
            Some(Hold::Paused)
        } else if !self.network.online {
            Some(Hold::Offline)
        } else {
            None
        }
    }

    fn origins(&mut self) -> rusqlite::Result<&Origins> {
        let origins = match self.origins.take() {
            Some(loaded) => loaded,
            None => {
                let since = self
                    .now
                    .saturating_sub(self.params.min_periodic_sync_events_interval);
                Origins {
                    settings: site_settings::all(self.conn)?,
                    defaults: SiteSettings::default(),
                    engagement: engagement::all(self.conn)?,
                    recent_periodic: regs::periodic_fired_since(self.conn, since)?,
                }
            }
        };
        Ok(self.origins.insert(origins))
    }

    /// The engagement level of `origin` now.
    pub fn level(&mut self, origin: &str) -> rusqlite::Result<Level> {
        let now = self.now;
        Ok(self
            .origins()?
            .engagement
            .get(origin)
            .copied()
            .unwrap_or_default()
            .level_at(now))
    }

    /// Why `r` may not fire now, or `None` if it may (when due). Origin spacing counts from the
    /// origin's last periodic event before this decision, so periodic events of one origin that
    /// are due together fire together; a retry after a failure is not spaced.
    pub fn of(&mut self, r: &Registration) -> rusqlite::Result<Option<Hold>> {
        if let Some(all) = self.everything() {
            return Ok(Some(all));
        }
        let (now, gap) = (self.now, self.params.min_periodic_sync_events_interval);
        let hold_metered = self.network.metered && self.hold_metered;
        let level = self.level(&r.origin)?;
        let o = self.origins()?;
        let settings = o.settings.get(&r.origin).unwrap_or(&o.defaults);
        let hold = match r.key.kind {
            Kind::Sync if !settings.background_sync => Some(Hold::Blocked),
            Kind::Sync => None,
            Kind::Periodic if !settings.periodic_background_sync => Some(Hold::Blocked),
            Kind::Periodic if hold_metered => Some(Hold::Metered),
            Kind::Periodic if level == Level::None => Some(Hold::Unengaged),
            // Its own last event does not space it: its interval is at least the gap.
            Kind::Periodic => o
                .recent_periodic
                .get(&r.origin)
                .filter(|last| r.last_fired_at != Some(**last))
                .map(|last| last.saturating_add(gap))
                .filter(|until| r.attempts == 0 && *until > now)
                .map(Hold::Spacing),
        };
        Ok(hold)
    }
}

/// Pauses or resumes all background activity (per-site settings are untouched) and logs it for
/// every installed app's origin, so each app's log says why nothing fired. Returns whether it
/// changed anything.
pub fn set_paused(store: &mut Store, now: Millis, paused: bool) -> Result<bool, StoreError> {
    store.transaction(|tx| {
        if host_settings::paused(tx)? == paused {
            return Ok(false);
        }
        host_settings::set_paused(tx, paused)?;
        let event = if paused {
            LogEvent::Paused
        } else {
            LogEvent::Resumed
        };
        for app in apps::list(tx)? {
            let entry = LogEntry {
                at: now,
                origin: app.origin.clone(),
                scope: app.scope.to_string(),
                service: Service::Sync,
                event: event.clone(),
                tag: String::new(),
                metadata: serde_json::json!({ "app": app.id }),
            };
            background_log::record(tx, &entry)?;
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sync_registrations::{Key, State};
    use crate::store::Store;

    const ORIGIN: &str = "http://a.test";
    const NOW: Millis = 1_700_000_000_000;
    const ONLINE: Network = Network {
        online: true,
        metered: false,
    };

    fn reg(kind: Kind) -> Registration {
        Registration {
            origin: ORIGIN.into(),
            key: Key {
                scope: format!("{ORIGIN}/"),
                kind,
                tag: "t".into(),
            },
            min_interval: 0,
            state: State::Pending,
            attempts: 0,
            delay_until: None,
            registered_at: NOW,
            last_fired_at: None,
        }
    }

    fn engaged(store: &Store) {
        engagement::record_launch(store.conn(), ORIGIN, NOW).unwrap();
    }

    fn hold(store: &Store, p: &Parameters, network: Network, r: &Registration) -> Option<Hold> {
        Holds::new(store.conn(), p, NOW, network)
            .unwrap()
            .of(r)
            .unwrap()
    }

    #[test]
    fn pause_and_offline_hold_everything() {
        let store = Store::open_in_memory().unwrap();
        let p = Parameters::default();
        engaged(&store);
        let offline = Network {
            online: false,
            metered: false,
        };
        assert_eq!(
            hold(&store, &p, offline, &reg(Kind::Sync)),
            Some(Hold::Offline)
        );
        host_settings::set_paused(store.conn(), true).unwrap();
        assert_eq!(
            hold(&store, &p, ONLINE, &reg(Kind::Sync)),
            Some(Hold::Paused)
        );
        assert_eq!(
            hold(&store, &p, ONLINE, &reg(Kind::Periodic)),
            Some(Hold::Paused)
        );
    }

    #[test]
    fn a_metered_connection_holds_periodic_sync_only_and_only_when_set_to() {
        let store = Store::open_in_memory().unwrap();
        let mut p = Parameters::default();
        engaged(&store);
        let metered = Network {
            online: true,
            metered: true,
        };
        assert_eq!(hold(&store, &p, metered, &reg(Kind::Sync)), None);
        assert_eq!(
            hold(&store, &p, metered, &reg(Kind::Periodic)),
            Some(Hold::Metered)
        );
        p.hold_periodic_on_metered = false;
        assert_eq!(hold(&store, &p, metered, &reg(Kind::Periodic)), None);
        // The settings panel's choice wins over the parameter, both ways.
        host_settings::set_hold_periodic_on_metered(store.conn(), true).unwrap();
        assert_eq!(
            hold(&store, &p, metered, &reg(Kind::Periodic)),
            Some(Hold::Metered)
        );
        p.hold_periodic_on_metered = true;
        host_settings::set_hold_periodic_on_metered(store.conn(), false).unwrap();
        assert_eq!(hold(&store, &p, metered, &reg(Kind::Periodic)), None);
    }

    #[test]
    fn a_blocked_permission_holds_its_kind() {
        let store = Store::open_in_memory().unwrap();
        let p = Parameters::default();
        engaged(&store);
        let blocked = SiteSettings {
            background_sync: false,
            ..SiteSettings::default()
        };
        site_settings::set(store.conn(), ORIGIN, &blocked).unwrap();
        assert_eq!(
            hold(&store, &p, ONLINE, &reg(Kind::Sync)),
            Some(Hold::Blocked)
        );
        assert_eq!(hold(&store, &p, ONLINE, &reg(Kind::Periodic)), None);
    }

    #[test]
    fn an_unused_app_has_periodic_sync_suspended() {
        let store = Store::open_in_memory().unwrap();
        let p = Parameters::default();
        assert_eq!(
            hold(&store, &p, ONLINE, &reg(Kind::Periodic)),
            Some(Hold::Unengaged)
        );
        assert_eq!(hold(&store, &p, ONLINE, &reg(Kind::Sync)), None);
    }

    #[test]
    fn periodic_events_of_an_origin_are_spaced_except_retries() {
        let store = Store::open_in_memory().unwrap();
        let p = Parameters::default();
        engaged(&store);
        let mut fired = reg(Kind::Periodic);
        fired.key.tag = "other".into();
        fired.last_fired_at = Some(NOW - 1_000);
        regs::put(store.conn(), &fired).unwrap();
        let until = NOW - 1_000 + p.min_periodic_sync_events_interval;
        assert_eq!(
            hold(&store, &p, ONLINE, &reg(Kind::Periodic)),
            Some(Hold::Spacing(until))
        );
        let retry = Registration {
            attempts: 1,
            ..reg(Kind::Periodic)
        };
        assert_eq!(hold(&store, &p, ONLINE, &retry), None);
        assert_eq!(hold(&store, &p, ONLINE, &reg(Kind::Sync)), None);
    }
}
