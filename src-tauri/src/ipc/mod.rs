//! The page bridge's Tauri commands. Granted at run time to each app's own origin only (see
//! `bridge_commands.rs` and `windows/grant.rs`); the caller's origin is read from its webview and
//! carried with the call to the resident, which checks it is the origin of the app that owns the
//! window and answers. Every command is async and waits off the GTK main thread: a plain command
//! would run on it and stall every window.
//!
//! | file | concept |
//! |---|---|
//! | `caller.rs` | who is calling (the window, the page's origin), and the call carried to the resident |
//! | `error.rs` | the IPC boundary's error, sent to JavaScript as `{name, message}` |
//! | `sync_commands.rs` | `SyncManager`, `PeriodicSyncManager`, `permissions.query`, bridge state, event outcomes |
//! | `notification_commands.rs` | `Notification`, `showNotification` from pages, `requestPermission`, focus |

pub mod caller;
pub mod error;
pub mod notification_commands;
pub mod sync_commands;
