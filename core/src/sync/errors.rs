//! Why a registration call fails, named as the DOMExceptions apps check for.

/// A failed `register()` (or other) call. `Display` gives "DOMExceptionName: message", which the
/// page bridge and worker shim turn back into a `DOMException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// One-off register with no active service worker.
    #[error("InvalidStateError: Registration failed - no active Service Worker")]
    NoActiveWorker,
    /// The user blocked the permission for the site.
    #[error("NotAllowedError: Permission denied.")]
    PermissionDenied,
    /// The tag is over 10,240 characters.
    #[error("InvalidAccessError: Registration failed - tag too long")]
    TagTooLong,
    /// The feature is switched off for the site.
    #[error("UnknownError: Background Sync is disabled.")]
    Disabled,
    /// The origin holds as many registrations as it may.
    #[error("QuotaExceededError: Registration failed - this site has {0} registrations, the most it may have")]
    QuotaExceeded(u32),
    /// The scope is not a URL of the caller's origin.
    #[error("SecurityError: Registration failed - the scope is not on the caller's origin")]
    WrongOrigin,
    /// The store failed.
    #[error("UnknownError: Registration failed - storage error: {0}")]
    Storage(String),
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
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
        assert!(SyncError::NoActiveWorker
            .to_string()
            .starts_with("InvalidStateError: "));
        assert!(SyncError::TagTooLong
            .to_string()
            .starts_with("InvalidAccessError: "));
    }
}
