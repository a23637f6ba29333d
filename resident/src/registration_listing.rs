//! Background sync registrations as the CLI (`syncshell sync list`) and the settings panel list
//! them: what is stored, for periodic ones the cadence the scheduler would use now, and why a due
//! one would not fire now.

use syncshell_core::clock::Millis;
use syncshell_core::engagement::Level;
use syncshell_core::store::sync_registrations::{self, Kind, Registration};
use syncshell_core::store::StoreError;
use syncshell_core::sync::hold::{self, Hold, Holds};
use syncshell_core::sync::parameters::Parameters;
use syncshell_core::sync::rules;

use crate::context::Context;

/// One registration, listed.
#[derive(Debug, Clone)]
pub struct Listed {
    /// As stored.
    pub registration: Registration,
    /// Periodic: the interval the scheduler uses now (the app's `minInterval` scaled by its
    /// engagement, never under the minimum).
    pub effective_interval: Option<Millis>,
    /// Periodic: the origin's engagement level now.
    pub engagement: Option<Level>,
    /// Why it would not fire now, if due.
    pub held: Option<Hold>,
}

/// The registrations of `origin` (all when `None`), as the scheduler sees them now with `params`
/// on `network`.
pub fn list(
    ctx: &Context,
    params: &Parameters,
    network: hold::Network,
    origin: Option<&str>,
) -> Result<Vec<Listed>, StoreError> {
    let store = ctx.store();
    let registrations = sync_registrations::list(store.conn(), origin)?;
    let now = ctx.clock.now_ms();
    let mut holds = Holds::new(store.conn(), params, now, network)?;
    registrations
        .into_iter()
        .map(|registration| -> Result<Listed, StoreError> {
            let (effective_interval, engagement) = match registration.key.kind {
                Kind::Periodic => {
                    let level = holds.level(&registration.origin)?;
                    (
                        Some(rules::effective_interval(params, &registration, level)),
                        Some(level),
                    )
                }
                Kind::Sync => (None, None),
            };
            let held = holds.of(&registration)?;
            Ok(Listed {
                registration,
                effective_interval,
                engagement,
                held,
            })
        })
        .collect()
}
