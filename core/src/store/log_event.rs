//! The events of the background-services log, named as Chrome DevTools' Background Services panel
//! names them. The names are stored as text in `background_log.event`, printed by `syncshell log`
//! and matched by the end-to-end tests, so each one is written out exactly once, here.

use serde::Serialize;

use crate::store::sync_registrations::Kind;

/// The background service an entry belongs to, as DevTools groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// One-off Background Sync.
    Sync,
    /// Periodic Background Sync.
    #[serde(rename = "periodicsync")]
    PeriodicSync,
    /// Notifications: shown, clicked, closed, and their permission.
    Notifications,
}

impl Service {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::PeriodicSync => "periodicsync",
            Self::Notifications => "notifications",
        }
    }

    /// The service a stored name stands for (the store writes only these three).
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "periodicsync" => Self::PeriodicSync,
            "notifications" => Self::Notifications,
            _ => Self::Sync,
        }
    }
}

impl From<Kind> for Service {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Sync => Self::Sync,
            Kind::Periodic => Self::PeriodicSync,
        }
    }
}

/// Something that happened to a background service of a site. Its name depends on the service
/// it happened to: see [`LogEvent::name`].
///
/// Non-exhaustive: events of other kinds (a permission changed, a notification shown) are expected
/// to join, so code outside this crate matching on it keeps a catch-all arm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogEvent {
    /// A registration was made, or a periodic one's interval updated.
    Registered,
    /// A one-off registration was made again while its event ran; it fires once more.
    Reregistered,
    /// A periodic registration was removed.
    Unregistered,
    /// An event was sent to the service worker.
    Dispatched,
    /// The worker's event promise resolved.
    Completed,
    /// The event failed (rejected, timed out, or could not be delivered).
    Failed,
    /// A one-off registration failed its last attempt and is gone.
    Dropped,
    /// The host stopped while an event ran; the registration waits for the recovery delay.
    Interrupted,
    /// A periodic registration's next event was scheduled (metadata: the delay).
    NextEventDelay,
    /// The user changed the site's permission for this service (metadata: permission, state).
    PermissionChanged,
    /// The user paused all background activity.
    Paused,
    /// The user resumed background activity.
    Resumed,
    /// A notification was shown on the desktop.
    NotificationDisplayed,
    /// The user clicked a notification (metadata: the action).
    NotificationClicked,
    /// A notification was closed (metadata: by whom).
    NotificationClosed,
    /// A notification could not be shown (metadata: why).
    NotificationFailed,
    /// A name this version does not know, read from a log written by a newer one. Kept verbatim so
    /// that listing never fails and prints it as it was written.
    Other(String),
}

impl LogEvent {
    /// Every event this version writes, for reading names back.
    const KNOWN: [Self; 16] = [
        Self::Registered,
        Self::Reregistered,
        Self::Unregistered,
        Self::Dispatched,
        Self::Completed,
        Self::Failed,
        Self::Dropped,
        Self::Interrupted,
        Self::NextEventDelay,
        Self::PermissionChanged,
        Self::Paused,
        Self::Resumed,
        Self::NotificationDisplayed,
        Self::NotificationClicked,
        Self::NotificationClosed,
        Self::NotificationFailed,
    ];

    /// The stored and printed name of this event for `service`, e.g. "Registered sync",
    /// "Dispatched periodicsync event", "sync event failed".
    pub fn name(&self, service: Service) -> &str {
        use Service::{Notifications, PeriodicSync as Periodic, Sync};
        match (self, service) {
            (Self::Registered, Sync) => "Registered sync",
            (Self::Registered, Periodic) => "Registered periodicsync",
            // Only one-off registrations are re-registered while firing; the periodic name is
            // there so that every event has one for each service.
            (Self::Reregistered, Sync) => "Sync event reregistered",
            (Self::Reregistered, Periodic) => "Periodicsync event reregistered",
            (Self::Unregistered, Sync) => "Unregistered sync",
            (Self::Unregistered, Periodic) => "Unregistered periodicsync",
            (Self::Dispatched, Sync) => "Dispatched sync event",
            (Self::Dispatched, Periodic) => "Dispatched periodicsync event",
            (Self::Completed, Sync) => "sync event completed",
            (Self::Completed, Periodic) => "periodicsync event completed",
            (Self::Failed, Sync) => "sync event failed",
            (Self::Failed, Periodic) => "periodicsync event failed",
            (Self::Dropped, _) => "Registration dropped after the last attempt",
            (Self::Interrupted, _) => "Event interrupted; will retry after recovery delay",
            (Self::NextEventDelay, _) => "Got next event delay",
            (Self::PermissionChanged, _) => "Permission changed",
            (Self::Paused, _) => "Background activity paused",
            (Self::Resumed, _) => "Background activity resumed",
            (Self::NotificationDisplayed, _) => "Notification displayed",
            (Self::NotificationClicked, _) => "Notification clicked",
            (Self::NotificationClosed, _) => "Notification closed",
            (Self::NotificationFailed, _) => "Notification failed",
            (Self::Other(name), _) => name,
            // Registration events do not happen to notifications.
            (_, Notifications) => "Notification event",
        }
    }

