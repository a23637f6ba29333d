//! The settings panel's side in the resident: its commands (forwarded by the window side, which
//! lets only the settings window send them), the state it shows, and the events that keep an
//! open panel live.
//!
//! | file | what |
//! |---|---|
//! | `calls.rs` | [`calls::PanelCall`]: each command, carried out by the host |
//! | `state.rs` | what the panel shows: apps, permissions, switches, network, parameters |
//! | `events.rs` | store, network and window changes and install progress, for the settings window |
//! | `error.rs` | [`PanelError`], and [`PanelFailure`]: what the panel is told when a command fails |

pub mod calls;
mod error;
pub mod events;
pub mod state;

pub use error::{PanelError, PanelFailure};
