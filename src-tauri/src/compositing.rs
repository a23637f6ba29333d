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
//!
//! With compositing off, nothing in the window process draws with OpenGL, so GDK's OpenGL is
//! turned off too (`GDK_GL=disable`): on X11, GDK otherwise opens OpenGL at start to choose its
//! visuals, and without a GPU that loads Mesa's CPU renderer and LLVM. (Measured when the host
//! was one process, idle with 20 apps: RSS 123 MB with it, 72 MB without. The window process
//! always makes a web view, and WebKit then loads Mesa anyway; the idle cost is gone with the
//! resident split, `docs/resident-design.md`.)

use syncshell_core::sync::parameters::HardwareAcceleration;

/// The switches, and the value that turns each off: WebKitGTK's compositing (any value but `0`),
/// GDK's OpenGL.
const SWITCHES: [(&str, &str); 2] = [
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("GDK_GL", "disable"),
];

/// Whether this machine has a GPU WebKit could use: a DRM render node.
pub fn gpu_present() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Turns compositing (and GDK's OpenGL) off for this process, where `setting` says so on this
/// machine; a value the user's environment already gives a variable is left as it is, and one
/// set here is kept out of the user's browser when the host starts it. Call it
/// before GTK, Tauri and the runtimes start their threads (it changes the environment, which
/// other threads may be reading) and before GTK starts.
pub fn set_for_process(setting: HardwareAcceleration) {
    if setting.enabled(gpu_present()) {
        return;
    }
    for (name, off) in SWITCHES {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, off);
            syncshell_resident::browser::withhold_from_browser(name);
        }
    }
}
