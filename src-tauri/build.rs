//! Declares the app and panel commands so tauri-build generates their `allow-*` permissions; the
//! host grants them at run time: the app commands to each installed app's own origin only, the
//! panel's to the settings window only.

include!("src/bridge_commands.rs");
include!("src/panel_commands.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/bridge_commands.rs");
    println!("cargo:rerun-if-changed=src/panel_commands.rs");
    println!("cargo:rerun-if-changed=../web/bridge/sync-api.js");
    println!("cargo:rerun-if-changed=../web/bridge/page.js");
    println!("cargo:rerun-if-changed=../web/bridge/worker-shim.js");
    // tauri-build wants one 'static list: the two lists joined, leaked once per build.
    let commands: Vec<&'static str> = BRIDGE_COMMANDS
        .iter()
        .chain(PANEL_COMMANDS)
        .copied()
        .collect();
    let manifest = tauri_build::AppManifest::new().commands(commands.leak());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build");
}
