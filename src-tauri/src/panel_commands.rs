// The settings panel's commands: build.rs generates their `allow-*` permissions from this list,
// and the host grants exactly these to the settings window, and to nothing else. (Included by
// build.rs with `include!`, hence no `//!` inner doc comment.)

/// Commands the settings panel (the local "settings" window) may call.
pub const PANEL_COMMANDS: &[&str] = &[
    "panel_state",
    "panel_app_icon",
    "panel_set_permission",
    "panel_set_paused",
];
