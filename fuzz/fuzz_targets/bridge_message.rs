//! The part of the page bridge's IPC messages that core owns: notification options as the bridge
//! sends them (`NotificationOptions` from JSON, what `show_notification`'s argument is), mapped to
//! a desktop notification (`notification::to_desktop`) under every server capability, the action
//! keys a click comes back with (`action_key`, `action_for_key`), and permission and setting names
//! (`Permission::parse`, `Setting::parse`). The input is the options' JSON; after a NUL byte
//! comes the title (JSON text never holds a raw NUL). The Tauri commands themselves, and the
//! origin check that reads the calling webview's URL, live in the host crate and are not here.
//!
//! Checked: options survive JSON both ways; a desktop notification has no NUL anywhere (the bus
//! refuses one), a body escaped for markup servers unescapes to the app's body, at most
//! `MAX_ACTIONS` buttons after the `default` action, each key leading back to its action and no
//! other key leading anywhere, `requireInteraction` as no timeout; names parse to themselves.

#![no_main]

use libfuzzer_sys::fuzz_target;
use syncshell_core::notification::{
    action_for_key, action_key, to_desktop, Capabilities, NotificationOptions, DEFAULT_ACTION,
    MAX_ACTIONS,
};
use syncshell_core::permission::{Permission, Setting};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (json, title) = data.split_at(split);
    let title = String::from_utf8_lossy(title.get(1..).unwrap_or_default());

    if let Ok(p) = Permission::parse(&title) {
        assert_eq!(p.name(), title);
    }
    if let Ok(s) = Setting::parse(&title) {
        assert_eq!(s.as_str(), title);
    }

    let Ok(options) = serde_json::from_slice::<NotificationOptions>(json) else {
        return;
    };
    let text = serde_json::to_string(&options).expect("options serialize");
    let mut again: NotificationOptions = serde_json::from_str(&text).expect("options read back");
    // serde_json may read a float back one unit in the last place off; that is not the bridge's.
    again.timestamp = options.timestamp;
    assert_eq!(again, options, "options changed through JSON: {text}");

    for names in [
        &[][..],
        &["body"][..],
        &["body", "body-markup", "actions"][..],
        &["actions"][..],
    ] {
        let caps = Capabilities::from_names(names);
        for replaces in [None, Some(7)] {
            let d = to_desktop("App", "app-entry", &title, &options, None, replaces, &caps);
            for text in [&d.app_name, &d.summary, &d.body]
                .into_iter()
                .chain(d.actions.iter())
            {
                assert!(!text.contains('\0'), "a NUL for the bus in {text:?}");
            }
            if caps.body_markup {
                assert!(
                    !d.body.contains(['<', '>', '"', '\'']),
                    "unescaped {:?}",
                    d.body
                );
                let unescaped = d
                    .body
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&");
                assert_eq!(unescaped, options.body.replace('\0', "\u{fffd}"));
            }
            let buttons = options.actions.len().min(MAX_ACTIONS);
            if caps.actions {
                assert_eq!(d.actions.len(), 2 + 2 * buttons);
                assert_eq!(d.actions[0], DEFAULT_ACTION);
            } else {
                assert!(d.actions.is_empty());
            }
            assert_eq!(
                d.expire_timeout,
                if options.require_interaction { 0 } else { -1 }
            );
            assert!(d.suppress_sound || !options.silent);
        }
    }
    assert_eq!(action_for_key(&options, DEFAULT_ACTION), Some(""));
    for (i, action) in options.actions.iter().take(MAX_ACTIONS).enumerate() {
        assert_eq!(
            action_for_key(&options, &action_key(i)),
            Some(action.action.as_str())
        );
    }
    assert_eq!(action_for_key(&options, &action_key(MAX_ACTIONS)), None);
    assert_eq!(
        action_for_key(&options, &title),
        title_key(&options, &title)
    );
});

/// What `action_for_key` may answer for a key the server sent: only a key this notification has.
fn title_key<'a>(options: &'a NotificationOptions, key: &str) -> Option<&'a str> {
    if key == DEFAULT_ACTION {
        return Some("");
    }
    (0..options.actions.len().min(MAX_ACTIONS))
        .find(|i| action_key(*i) == key)
        .map(|i| options.actions[i].action.as_str())
}
