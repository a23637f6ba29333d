//! The parts of the syncshell host that need no GTK or WebKit: the store's context, background
//! sync's state, scheduler and dispatcher, the proxy's policy, notifications on the session bus,
//! the tray, the control socket and the requests they carry. The window side (`syncshell`, with
//! Tauri) implements [`desktop::Desktop`] and reports through [`desktop::WindowReports`]; this
//! crate never links GTK, so a process built on it alone holds none of its pages
//! (`docs/resident-design.md`).

pub mod browser;
pub mod changes;
pub mod commands;
pub mod context;
pub mod control;
pub mod demo;
pub mod desktop;
pub mod doctor;
pub mod host;
pub mod label;
pub mod link;
pub mod notification_routing;
pub mod notify;
pub mod open_files;
pub mod page_calls;
pub mod panel;
pub mod permission_commands;
pub mod proxy_policy;
pub mod registration_listing;
pub mod run;
pub mod serve;
pub mod sync;
pub mod timing;
pub mod tray;
