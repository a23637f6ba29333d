//! The syncshell host's resident (`syncshell-host`) and everything that needs no GTK or WebKit:
//! the store's context, background sync's state, scheduler and dispatcher, the proxy's policy,
//! notifications on the session bus, the tray, the control socket and the requests they carry,
//! the settings panel's commands. Windows live in another process (`syncshell-windows`, the
//! `syncshell` package), which this one starts while a window is needed and reaches through
//! [`desktop::Desktop`] over a link ([`link`]); this crate never links GTK, so the resident holds
//! none of its pages (`docs/resident-design.md`).

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
