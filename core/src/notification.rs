//! A web notification as an app gives it (the WHATWG Notifications spec's options) and the desktop
//! notification it becomes on org.freedesktop.Notifications, mapped as Chromium maps it on Linux
//! (notification_platform_bridge_linux.cc): a `default` action for a click on the body, the
//! app's buttons as further actions, `tag` replacing the app's earlier notification, `silent` as
//! `suppress-sound`, `requireInteraction` as no timeout. Pure data: the host sends it.

use serde::{Deserialize, Serialize};

/// How many action buttons a notification may have (`Notification.maxActions`, as Chromium).
pub const MAX_ACTIONS: usize = 2;

/// The action key of a click on the notification's body.
pub const DEFAULT_ACTION: &str = "default";

/// One action button.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationAction {
    /// The app's name for it (`event.action` when clicked).
    pub action: String,
    /// The button's label.
    pub title: String,
    /// The button's icon URL (not shown: the desktop spec has no per-button icon).
    pub icon: String,
}

/// A notification's options as the page bridge and the worker shim send them (`data` is the JSON
/// text of the app's data, kept verbatim for `notification.data`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotificationOptions {
    /// Body text.
    pub body: String,
    /// Icon URL.
    pub icon: String,
    /// Badge URL.
    pub badge: String,
    /// Image URL.
    pub image: String,
    /// Tag: a later notification of the origin with the same tag replaces this one.
    pub tag: String,
    /// Language.
    pub lang: String,
    /// Direction: `auto`, `ltr` or `rtl`.
    pub dir: String,
    /// No sound.
    pub silent: bool,
    /// Stays until the user acts on it.
    pub require_interaction: bool,
    /// Alert again when replacing one with the same tag.
    pub renotify: bool,
    /// When it happened (ms since the epoch).
    pub timestamp: Option<f64>,
    /// The app's data, as JSON text.
    pub data: Option<String>,
    /// Action buttons (at most [`MAX_ACTIONS`] are kept).
    pub actions: Vec<NotificationAction>,
}

/// What the desktop's notification server offers (`GetCapabilities`) that the mapping depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Shows a body.
    pub body: bool,
    /// The body is markup: text must be escaped.
    pub body_markup: bool,
    /// Shows action buttons and reports clicks.
    pub actions: bool,
}

impl Capabilities {
    /// From the server's capability names.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Self {
        let has = |n: &str| names.iter().any(|c| c.as_ref() == n);
        Self {
            body: has("body"),
            body_markup: has("body-markup"),
            actions: has("actions"),
        }
    }
}

/// A desktop notification: the arguments of `org.freedesktop.Notifications.Notify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopNotification {
    /// The app's name (so the desktop attributes it to the app, not to syncshell).
    pub app_name: String,
    /// The earlier notification this one replaces (0: none).
    pub replaces_id: u32,
    /// An icon file path, or empty.
    pub app_icon: String,
    /// The title.
    pub summary: String,
    /// The body, escaped if the server reads markup.
    pub body: String,
    /// Action keys and labels, flattened as the protocol wants them: key, label, key, label...
    pub actions: Vec<String>,
    /// The `desktop-entry` hint: the app's launcher name without `.desktop`.
    pub desktop_entry: String,
    /// The `suppress-sound` hint.
    pub suppress_sound: bool,
    /// Milliseconds on screen; -1 the server's default, 0 until the user acts.
    pub expire_timeout: i32,
}

/// The desktop notification for `title` and `options` from the app named `app_name` with launcher
/// `desktop_entry`, replacing `replaces` (the server's id of the origin's earlier notification
/// with the same tag), with icon file `icon`.
pub fn to_desktop(
    app_name: &str,
    desktop_entry: &str,
    title: &str,
    options: &NotificationOptions,
    icon: Option<&str>,
    replaces: Option<u32>,
    caps: &Capabilities,
) -> DesktopNotification {
    let body = if caps.body_markup {
        crate::markup::escape(&options.body)
    } else {
        options.body.clone()
    };
    let body = without_nul(&body);
    let mut actions = Vec::new();
    if caps.actions {
        // A click on the body is the `default` action, which servers do not show as a button.
        actions.extend([DEFAULT_ACTION.to_owned(), String::new()]);
        for (i, a) in options.actions.iter().take(MAX_ACTIONS).enumerate() {
            actions.extend([action_key(i), without_nul(&a.title)]);
        }
    }
    DesktopNotification {
        app_name: without_nul(app_name),
        replaces_id: replaces.unwrap_or(0),
        app_icon: icon.unwrap_or_default().to_owned(),
        summary: without_nul(title),
        body,
        actions,
        desktop_entry: desktop_entry.to_owned(),
        // Replacing one with the same tag alerts again only with `renotify` (the spec's rule).
        suppress_sound: options.silent || (replaces.is_some() && !options.renotify),
        expire_timeout: if options.require_interaction { 0 } else { -1 },
    }
}

/// The protocol key of the app's `index`th action button (keys, not the app's names, go to the
/// server: an app's action could be called "default").
pub fn action_key(index: usize) -> String {
    format!("action-{index}")
}

