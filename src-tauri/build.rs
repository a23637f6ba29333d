//! Declares the app commands so tauri-build generates their `allow-*` permissions; the host
//! grants them at run time to each installed app's own origin only.

include!("src/bridge_commands.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/bridge_commands.rs");
    println!("cargo:rerun-if-changed=../web/bridge/sync-api.js");
    println!("cargo:rerun-if-changed=../web/bridge/page.js");
    println!("cargo:rerun-if-changed=../web/bridge/worker-shim.js");
    let manifest = tauri_build::AppManifest::new().commands(BRIDGE_COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build");
}
