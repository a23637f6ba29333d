//! What the resident and the window side say to each other over their link. The resident asks
//! ([`ToWindows`]: calls with the reply type each names, or notes); the window side reports what
//! happens to its windows ([`Report`], notes) and forwards what its pages ask ([`FromWindows`],
//! calls). Everything a window is built with that only the resident knows travels in a
//! [`Launch`].

use serde::{Deserialize, Serialize};
use syncshell_core::store::apps::App;
use url::Url;

use crate::desktop::{Launch, TlsTrust};
use crate::label::WindowLabel;
use crate::page_calls::PageCall;
use crate::panel::calls::PanelCall;
use crate::panel::events::PanelEvent;

/// From the resident to the window side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ToWindows {
    /// Opens or raises the app's window, at `url` if given. Call: `Result<(), DesktopError>`
    /// once it is up; as a note (a notification's click), nobody waits.
    OpenApp {
        /// The app and what its window is built with.
        launch: Launch,
        /// Where, if not where it is (or its start URL).
        url: Option<Url>,
    },
    /// Closes the app's window as the user would. Call: `bool`, whether one was open.
    CloseApp {
        /// The app.
        app_id: String,
    },
    /// Destroys the app's window, parked or not (the app is being removed). Call: `()`.
    DestroyAppWindow {
        /// The app.
        app_id: String,
    },
    /// Ends the WebKit network process serving the app. Call: `Result<(), DesktopError>`.
    EndNetworkProcess {
        /// The app.
        app_id: String,
    },
    /// Opens or raises the settings panel. Call: `Result<(), DesktopError>`.
    OpenSettings,
    /// Call: `OpenWindows`.
    OpenWindows,
    /// Whether the window is open and not parked. Call: `bool`.
    FindWindow {
        /// The window.
        label: WindowLabel,
    },
    /// Opens the app's hidden dispatch window (or wakes its parked one) and waits for its
    /// dispatch page. Call: `Result<(), DesktopError>`.
    OpenHidden {
        /// The app and what its window is built with.
        launch: Launch,
    },
    /// Closes the app's hidden window and returns once it is gone. Call: `()`.
    CloseHidden {
        /// The app.
        app_id: String,
    },
    /// Parks the app's idle hidden window. Call: `()`.
    ParkHidden {
        /// The app.
        app_id: String,
    },
    /// Hands event `id` to the page in `label` (note). A page that cannot take it is reported
    /// with [`Report::EventNotDelivered`]; its outcome comes back from the page itself.
    SendEvent {
        /// The window.
        label: WindowLabel,
        /// The dispatch id.
        id: u64,
        /// The event as the page bridge's `__syncshellDispatch` takes it.
        message: serde_json::Value,
    },
    /// Runs `script` in the window if it shows a page of `origin`. Call: `bool`, whether it did.
    TellPage {
        /// The window.
        label: WindowLabel,
        /// The app's origin.
        origin: String,
        /// The script.
        script: String,
    },
    /// Asks the user, on the app's window, whether it may show notifications. Call:
    /// `Result<Answer, DesktopError>`, when the user answered.
    AskNotifications {
        /// The app.
        app: App,
    },
    /// For the settings panel, if it is open (note).
    Panel {
        /// What to tell it.
        event: PanelEvent,
    },
    /// The proxy renewed a leaf (note).
    TrustRenewed {
        /// The new leaf.
        tls: TlsTrust,
    },
    /// Ends the window side with `code` (note).
    Quit {
        /// The exit status.
        code: i32,
    },
}

/// From the window side to the resident: what happened to its windows (notes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum Report {
    /// The window's web process died.
    WebProcessGone {
        /// The window.
        label: WindowLabel,
        /// How (the log's and the CLI's words).
        why: String,
    },
    /// The window's page went away (closed, reloaded, left).
    PageGone {
        /// The window.
        label: WindowLabel,
        /// How.
        why: String,
    },
    /// The user spent `ms` in the app's window.
    Focused {
        /// The app.
        app_id: String,
        /// Milliseconds of focus.
        ms: i64,
    },
    /// An app window opened or closed.
    WindowsChanged,
    /// The window process has had no window for its linger time, having received `received`
    /// calls and notes: it may be told to quit.
    Idle {
        /// How many calls and notes it has received.
        received: u64,
    },
    /// Event `id` could not be handed to the page in `label`.
    EventNotDelivered {
        /// The window.
        label: WindowLabel,
        /// The dispatch id.
        id: u64,
        /// Why.
        why: String,
    },
}

/// From the window side to the resident: calls.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FromWindows {
    /// A page's call through the page bridge. Reply: `Result<Value, PageFailure>`.
    Page {
        /// The calling page's window.
        label: WindowLabel,
        /// The page's origin, read from its webview.
        origin: String,
        /// The call.
        call: PageCall,
    },
    /// A settings panel command (the window side checked that the settings window sent it).
    /// Reply: `Result<Value, PanelFailure>`.
    Panel {
        /// The command.
        call: PanelCall,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_cross_as_tagged_json_and_come_back_the_same() {
        let send = ToWindows::SendEvent {
            label: WindowLabel::Hidden("notes".into()),
            id: 7,
            message: serde_json::json!({ "kind": "sync", "tag": "outbox" }),
        };
        let json = serde_json::to_value(&send).unwrap();
        assert_eq!(json["op"], "send_event");
        assert_eq!(json["label"], "hidden-notes");
        assert_eq!(serde_json::from_value::<ToWindows>(json).unwrap(), send);
        let report = Report::PageGone {
            label: WindowLabel::App("notes".into()),
            why: "the window was closed".into(),
        };
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
        // A label that names no app's window does not decode.
        let forged =
            serde_json::json!({ "report": "web_process_gone", "label": "settings", "why": "x" });
        assert!(serde_json::from_value::<Report>(forged).is_err());
    }
}
