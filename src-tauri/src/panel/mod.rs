//! The settings panel's side in the host: its commands (granted to the settings window alone,
//! see `windows/settings.rs`), the state it shows, and the events that keep an open panel live.
//!
//! | file | what |
//! |---|---|
//! | `commands.rs` | the Tauri commands, each checking it is called from the settings window |
//! | `state.rs` | what the panel shows: apps, permissions, switches, network, parameters |
//! | `events.rs` | store and network changes and install progress, pushed to the settings window |
//! | `error.rs` | [`PanelError`]: what the panel is told when a command fails |

pub mod commands;
mod error;
pub mod events;
mod state;

pub use error::PanelError;
