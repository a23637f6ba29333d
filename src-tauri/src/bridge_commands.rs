// The page bridge's commands: build.rs generates their `allow-*` permissions from this list, and
// the host grants exactly these to each app's origin. One list, so the two cannot drift apart.
// (Included by build.rs with `include!`, hence no `//!` inner doc comment.)

/// Commands app pages (the page bridge) may call, each granted per app origin.
pub const BRIDGE_COMMANDS: &[&str] = &[
    "sync_register",
    "sync_get_tags",
    "periodic_register",
    "periodic_get_tags",
    "periodic_unregister",
    "permission_state",
    "bridge_state",
    "sync_result",
    "show_notification",
    "get_notifications",
    "close_notification",
    "focus_window",
    "request_notification_permission",
];
