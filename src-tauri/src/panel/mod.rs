//! The settings panel's side among the windows: its commands (granted to the settings window
//! alone, see `windows/settings.rs`), carried to the resident, and the events that keep an open
//! panel live.
//!
//! | file | what |
//! |---|---|
//! | `commands.rs` | the Tauri commands, each checking it is called from the settings window |
//! | `events.rs` | the resident's panel events, passed to the settings window |

pub mod commands;
pub mod events;