    /// The event `name` stands for in a `service` entry: the inverse of [`LogEvent::name`]. A name
    /// this version does not write is [`LogEvent::Other`].
    pub fn parse(name: &str, service: Service) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|event| event.name(service) == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names as the log has always written them.
    const NAMES: [(LogEvent, Kind, &str); 16] = [
        (LogEvent::Registered, Kind::Sync, "Registered sync"),
        (
            LogEvent::Registered,
            Kind::Periodic,
            "Registered periodicsync",
        ),
        (
            LogEvent::Reregistered,
            Kind::Sync,
            "Sync event reregistered",
        ),
        (
            LogEvent::Reregistered,
            Kind::Periodic,
            "Periodicsync event reregistered",
        ),
        (LogEvent::Unregistered, Kind::Sync, "Unregistered sync"),
        (
            LogEvent::Unregistered,
            Kind::Periodic,
            "Unregistered periodicsync",
        ),
        (LogEvent::Dispatched, Kind::Sync, "Dispatched sync event"),
        (
            LogEvent::Dispatched,
            Kind::Periodic,
            "Dispatched periodicsync event",
        ),
        (LogEvent::Completed, Kind::Sync, "sync event completed"),
        (
            LogEvent::Completed,
            Kind::Periodic,
            "periodicsync event completed",
        ),
        (LogEvent::Failed, Kind::Sync, "sync event failed"),
        (
            LogEvent::Failed,
            Kind::Periodic,
            "periodicsync event failed",
        ),
        (
            LogEvent::Dropped,
            Kind::Sync,
            "Registration dropped after the last attempt",
        ),
        (
            LogEvent::Dropped,
            Kind::Periodic,
            "Registration dropped after the last attempt",
        ),
        (
            LogEvent::Interrupted,
            Kind::Sync,
            "Event interrupted; will retry after recovery delay",
        ),
        (
            LogEvent::Interrupted,
            Kind::Periodic,
            "Event interrupted; will retry after recovery delay",
        ),
    ];

    #[test]
    fn every_event_has_its_devtools_name_for_each_service_and_reads_back() {
        for (event, service, name) in NAMES {
            assert_eq!(event.name(service.into()), name);
            assert_eq!(LogEvent::parse(name, service.into()), event, "{name}");
        }
    }

    #[test]
    fn host_events_have_one_name_for_every_service() {
        for service in [Service::Sync, Service::PeriodicSync, Service::Notifications] {
            for (event, name) in [
                (LogEvent::NextEventDelay, "Got next event delay"),
                (LogEvent::PermissionChanged, "Permission changed"),
                (LogEvent::Paused, "Background activity paused"),
                (LogEvent::Resumed, "Background activity resumed"),
                (LogEvent::NotificationDisplayed, "Notification displayed"),
                (LogEvent::NotificationClicked, "Notification clicked"),
                (LogEvent::NotificationClosed, "Notification closed"),
                (LogEvent::NotificationFailed, "Notification failed"),
            ] {
                assert_eq!(event.name(service), name);
                assert_eq!(LogEvent::parse(name, service), event);
            }
        }
        assert_eq!(Service::parse("notifications"), Service::Notifications);
    }

    #[test]
    fn a_name_from_a_newer_version_is_kept_as_it_was_written() {
        let event = LogEvent::parse("Notification shown", Service::Sync);
        assert_eq!(event, LogEvent::Other("Notification shown".into()));
        assert_eq!(event.name(Service::Sync), "Notification shown");
        // A known name under the other service is not that event either.
        assert_eq!(
            LogEvent::parse("Registered sync", Service::PeriodicSync),
            LogEvent::Other("Registered sync".into())
        );
    }
}
