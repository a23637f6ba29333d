//! A StatusNotifierWatcher of the test's own on its session bus: the host's tray item registers
//! with it, and the test reads the item as a desktop shell does: its properties
//! (org.kde.StatusNotifierItem), its menu (com.canonical.dbusmenu `GetLayout`), and clicks
//! (`Event(id, "clicked", ...)`, `Activate`). The watcher can leave the bus and come back, as a
//! desktop's panel does when it restarts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zbus::zvariant::{OwnedValue, Value};

use crate::harness::wait_until;
use crate::session_bus::SessionBus;

const WATCHER_NAME: &str = "org.kde.StatusNotifierWatcher";
const ITEM_INTERFACE: &str = "org.kde.StatusNotifierItem";
const MENU_INTERFACE: &str = "com.canonical.dbusmenu";
/// How long a test waits for the tray to show what it expects.
pub const TRAY_TIMEOUT: Duration = Duration::from_secs(20);

/// The registered items, as (bus name, object path).
type Items = Arc<Mutex<Vec<(String, String)>>>;

struct Watcher {
    items: Items,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    /// An item registers by its bus name (path /StatusNotifierItem) or by its object path (on
    /// the caller's connection); both are accepted, as KDE's and GNOME's watchers do.
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let item = if service.starts_with('/') {
            (sender, service.to_owned())
        } else {
            (service.to_owned(), "/StatusNotifierItem".to_owned())
        };
        self.items.lock().unwrap().push(item);
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }
}

/// One entry of the item's menu, as `GetLayout` gives it.
#[derive(Debug, Clone)]
pub struct MenuNode {
    /// Its dbusmenu id (what a click names).
    pub id: i32,
    /// Its label ("" for a separator or the root).
    pub label: String,
    /// "checkmark" for a check item, else "".
    pub toggle_type: String,
    /// 1 when checked.
    pub toggle_state: i32,
    /// Whether it can be clicked.
    pub enabled: bool,
    /// "separator" for a separator, else "standard".
    pub kind: String,
    /// Its submenu.
    pub children: Vec<MenuNode>,
}

impl MenuNode {
    /// The entry at `path` of labels from here ("Fixture Outbox", "Background sync").
    pub fn find(&self, path: &[&str]) -> Option<&MenuNode> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        self.children
            .iter()
            .find(|c| c.label == *first)
            .and_then(|c| c.find(rest))
    }

    /// Whether the check item is checked.
    pub fn checked(&self) -> bool {
        self.toggle_type == "checkmark" && self.toggle_state == 1
    }

    /// The labels of the children, separators as "---".
    pub fn labels(&self) -> Vec<String> {
        self.children
            .iter()
            .map(|c| {
                if c.kind == "separator" {
                    "---".to_owned()
                } else {
                    c.label.clone()
                }
            })
            .collect()
    }
}

/// The watcher and a client of the items that register with it.
pub struct TrayWatcher {
    runtime: tokio::runtime::Runtime,
    address: String,
    connection: Option<zbus::Connection>,
    items: Items,
}

