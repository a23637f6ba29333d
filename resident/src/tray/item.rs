//! The StatusNotifierItem and its dbusmenu, drawn from a [`TrayModel`]: per app a submenu with
//! "Open", "Background sync" and "Notifications", then "Pause background activity",
//! "Settings…" and "Quit syncshell". A click is passed on as a [`TrayAction`]; a check mark is
//! never flipped here: it changes when the stored state does (the host stores the request, the
//! store's change feed brings the new model).

use std::sync::Arc;

use ksni::menu::{CheckmarkItem, StandardItem, SubMenu};
use ksni::{MenuItem, Status, ToolTip};

use super::icon::TrayIcons;
use super::model::{Look, TrayModel};

/// What the user asked for in the tray.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    /// Open (or raise) the app's window.
    Open(String),
    /// Turn the app's background sync (both sync permissions) on or off.
    BackgroundSync {
        /// The app's id.
        app: String,
        /// On (allow) or off (block).
        on: bool,
    },
    /// Turn the app's notifications on (allow) or off (block).
    Notifications {
        /// The app's id.
        app: String,
        /// On or off.
        on: bool,
    },
    /// Pause or resume background activity for every app.
    Pause(bool),
    /// Open (or raise) the settings panel; also a click on the icon itself.
    Settings,
    /// End the host.
    Quit,
}

/// Carries out a [`TrayAction`]; the host passes it down. It is called on the tray's D-Bus task
/// and must return at once (start the work elsewhere).
pub type TrayActions = Arc<dyn Fn(TrayAction) + Send + Sync>;

/// The tray item as ksni serves it.
pub struct Item {
    /// What it shows.
    pub model: TrayModel,
    icons: TrayIcons,
    actions: TrayActions,
}

impl Item {
    /// An item showing `model` with `icons`, passing clicks to `actions`.
    pub fn new(model: TrayModel, icons: TrayIcons, actions: TrayActions) -> Self {
        Self {
            model,
            icons,
            actions,
        }
    }
}

/// A menu entry that asks for `action`.
fn standard(label: impl Into<String>, action: TrayAction) -> MenuItem<Item> {
    StandardItem {
        label: label.into(),
        activate: Box::new(move |item: &mut Item| (item.actions)(action.clone())),
        ..Default::default()
    }
    .into()
}

/// A check item showing `checked`, whose click asks for `action`.
fn check(label: &str, checked: bool, action: TrayAction) -> MenuItem<Item> {
    CheckmarkItem {
        label: label.to_owned(),
        checked,
        activate: Box::new(move |item: &mut Item| (item.actions)(action.clone())),
        ..Default::default()
    }
    .into()
}

impl ksni::Tray for Item {
    fn id(&self) -> String {
        "syncshell".into()
    }

    fn title(&self) -> String {
        "syncshell".into()
    }

    fn status(&self) -> Status {
        match self.model.look() {
            Look::Attention => Status::NeedsAttention,
            Look::Normal | Look::Paused => Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icons.for_look(self.model.look())
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icons.for_look(Look::Attention)
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip {
            title: "syncshell".into(),
            description: self.model.tooltip(),
            icon_pixmap: self.icon_pixmap(),
            ..Default::default()
        }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        (self.actions)(TrayAction::Settings);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let mut menu: Vec<MenuItem<Self>> = Vec::new();
        if self.model.apps.is_empty() {
            menu.push(
                StandardItem {
                    label: "No apps installed".into(),
                    enabled: false,
                    ..Default::default()
                }
                .into(),
            );
        }
        for app in &self.model.apps {
            menu.push(
                SubMenu {
                    // dbusmenu reads "_" as a mnemonic marker: a name's own underscores are doubled.
                    label: app.name.replace('_', "__"),
                    submenu: vec![
                        standard("Open", TrayAction::Open(app.id.clone())),
                        check(
                            "Background sync",
                            app.background_sync,
                            TrayAction::BackgroundSync {
                                app: app.id.clone(),
                                on: !app.background_sync,
                            },
                        ),
                        check(
                            "Notifications",
                            app.notifications,
                            TrayAction::Notifications {
                                app: app.id.clone(),
                                on: !app.notifications,
                            },
                        ),
                    ],
                    ..Default::default()
                }
                .into(),
            );
        }
        menu.push(MenuItem::Separator);
        menu.push(check(
            "Pause background activity",
            self.model.paused,
            TrayAction::Pause(!self.model.paused),
        ));
        menu.push(standard("Settings…", TrayAction::Settings));
        menu.push(standard("Quit syncshell", TrayAction::Quit));
        menu
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use ksni::Tray;

    use super::super::model::TrayApp;
    use super::*;

    fn item(model: TrayModel) -> (Item, Arc<Mutex<Vec<TrayAction>>>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let noted = asked.clone();
        let actions: TrayActions = Arc::new(move |a| noted.lock().unwrap().push(a));
        (Item::new(model, TrayIcons::default(), actions), asked)
    }

    fn labels(menu: &[MenuItem<Item>]) -> Vec<String> {
        menu.iter()
            .map(|entry| match entry {
                MenuItem::Standard(s) => s.label.clone(),
                MenuItem::Checkmark(c) => {
                    format!("[{}] {}", if c.checked { "x" } else { " " }, c.label)
                }
                MenuItem::SubMenu(m) => format!("{} > {}", m.label, labels(&m.submenu).join(", ")),
                MenuItem::Separator => "---".into(),
                _ => "?".into(),
            })
            .collect()
    }

    #[test]
    fn the_menu_shows_each_app_with_its_switches_then_the_host_items() {
        let model = TrayModel {
            apps: vec![TrayApp {
                id: "notes".into(),
                name: "My_Notes".into(),
                background_sync: true,
                notifications: false,
            }],
            paused: true,
            waiting: 0,
            retrying: 0,
        };
        let (item, _) = item(model);
        assert_eq!(
            labels(&item.menu()),
            [
                "My__Notes > Open, [x] Background sync, [ ] Notifications",
                "---",
                "[x] Pause background activity",
                "Settings…",
                "Quit syncshell",
            ]
        );
        let (empty, _) = self::item(TrayModel::default());
        assert_eq!(labels(&empty.menu())[0], "No apps installed");
    }

    #[test]
    fn a_click_asks_for_the_opposite_of_what_is_stored_and_changes_no_mark() {
        let model = TrayModel {
            apps: vec![TrayApp {
                id: "notes".into(),
                name: "Notes".into(),
                background_sync: true,
                notifications: false,
            }],
            ..Default::default()
        };
        let (mut item, asked) = item(model.clone());
        let menu = item.menu();
        let MenuItem::SubMenu(app) = &menu[0] else {
            panic!("a submenu")
        };
        for entry in &app.submenu {
            match entry {
                MenuItem::Standard(s) => (s.activate)(&mut item),
                MenuItem::Checkmark(c) => (c.activate)(&mut item),
                _ => {}
            }
        }
        if let MenuItem::Checkmark(pause) = &menu[2] {
            (pause.activate)(&mut item);
        }
        item.activate(0, 0);
        assert_eq!(
            *asked.lock().unwrap(),
            [
                TrayAction::Open("notes".into()),
                TrayAction::BackgroundSync {
                    app: "notes".into(),
                    on: false
                },
                TrayAction::Notifications {
                    app: "notes".into(),
                    on: true
                },
                TrayAction::Pause(true),
                TrayAction::Settings,
            ]
        );
        assert_eq!(item.model, model, "the marks wait for the store");
    }
}
