//! The IPC boundary's error. It crosses to JavaScript as `{name, message}`: the DOMException name
//! is data, so the bridge builds `new DOMException(message, name)` without parsing a string.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use syncshell_core::sync::errors::SyncError;

/// Why a page bridge command failed.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    /// The sync rules refused the call.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The calling window is not an app's window.
    #[error("not an app window")]
    NotAnAppWindow,
    /// The calling page is not on the origin of the app that owns its window.
    #[error("this page is not on its app's origin")]
    ForeignOrigin,
    /// The webview's URL could not be read.
    #[error("cannot read the page's URL: {0}")]
    Webview(#[source] tauri::Error),
    /// The store could not be read.
    #[error("cannot read the store: {0}")]
    Storage(#[from] syncshell_core::store::StoreError),
    /// The blocking task carrying the call did not finish.
    #[error("the host could not carry out the call: {0}")]
    Task(#[source] tauri::Error),
    /// A notification call failed.
    #[error(transparent)]
    Notify(#[from] syncshell_resident::notify::NotifyError),
}

impl IpcError {
    /// The DOMException name (or `TypeError`) the bridge rejects with.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sync(e) => e.name(),
            Self::NotAnAppWindow | Self::ForeignOrigin => "SecurityError",
            Self::Webview(_) | Self::Storage(_) | Self::Task(_) => "UnknownError",
            Self::Notify(e) => e.name(),
        }
    }

    /// The message the bridge rejects with.
    pub fn message(&self) -> String {
        match self {
            Self::Sync(e) => e.message(),
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
        let json = serde_json::to_value(IpcError::from(SyncError::PermissionDenied)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "NotAllowedError", "message": "Permission denied."})
        );
        let json = serde_json::to_value(IpcError::ForeignOrigin).unwrap();
        assert_eq!(json["name"], "SecurityError");
        assert_eq!(json["message"], "this page is not on its app's origin");
    }
}
