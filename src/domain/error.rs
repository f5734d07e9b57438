//! What can go wrong when the platform's rules are applied.

use crate::db::DbError;

/// A failure of a domain operation. The API layer maps each to a stable error code.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The caller sent something the rules reject; the message says what and is safe to show.
    #[error("{0}")]
    Invalid(String),
    /// The thing asked for does not exist, or the caller may not know that it does.
    #[error("not found")]
    NotFound,
    /// The request's credentials are forged, expired or name no active user, or there
    /// are none where some are needed.
    #[error("not signed in")]
    Unauthenticated,
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The actor may not do this, for a reason they should know and that has a stable name.
    #[error("{message}")]
    Refused {
        reason: &'static str,
        message: String,
    },
    /// A cursor or token points at something no longer kept; the message says what to do.
    #[error("{0}")]
    Expired(String),
    /// A subscriber fell too far behind its feed and was dropped; it may resume.
    #[error("the subscriber fell too far behind")]
    TooSlow,
    /// Too many attempts; the caller may try again after this many seconds.
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// The database cannot be reached in time; trying again later may work.
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    /// A fault of ours; the detail is for the log, never for the caller.
    #[error("internal error")]
    Internal(String),
}

impl DomainError {
    /// Shortcut for [`DomainError::Invalid`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}

impl From<DbError> for DomainError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(detail) => Self::Unavailable(detail),
            // The server went away in the middle of a statement: a restart, a failover.
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            )) => Self::Unavailable(info.message().to_owned()),
            DbError::Query(error) => Self::Internal(error.to_string()),
        }
    }
}
