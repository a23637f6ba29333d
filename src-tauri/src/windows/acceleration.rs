//! Accelerated compositing in app windows: on or off as `hardware_acceleration` says, with
//! `auto` off where the machine has no GPU.
//!
//! Without a GPU, Mesa emulates one on the CPU (llvmpipe) inside every web process: measured under
//! Xvfb, an app window's web process holds 172 MiB PSS composited and 108 MiB not, for the same
//! page, and WebGL still works (a test draws and reads back a pixel). With a GPU, compositing
//! is WebKit's default and its memory is the GPU's.

use tauri::WebviewWindow;

use super::WindowError;

/// Whether this machine has a GPU WebKit could use: a DRM render node.
pub fn gpu_present() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Turns accelerated compositing off in `window`'s web view (left as WebKit has it when
/// `enabled`). Set before the app's page loads where it can be (an https app's first page is
/// blank), and at once otherwise: WebKit applies it to the page being loaded.
pub fn apply(window: &WebviewWindow, enabled: bool) -> Result<(), WindowError> {
    if enabled {
        return Ok(());
    }
    window
        .with_webview(|platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::{SettingsExt, WebViewExt};
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            if let Some(settings) = WebViewExt::settings(&webview) {
                settings.set_hardware_acceleration_policy(
                    webkit2gtk::HardwareAccelerationPolicy::Never,
                );
            }
        })
        .map_err(|source| WindowError::Webview {
            what: "hardware acceleration",
            source,
        })
}
