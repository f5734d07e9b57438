//! The one error type of the API, with the stable codes clients branch on.

use async_graphql::ErrorExtensions as _;

use crate::domain::DomainError;

/// A top-level GraphQL error. Its `extensions.code` is part of the API and never changes.
///
/// It has no `Display` on purpose: async-graphql turns anything displayable into an error
/// without a code, and every error we send must carry one.
#[derive(Clone, Debug)]
pub enum ApiError {
    Unauthenticated,
    Forbidden,
    /// Forbidden for a reason the client is told: a stable name and a sentence.
    Refused {
        reason: &'static str,
        message: String,
    },
    NotFound,
    /// The request is well formed but an argument is not acceptable; the text says why.
    BadUserInput(String),
    Conflict(String),
    /// Too many attempts; try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// A cursor points at something no longer kept.
    Expired(String),
    /// A subscriber fell too far behind its feed; it was dropped and may resume.
    TooSlow,
    /// The database could not be reached in time.
    Unavailable,
    /// A fault of ours, already logged; the client learns nothing more.
    Internal,
}

/// What resolvers return.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The stable code sent as `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden | Self::Refused { .. } => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Expired(_) => "EXPIRED",
            Self::TooSlow => "TOO_SLOW",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    fn message(&self) -> &str {
        match self {
            Self::Unauthenticated => "sign in to do this",
            Self::Forbidden => "you may not do this",
            Self::NotFound => "not found",
            Self::BadUserInput(message) | Self::Conflict(message) => message,
            Self::Refused { message, .. } | Self::Expired(message) => message,
            Self::TooSlow => {
                "you fell too far behind the feed; subscribe again with `after` set to the \
                 cursor of the last event you received"
            }
            Self::RateLimited { .. } => "too many attempts; wait before trying again",
            Self::Unavailable => "the service is temporarily unavailable; try again shortly",
            Self::Internal => "internal error",
        }
    }
}

impl From<DomainError> for ApiError {
    /// Logs what the client must not see, once, here at the boundary.
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid(message) => Self::BadUserInput(message),
            DomainError::NotFound => Self::NotFound,
            DomainError::Unauthenticated => Self::Unauthenticated,
            DomainError::Forbidden => Self::Forbidden,
            DomainError::Refused { reason, message } => Self::Refused { reason, message },
            DomainError::Expired(message) => Self::Expired(message),
            DomainError::TooSlow => Self::TooSlow,
            DomainError::RateLimited { retry_after_secs } => Self::RateLimited { retry_after_secs },
            DomainError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                Self::Unavailable
            }
            DomainError::Internal(detail) => {
                tracing::error!(error = %detail, "a GraphQL field failed with an internal error");
                Self::Internal
            }
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let code = error.code();
        async_graphql::Error::new(error.message()).extend_with(|_, ext| {
            ext.set("code", code);
            match &error {
                ApiError::RateLimited { retry_after_secs } => {
                    ext.set("retryAfterSeconds", *retry_after_secs);
                }
                ApiError::Refused { reason, .. } => ext.set("reason", *reason),
                _ => {}
            }
        })
    }
}
