//! The scheduler loop: asks the rules what is due and when to look again, hands due events to
//! the dispatcher, and sleeps until then or until something changes. No polling.

use std::sync::Arc;
use std::time::Duration;

use syncshell_core::store::background_log;
use syncshell_core::sync::rules;
use tauri::AppHandle;

use super::{dispatcher, SyncHost};

/// Runs for the host's life.
pub async fn run(sync: Arc<SyncHost>, handle: AppHandle) {
    let now = sync.ctx.clock.now_ms();
    match rules::recover(&mut sync.ctx.store(), &sync.params, now) {
        Ok(0) => {}
        Ok(n) => eprintln!("syncshell: {n} background event(s) were cut short by the last exit; they will be retried"),
        Err(e) => eprintln!("syncshell: cannot recover interrupted events: {e}"),
    }
    loop {
        let now = sync.ctx.clock.now_ms();
        let _ = background_log::purge(sync.ctx.store().conn(), now, sync.params.log_retention);
        // "Online" is checked right before dispatch, not only when the wake-up was planned.
        let online = sync.network.is_online();
        let planned = rules::plan(&sync.ctx.store(), now, online);
        let next = match planned {
            Ok((due, next)) => {
                for registration in due {
                    let started = rules::begin_firing(
                        &mut sync.ctx.store(),
                        &sync.params,
                        now,
                        &registration.key,
                    );
                    match started {
                        Ok(Some(dispatch)) => {
                            tauri::async_runtime::spawn(dispatcher::dispatch(
                                sync.clone(),
                                handle.clone(),
                                dispatch,
                            ));
                        }
                        Ok(None) => {}
                        Err(e) => eprintln!("syncshell: cannot start an event: {e}"),
                    }
                }
                next
            }
            Err(e) => {
                eprintln!("syncshell: scheduler cannot read the store: {e}");
                Some(now + 60_000)
            }
        };
        let notified = sync.wake.notified();
        match next {
            Some(at) => {
                let wait =
                    Duration::from_millis(at.saturating_sub(sync.ctx.clock.now_ms()).max(0) as u64);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = notified => {}
                }
            }
            None => notified.await,
        }
    }
}
