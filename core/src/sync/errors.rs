//! Why a registration call fails, named as the DOMExceptions apps check for.

/// A failed `register()` (or other) call. [`name`](Self::name) is the DOMException name apps
/// check and [`message`](Self::message) its text; they cross to JavaScript as two fields, never
/// as one string to be parsed. `Display` gives "Name: message" for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// The user blocked the permission for the site.
    PermissionDenied,
    /// The tag is over 10,240 characters.
    TagTooLong,
    /// The feature is switched off for the site.
    Disabled,
    /// The origin holds as many registrations as it may.
    QuotaExceeded(u32),
    /// The scope is not a URL of the caller's origin.
    WrongOrigin,
    /// An argument the bridge should have refused (a negative `minInterval`).
    BadArgument(String),
    /// The store failed.
    Storage(String),
}

impl SyncError {
    /// The DOMException name (or `TypeError`) the call rejects with.
    pub fn name(&self) -> &'static str {
        match self {
            Self::PermissionDenied => "NotAllowedError",
            Self::TagTooLong => "InvalidAccessError",
            Self::Disabled | Self::Storage(_) => "UnknownError",
            Self::QuotaExceeded(_) => "QuotaExceededError",
            Self::WrongOrigin => "SecurityError",
            Self::BadArgument(_) => "TypeError",
        }
    }

    /// The message, worded as Chromium words it where Chromium has the case.
    pub fn message(&self) -> String {
        match self {
            Self::PermissionDenied => "Permission denied.".into(),
            Self::TagTooLong => "Registration failed - tag too long".into(),
            Self::Disabled => "Background Sync is disabled.".into(),
            Self::QuotaExceeded(n) => format!(
                "Registration failed - this site has {n} registrations, the most it may have"
            ),
            Self::WrongOrigin => {
                "Registration failed - the scope is not on the caller's origin".into()
            }
            Self::BadArgument(why) => why.clone(),
            Self::Storage(e) => format!("Registration failed - storage error: {e}"),
        }
    }
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name(), self.message())
    }
}

impl std::error::Error for SyncError {}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

impl From<crate::store::StoreError> for SyncError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Storage(e.to_string())
    }
}

/// Longest tag accepted, as in Chromium.
pub const MAX_TAG_LENGTH: usize = 10_240;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_start_with_the_domexception_name() {
        assert_eq!(
            SyncError::PermissionDenied.to_string(),
            "NotAllowedError: Permission denied."
        );
        assert_eq!(
            SyncError::Disabled.to_string(),
            "UnknownError: Background Sync is disabled."
        );
        assert!(SyncError::QuotaExceeded(5)
            .to_string()
            .starts_with("QuotaExceededError: "));
        assert!(SyncError::TagTooLong
            .to_string()
            .starts_with("InvalidAccessError: "));
    }
}
