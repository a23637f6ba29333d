//! syncshell's core: everything that does not need a window. The store and its migrations, web app
//! manifest processing, installing and uninstalling apps, and the injected clock. No Tauri here,
//! so all of it is testable without a display.

pub mod app_id;
pub mod clock;
pub mod css_color;
pub mod engagement;
pub mod fetch;
pub mod html;
pub mod icon;
pub mod install;
pub mod launcher;
pub mod manifest;
pub mod markup;
pub mod notification;
pub mod origin;
pub mod paths;
pub mod permission;
pub mod store;
pub mod sync;
pub mod terminal_text;
pub mod uninstall;
