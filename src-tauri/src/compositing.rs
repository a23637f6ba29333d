//! WebKit's accelerated compositing for the host's web views: on or off as
//! `hardware_acceleration` says, with `auto` off where the machine has no GPU.
//!
//! Without a GPU, Mesa emulates one on the CPU (llvmpipe) inside every web process: measured
//! under Xvfb, an app window's web process holds 172 MiB PSS composited and 100 MiB not, for the
//! same page, and WebGL still works (a test draws and reads back a pixel). With a GPU,
//! compositing is WebKit's default and its memory is the GPU's.
//!
//! It is switched off for the whole process, through WebKit's `WEBKIT_DISABLE_COMPOSITING_MODE`,
//! rather than in each web view's settings: a setting changed on a web view reaches its page
//! after the page has started, and under load WebKit had sometimes drawn a composited frame by
//! then and kept its buffers (measured in CI: 141 MiB where 106 was expected). The variable is
//! read before the first page exists.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use syncshell_core::sync::parameters::HardwareAcceleration;

/// WebKitGTK's switch: any value but `0` turns compositing off in every web view of the process.
const DISABLE_VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether [`set_for_process`] added [`DISABLE_VAR`] (rather than the user's environment having
/// it already).
static SET_HERE: AtomicBool = AtomicBool::new(false);

/// Whether this machine has a GPU WebKit could use: a DRM render node.
pub fn gpu_present() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Turns compositing off for every web view this process will make, where `setting` says so on
/// this machine; a value the user's environment already gives the variable is left as it is.
/// Call it before the process starts any thread (it changes the environment, which other threads
/// may be reading) and before the first web view.
pub fn set_for_process(setting: HardwareAcceleration) {
    if setting.enabled(gpu_present()) || std::env::var_os(DISABLE_VAR).is_some() {
        return;
    }
    std::env::set_var(DISABLE_VAR, "1");
    SET_HERE.store(true, Ordering::Relaxed);
}

/// Leaves the variable [`set_for_process`] added out of `cmd`'s environment: a program the host
/// starts for the user (their browser, which may be a WebKit one) is not the host's to tune.
pub fn leave_out_of(cmd: &mut Command) {
    if SET_HERE.load(Ordering::Relaxed) {
        cmd.env_remove(DISABLE_VAR);
    }
}