impl TrayWatcher {
    /// Starts the watcher on `bus`.
    pub fn start(bus: &SessionBus) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the watcher");
        let mut watcher = Self {
            runtime,
            address: bus.address.clone(),
            connection: None,
            items: Items::default(),
        };
        watcher.come_back();
        watcher
    }

    /// Leaves the bus (as a desktop panel that quits): the name goes away.
    pub fn leave(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.runtime
                .block_on(async { connection.close().await })
                .ok();
        }
        self.items.lock().unwrap().clear();
    }

    /// Takes the watcher's name again (a fresh watcher, with no items).
    pub fn come_back(&mut self) {
        let items = self.items.clone();
        let address = self.address.clone();
        let connection = self.runtime.block_on(async move {
            zbus::connection::Builder::address(address.as_str())?
                .name(WATCHER_NAME)?
                .serve_at("/StatusNotifierWatcher", Watcher { items })?
                .build()
                .await
        });
        self.connection = Some(connection.expect("the watcher takes its name on the test's bus"));
    }

    fn connection(&self) -> &zbus::Connection {
        self.connection.as_ref().expect("the watcher is on the bus")
    }

    /// Waits for an item to register and returns its (bus name, path).
    pub fn wait_for_item(&self) -> (String, String) {
        wait_until("a tray item to register", TRAY_TIMEOUT, || {
            !self.items.lock().unwrap().is_empty()
        });
        self.items.lock().unwrap().last().cloned().unwrap()
    }

    fn call(
        &self,
        path: &str,
        interface: &str,
        method: &str,
        body: &(impl serde::Serialize + zbus::zvariant::DynamicType),
    ) -> zbus::Message {
        let (name, item_path) = self.wait_for_item();
        let path = if path.is_empty() {
            item_path
        } else {
            path.to_owned()
        };
        self.runtime
            .block_on(self.connection().call_method(
                Some(name.as_str()),
                path.as_str(),
                Some(interface),
                method,
                body,
            ))
            .unwrap_or_else(|e| panic!("{interface}.{method} on the tray item: {e}"))
    }

    /// A property of the item (org.kde.StatusNotifierItem).
    pub fn property(&self, property: &str) -> OwnedValue {
        let reply = self.call(
            "",
            "org.freedesktop.DBus.Properties",
            "Get",
            &(ITEM_INTERFACE, property),
        );
        let value: OwnedValue = reply.body().deserialize().expect("a property value");
        value
    }

    /// The item's `Status` ("Active", "Passive", "NeedsAttention").
    pub fn status(&self) -> String {
        String::try_from(self.property("Status")).expect("Status is a string")
    }

    /// The item's tooltip: (title, description).
    pub fn tooltip(&self) -> (String, String) {
        let value = self.property("ToolTip");
        let Value::Structure(tooltip) = &*value else {
            panic!("ToolTip is a struct: {value:?}")
        };
        let text = |i: usize| match tooltip.fields().get(i) {
            Some(Value::Str(s)) => s.to_string(),
            other => panic!("ToolTip field {i}: {other:?}"),
        };
        (text(2), text(3))
    }

    /// The item's icon pixmaps, as (width, height, ARGB bytes).
    pub fn icon_pixmaps(&self) -> Vec<(i32, i32, Vec<u8>)> {
        let value = self.property("IconPixmap");
        <Vec<(i32, i32, Vec<u8>)>>::try_from(value).expect("IconPixmap is a(iiay)")
    }

    /// The whole menu, as `GetLayout(0, -1, [])` gives it.
    pub fn menu(&self) -> MenuNode {
        let menu_path = zbus::zvariant::OwnedObjectPath::try_from(self.property("Menu"))
            .expect("Menu is an object path");
        let empty: Vec<&str> = Vec::new();
        let reply = self.call(
            menu_path.as_str(),
            MENU_INTERFACE,
            "GetLayout",
            &(0i32, -1i32, empty),
        );
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (id, props, children)): (u32, Layout) = reply
            .body()
            .deserialize()
            .expect("GetLayout's (u(ia{sv}av))");
        let props = props
            .iter()
            .map(|(k, v)| (k.clone(), (**v).try_clone().expect("a plain value")))
            .collect();
        let children = children.iter().map(|c| node(c)).collect();
        menu_node(id, props, children)
    }

    /// Waits for the menu to satisfy `ok` and returns it.
    pub fn wait_for_menu(&self, what: &str, ok: impl Fn(&MenuNode) -> bool) -> MenuNode {
        wait_until(what, TRAY_TIMEOUT, || ok(&self.menu()));
        self.menu()
    }

    /// Clicks the entry at `path` of labels, as a desktop shell does.
    pub fn click(&self, path: &[&str]) {
        let menu = self.menu();
        let entry = menu
            .find(path)
            .unwrap_or_else(|| panic!("no {path:?} in the tray menu: {:?}", menu.labels()));
        let menu_path = zbus::zvariant::OwnedObjectPath::try_from(self.property("Menu"))
            .expect("Menu is an object path");
        self.call(
            menu_path.as_str(),
            MENU_INTERFACE,
            "Event",
            &(entry.id, "clicked", Value::I32(0), 0u32),
        );
    }

    /// A (left) click on the icon itself.
    pub fn activate(&self) {
        self.call("", ITEM_INTERFACE, "Activate", &(0i32, 0i32));
    }
}

/// A `(ia{sv}av)` layout node.
fn node(value: &Value<'_>) -> MenuNode {
    let Value::Structure(s) = value else {
        panic!("a menu node is a struct: {value:?}")
    };
    let fields = s.fields();
    let id = match fields.first() {
        Some(Value::I32(id)) => *id,
        other => panic!("a menu node's id: {other:?}"),
    };
    let mut props: HashMap<String, Value<'_>> = HashMap::new();
    if let Some(Value::Dict(dict)) = fields.get(1) {
        for (k, v) in dict.iter() {
            let key = match k {
                Value::Str(k) => k.to_string(),
                other => panic!("a property name: {other:?}"),
            };
            let v = match v {
                Value::Value(inner) => (**inner).try_clone().expect("a plain value"),
                other => other.try_clone().expect("a plain value"),
            };
            props.insert(key, v);
        }
    }
    let children = match fields.get(2) {
        Some(Value::Array(children)) => children
            .iter()
            .map(|c| match c {
                Value::Value(inner) => node(inner),
                other => node(other),
            })
            .collect(),
        _ => Vec::new(),
    };
    menu_node(id, props, children)
}

fn menu_node(id: i32, props: HashMap<String, Value<'_>>, children: Vec<MenuNode>) -> MenuNode {
    let text = |k: &str| match props.get(k) {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    MenuNode {
        id,
        label: text("label"),
        toggle_type: text("toggle-type"),
        toggle_state: match props.get("toggle-state") {
            Some(Value::I32(v)) => *v,
            _ => 0,
        },
        enabled: !matches!(props.get("enabled"), Some(Value::Bool(false))),
        kind: match text("type").as_str() {
            "" => "standard".to_owned(),
            other => other.to_owned(),
        },
        children,
    }
}
