// The settings panel's commands: build.rs generates their `allow-*` permissions from this list,
// and the host grants exactly these to the settings window, and to nothing else. (Included by
// build.rs with `include!`, hence no `//!` inner doc comment.)

/// Commands the settings panel (the local "settings" window) may call.
pub const PANEL_COMMANDS: &[&str] = &[
    "panel_state",
    "panel_app_icon",
    "panel_set_permission",
    "panel_set_paused",
    "panel_set_autostart",
    "panel_set_metered_hold",
    "panel_set_network",
    "panel_open_app",
    "panel_uninstall",
    "panel_install",
    "panel_registrations",
    "panel_fire",
    "panel_log",
    "panel_clear_log",
    "panel_save_log",
];
