//! Timestamps of the cold path's steps (the network back, a hidden window opened or woken, its
//! dispatch page loaded, the event sent and answered) on stderr, for the comparison benchmark's
//! breakdown of "back online to the POST" (issue 14), and of the host's start (GTK, WebKit and
//! Tauri set up), for the resident design's figures. Off unless `SYNCSHELL_TIMING=1`, read once.
//! Each line: `syncshell: timing <ms since the Unix epoch, to the µs> <step> <app>`.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// Notes that `step` happened now, for `app` (an app id or a window label; "-" when it is no
/// app's). Formats nothing when timing is off.
pub fn mark(step: &str, app: impl std::fmt::Display) {
    static ON: OnceLock<bool> = OnceLock::new();
    if !*ON.get_or_init(|| std::env::var("SYNCSHELL_TIMING").as_deref() == Ok("1")) {
        return;
    }
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    eprintln!("syncshell: timing {ms:.3} {step} {app}");
}
