//! Window labels: the one place they are formatted and parsed. A Tauri label is the only name a
//! window carries across the IPC boundary, so what a window is (whose, visible or hidden) is read
//! from it here and nowhere else.

use std::fmt;

/// What a window is, as its Tauri label says: `app-<id>` for an app's window, `hidden-<id>` for
/// its hidden dispatch window. Any other label is a local window, which speaks for no app. It
/// crosses between the host's two sides as its label text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum WindowLabel {
    /// The visible window of the app with this id.
    App(String),
    /// The hidden dispatch window of the app with this id.
    Hidden(String),
}

const APP_PREFIX: &str = "app-";
const HIDDEN_PREFIX: &str = "hidden-";

impl WindowLabel {
    /// The label of `label`'s window, or `None` for a window that belongs to no app.
    pub fn parse(label: &str) -> Option<Self> {
        if let Some(id) = label.strip_prefix(APP_PREFIX) {
            return Some(Self::App(id.to_owned()));
        }
        label
            .strip_prefix(HIDDEN_PREFIX)
            .map(|id| Self::Hidden(id.to_owned()))
    }

    /// The id of the app the window belongs to.
    pub fn app_id(&self) -> &str {
        match self {
            Self::App(id) | Self::Hidden(id) => id,
        }
    }

    /// Whether this is a hidden dispatch window.
    pub fn is_hidden(&self) -> bool {
        matches!(self, Self::Hidden(_))
    }
}

impl fmt::Display for WindowLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::App(id) => write!(f, "{APP_PREFIX}{id}"),
            Self::Hidden(id) => write!(f, "{HIDDEN_PREFIX}{id}"),
        }
    }
}

impl From<WindowLabel> for String {
    fn from(label: WindowLabel) -> Self {
        label.to_string()
    }
}

impl TryFrom<String> for WindowLabel {
    type Error = String;

    fn try_from(label: String) -> Result<Self, Self::Error> {
        Self::parse(&label).ok_or_else(|| format!("{label:?} is not an app's window"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for label in [
            WindowLabel::App("notes".into()),
            WindowLabel::Hidden("notes".into()),
            WindowLabel::App("app-hidden-x".into()),
        ] {
            assert_eq!(WindowLabel::parse(&label.to_string()), Some(label));
        }
        assert_eq!(WindowLabel::App("notes".into()).to_string(), "app-notes");
        assert_eq!(
            WindowLabel::Hidden("notes".into()).to_string(),
            "hidden-notes"
        );
    }

    #[test]
    fn local_windows_belong_to_no_app() {
        assert_eq!(WindowLabel::parse("settings"), None);
        assert_eq!(WindowLabel::parse("main"), None);
    }

    #[test]
    fn both_kinds_name_their_app() {
        assert_eq!(WindowLabel::App("a".into()).app_id(), "a");
        assert_eq!(WindowLabel::Hidden("a".into()).app_id(), "a");
        assert!(WindowLabel::Hidden("a".into()).is_hidden());
        assert!(!WindowLabel::App("a".into()).is_hidden());
    }
}
