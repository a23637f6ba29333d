//! What a panel command answers when it cannot do what was asked: a kind the panel can tell
//! apart and a message it shows as is (the CLI's own wording where the CLI says the same).

use serde::{Deserialize, Serialize};
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
    /// What kind of failure, for the panel to tell apart.
    pub fn kind(&self) -> &'static str {
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

/// A failed panel command as the panel sees it, `{kind, message}`, and as it crosses from the
/// resident to the window side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct PanelFailure {
    /// [`PanelError::kind`].
    pub kind: String,
    /// What the panel shows.
    pub message: String,
}

impl From<PanelError> for PanelFailure {
    fn from(e: PanelError) -> Self {
        Self {
            kind: e.kind().to_owned(),
            message: e.to_string(),
        }
    }
}
