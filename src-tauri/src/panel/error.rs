//! What a panel command answers when it cannot do what was asked: a kind the panel can tell
//! apart and a message it shows as is (the CLI's own wording where the CLI says the same).

use serde::Serialize;
use syncshell_core::store::StoreError;
use syncshell_core::sync::parameters::ParameterError;

/// Why a panel command failed.
#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    /// Called from another window than the settings window (the grant already keeps apps out;
    /// this is the second lock).
    #[error("this command belongs to the syncshell Settings window")]
    NotThePanel,
    /// The host refused the request, saying why (as it says to the CLI).
    #[error("{0}")]
    Refused(String),
    /// Bad input from the panel.
    #[error("{0}")]
    BadInput(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The parameters cannot be read (a bad config file).
    #[error(transparent)]
    Parameters(#[from] ParameterError),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}

impl PanelError {
    fn kind(&self) -> &'static str {
        match self {
            Self::NotThePanel => "not-the-panel",
            Self::Refused(_) => "refused",
            Self::BadInput(_) => "bad-input",
            Self::Store(_) => "store",
            Self::Parameters(_) => "parameters",
            Self::Io(_) => "io",
        }
    }
}

/// The panel sees `{kind, message}`.
impl Serialize for PanelError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            kind: &'a str,
            message: String,
        }
        Json {
            kind: self.kind(),
            message: self.to_string(),
        }
        .serialize(serializer)
    }
}
