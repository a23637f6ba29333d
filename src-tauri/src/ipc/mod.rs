//! The page bridge's Tauri commands. Granted at run time to each app's own origin only (see
//! `bridge_commands.rs` and `windows/grant.rs`); the caller's origin is read from its webview and
//! must be the origin of the app that owns the window. Every command is async and does its store
//! work off the GTK main thread: a plain command would run on it and stall every window.
//!
//! | file | concept |
//! |---|---|
//! | `caller.rs` | who is calling: the window's app and the page's origin |
//! | `error.rs` | the IPC boundary's error, sent to JavaScript as `{name, message}` |
//! | `sync_commands.rs` | `SyncManager`, `PeriodicSyncManager`, `permissions.query`, bridge state, event outcomes |
//! | `notification_commands.rs` | `Notification`, `showNotification` from pages, `requestPermission`, focus |

pub mod caller;
pub mod error;
pub mod notification_commands;
pub mod sync_commands;
