//! `syncshell-windows`, the window process: Tauri, GTK and WebKit for the app windows, the
//! hidden dispatch windows and the settings panel, and the IPC of their pages. The resident
//! (`syncshell-resident`, the `syncshell-host` binary) starts it while a window is needed and
//! holds everything else; the two speak over a link (`agent.rs`).

mod agent;
mod bridge_commands;
mod compositing;
mod ipc;
mod panel;
mod panel_commands;
mod process;
mod windows;

pub use process::run;
