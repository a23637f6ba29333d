//! The tray icon and its menu: each app's Open, and Quit. The host lives here when no window is open.

use std::sync::Arc;

use syncshell_core::store::apps::{self, App};
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::AppHandle;

use crate::context::Context;

/// What a click on "Open <app>" does with the app's id; the host passes it down, so the tray
/// never calls up into the host.
pub type OpenApp = Arc<dyn Fn(String) + Send + Sync>;

const TRAY_ID: &str = "syncshell";
const QUIT: &str = "quit";
const OPEN_PREFIX: &str = "open:";

/// Creates the tray icon with a menu of the installed apps; "Open" items call `open`.
pub fn create(handle: &AppHandle, ctx: &Context, open: OpenApp) -> tauri::Result<()> {
    let menu = build_menu(handle, &installed(ctx))?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("syncshell")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |handle, event| on_menu_event(handle, &open, event));
    if let Some(icon) = handle.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(handle)?;
    Ok(())
}

/// Rebuilds the menu after apps were installed or removed.
pub fn refresh(handle: &AppHandle, ctx: &Context) {
    let Some(tray) = handle.tray_by_id(TRAY_ID) else {
        return;
    };
    match build_menu(handle, &installed(ctx)) {
        Ok(menu) => {
            if let Err(e) = tray.set_menu(Some(menu)) {
                eprintln!("syncshell: cannot update the tray menu: {e}");
            }
        }
        Err(e) => eprintln!("syncshell: cannot build the tray menu: {e}"),
    }
}

fn installed(ctx: &Context) -> Vec<App> {
    apps::list(ctx.store().conn()).unwrap_or_else(|e| {
        eprintln!("syncshell: cannot list apps for the tray: {e}");
        Vec::new()
    })
}

fn build_menu(handle: &AppHandle, apps: &[App]) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(handle)?;
    if apps.is_empty() {
        menu.append(&MenuItem::with_id(
            handle,
            "none",
            "No apps installed",
            false,
            None::<&str>,
        )?)?;
    }
    for app in apps {
        let item = MenuItem::with_id(
            handle,
            format!("{OPEN_PREFIX}{}", app.id),
            format!("Open {}", app.name),
            true,
            None::<&str>,
        )?;
        menu.append(&item)?;
    }
    menu.append(&PredefinedMenuItem::separator(handle)?)?;
    menu.append(&MenuItem::with_id(
        handle,
        QUIT,
        "Quit syncshell",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

fn on_menu_event(handle: &AppHandle, open: &OpenApp, event: MenuEvent) {
    let id = event.id().as_ref();
    if id == QUIT {
        handle.exit(0);
    } else if let Some(app_id) = id.strip_prefix(OPEN_PREFIX) {
        // Menu events arrive on the main thread: `open` only starts the work elsewhere.
        open(app_id.to_owned());
    }
}