/// The app's `event.action` for the key a server reported: "" for the body, the button's action
/// for a button, `None` for a key this notification never had.
pub fn action_for_key<'a>(options: &'a NotificationOptions, key: &str) -> Option<&'a str> {
    if key == DEFAULT_ACTION {
        return Some("");
    }
    let index: usize = key.strip_prefix("action-")?.parse().ok()?;
    // Only the key as it was made: "action-01" or "action-+1" parse to 1 but were never sent
    // (found by the bridge_message fuzz target).
    if action_key(index) != key {
        return None;
    }
    options
        .actions
        .iter()
        .take(MAX_ACTIONS)
        .nth(index)
        .map(|a| a.action.as_str())
}

/// `text` with each NUL shown as U+FFFD. D-Bus strings cannot hold NUL, and the bus daemon
/// disconnects a client that sends one: one app's title with a NUL would cut every app's
/// notifications (and their clicks) off with the host's connection. zbus does not check.
fn without_nul(text: &str) -> String {
    text.replace('\0', "\u{fffd}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> Capabilities {
        Capabilities::from_names(&["body", "actions", "body-markup", "persistence"])
    }

    fn options() -> NotificationOptions {
        NotificationOptions {
            body: "3 new <posts> & more".into(),
            tag: "news".into(),
            actions: vec![
                NotificationAction {
                    action: "read".into(),
                    title: "Read".into(),
                    icon: String::new(),
                },
                NotificationAction {
                    action: "later".into(),
                    title: "Later".into(),
                    icon: String::new(),
                },
                NotificationAction {
                    action: "third".into(),
                    title: "Dropped".into(),
                    icon: String::new(),
                },
            ],
            ..NotificationOptions::default()
        }
    }

    #[test]
    fn it_maps_as_chromium_does_on_linux() {
        let d = to_desktop(
            "Feed",
            "syncshell-feed",
            "Feed",
            &options(),
            Some("/icons/feed.png"),
            Some(41),
            &caps(),
        );
        assert_eq!(d.app_name, "Feed");
        assert_eq!(d.replaces_id, 41);
        assert_eq!(d.app_icon, "/icons/feed.png");
        assert_eq!(d.body, "3 new &lt;posts&gt; &amp; more");
        assert_eq!(
            d.actions,
            ["default", "", "action-0", "Read", "action-1", "Later"],
            "a default action, then at most two buttons"
        );
        assert_eq!(d.desktop_entry, "syncshell-feed");
        assert!(d.suppress_sound, "a replacement without renotify is quiet");
        let loud = NotificationOptions {
            renotify: true,
            ..options()
        };
        let again = to_desktop("Feed", "e", "t", &loud, None, Some(41), &caps());
        assert!(!again.suppress_sound, "renotify alerts again");
        let first = to_desktop("Feed", "e", "t", &options(), None, None, &caps());
        assert!(!first.suppress_sound);
        assert_eq!(d.expire_timeout, -1);
    }

    #[test]
    fn silent_and_require_interaction_become_hints_and_timeouts() {
        let o = NotificationOptions {
            silent: true,
            require_interaction: true,
            body: "plain <b>".into(),
            ..NotificationOptions::default()
        };
        let plain = Capabilities::from_names(&["body"]);
        let d = to_desktop("A", "a", "t", &o, None, None, &plain);
        assert!(d.suppress_sound);
        assert_eq!(d.expire_timeout, 0);
        assert_eq!(d.replaces_id, 0);
        assert_eq!(d.body, "plain <b>", "no markup, no escaping");
        assert!(d.actions.is_empty(), "a server without actions gets none");
    }

    #[test]
    fn clicked_keys_map_back_to_the_apps_actions() {
        let o = options();
        assert_eq!(action_for_key(&o, "default"), Some(""));
        assert_eq!(action_for_key(&o, "action-1"), Some("later"));
        assert_eq!(action_for_key(&o, "action-2"), None, "beyond maxActions");
        assert_eq!(action_for_key(&o, "read"), None);
        for forged in ["action-01", "action-+1", "action- 1", "action-"] {
            assert_eq!(action_for_key(&o, forged), None, "{forged}");
        }
    }

    #[test]
    fn options_read_the_bridges_json() {
        let o: NotificationOptions = serde_json::from_str(
            r#"{"body":"b","requireInteraction":true,"data":"{\"n\":1}","actions":[{"action":"a","title":"A"}],"unknown":1}"#,
        )
        .unwrap();
        assert!(o.require_interaction);
        assert_eq!(o.data.as_deref(), Some(r#"{"n":1}"#));
        assert_eq!(o.actions[0].title, "A");
    }

    #[test]
    fn nul_never_reaches_the_bus() {
        let mut with_nul = options();
        with_nul.body = "b\0ody".into();
        with_nul.actions[0].title = "Re\0ad".into();
        let d = to_desktop("Ap\0p", "app", "ti\0tle", &with_nul, None, None, &caps());
        assert_eq!(d.app_name, "Ap\u{fffd}p");
        assert_eq!(d.summary, "ti\u{fffd}tle");
        assert_eq!(d.body, "b\u{fffd}ody");
        assert_eq!(d.actions[3], "Re\u{fffd}ad");
        // Line breaks stay: a summary or body may have them.
        let d = to_desktop("App", "app", "a\nb", &options(), None, None, &caps());
        assert_eq!(d.summary, "a\nb");
    }
}
