//! Declares the app commands so tauri-build generates their `allow-*` permissions; the host
//! grants them at run time to each installed app's own origin only.

/// Commands app pages (the page bridge) may call, each granted per app origin.
const APP_COMMANDS: &[&str] = &[
    "sync_register",
    "sync_get_tags",
    "periodic_register",
    "periodic_get_tags",
    "periodic_unregister",
    "permission_state",
    "sync_result",
];

fn main() {
    println!("cargo:rerun-if-changed=../web/bridge/page.js");
    println!("cargo:rerun-if-changed=../web/bridge/worker-shim.js");
    let manifest = tauri_build::AppManifest::new().commands(APP_COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build");
}
