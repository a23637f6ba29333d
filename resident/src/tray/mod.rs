//! The tray: a StatusNotifierItem (KDE, GNOME with the AppIndicator extension, XFCE, Cinnamon...)
//! served by ksni on its own D-Bus connection, no GTK involved. It shows the store (apps, their
//! switches, the pause, waiting syncs) and follows the store's change feed, so a change made
//! anywhere shows at once. The host lives here when no window is open.
//!
//! | file | what |
//! |---|---|
//! | `model.rs` | what the tray shows, read from the store |
//! | `item.rs` | the item and its menu, and the actions its clicks ask for |
//! | `icon.rs` | the icon's pixmaps: normal, paused, syncs waiting |

mod icon;
mod item;
mod model;

use std::sync::Arc;

use ksni::TrayMethods;
use syncshell_core::store::changes::Table;
use tokio::sync::broadcast;

use crate::changes::Changed;
use crate::context::Context;
pub use icon::Rgba;
use icon::TrayIcons;
use item::Item;
pub use item::{TrayAction, TrayActions};
use model::TrayModel;

/// The tables the tray shows something of.
const SHOWN: [Table; 4] = [
    Table::Apps,
    Table::SiteSettings,
    Table::HostSettings,
    Table::SyncRegistrations,
];

/// Starts the tray: `icon` is syncshell's own (drawn in three looks), `changes` the store's
/// change feed, `actions` what its clicks do. With no StatusNotifierWatcher on the bus yet
/// (the desktop's panel starts after the host at login), the item waits and registers as soon
/// as one appears, and again whenever one comes back.
pub fn spawn(
    ctx: Arc<Context>,
    mut changes: broadcast::Receiver<Changed>,
    icon: Option<Rgba>,
    actions: TrayActions,
) {
    tokio::spawn(async move {
        let icons = icon.as_ref().map(TrayIcons::from_rgba).unwrap_or_default();
        let item = Item::new(TrayModel::load(&ctx.store()), icons, actions);
        let handle = match item.assume_sni_available(true).spawn().await {
            Ok(handle) => handle,
            Err(e) => {
                eprintln!("syncshell: no tray icon: {e}");
                return;
            }
        };
        loop {
            match changes.recv().await {
                Ok(changed) if !SHOWN.iter().any(|t| changed.tables.contains(*t)) => continue,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
            let model = TrayModel::load(&ctx.store());
            if handle
                .update(move |item| item.model = model)
                .await
                .is_none()
            {
                break;
            }
        }
    });
}
