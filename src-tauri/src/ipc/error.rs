//! The IPC boundary's error. It crosses to JavaScript as `{name, message}`: the DOMException name
//! is data, so the bridge builds `new DOMException(message, name)` without parsing a string.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use syncshell_resident::link::rpc::LinkError;
use syncshell_resident::page_calls::PageFailure;

/// Why a page bridge command failed.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    /// The resident refused or failed the call (the sync rules, the origin check, a
    /// notification call): its DOMException name and message.
    #[error(transparent)]
    Refused(#[from] PageFailure),
    /// The calling window is not an app's window.
    #[error("not an app window")]
    NotAnAppWindow,
    /// The webview's URL could not be read.
    #[error("cannot read the page's URL: {0}")]
    Webview(#[source] tauri::Error),
    /// The blocking task reading it did not finish.
    #[error("the host could not carry out the call: {0}")]
    Task(#[source] tauri::Error),
    /// The resident could not be reached.
    #[error("the host could not carry out the call: {0}")]
    Unreachable(#[from] LinkError),
}

impl IpcError {
    /// The DOMException name (or `TypeError`) the bridge rejects with.
    pub fn name(&self) -> &str {
        match self {
            Self::Refused(failure) => &failure.name,
            Self::NotAnAppWindow => "SecurityError",
            Self::Webview(_) | Self::Task(_) | Self::Unreachable(_) => "UnknownError",
        }
    }

    /// The message the bridge rejects with.
    pub fn message(&self) -> String {
        match self {
            Self::Refused(failure) => failure.message.clone(),
            other => other.to_string(),
        }
    }
}

impl Serialize for IpcError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("IpcError", 2)?;
        s.serialize_field("name", self.name())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_a_name_and_a_message() {
        let refused = PageFailure {
            name: "NotAllowedError".into(),
            message: "Permission denied.".into(),
        };
        let json = serde_json::to_value(IpcError::from(refused)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "NotAllowedError", "message": "Permission denied."})
        );
        let json = serde_json::to_value(IpcError::NotAnAppWindow).unwrap();
        assert_eq!(json["name"], "SecurityError");
        assert_eq!(json["message"], "not an app window");
    }
}
