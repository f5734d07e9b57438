//! Signing in, and `viewer`: who the request is made by.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::error::ApiResult;
use super::scalars::DateTime;
use super::user::User;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::sign_in::{self, SignInOutcome};
use crate::domain::token::TokenKeys;
use crate::domain::user::Actor;

/// `viewer` on `Query`.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The signed-in user, or null when the request carries no token.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<User> {
        ctx.data_unchecked::<Actor>()
            .user()
            .cloned()
            .map(User::as_self)
    }
}

/// The e-mail address and password to sign in with.
#[derive(Debug, InputObject)]
pub struct SignInInput {
    /// The account's e-mail address; case does not matter.
    email: String,
    /// The account's password.
    #[graphql(secret)]
    password: String,
}

/// What `signIn` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct SignInPayload {
    /// The access token: send it as `Authorization: Bearer <token>`. Null on failure.
    token: Option<String>,
    /// When the token stops working; sign in again before then.
    expires_at: Option<DateTime>,
    /// The signed-in user.
    user: Option<User>,
    /// Why signing in failed; empty on success.
    user_errors: Vec<UserError>,
}

/// Signing in on `Mutation`.
#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Exchanges an e-mail address and password for an access token. After a few failures
    /// for one address, attempts are refused for a while with the error code
    /// `RATE_LIMITED` and `extensions.retryAfterSeconds`, whatever the password.
    async fn sign_in(&self, ctx: &Context<'_>, input: SignInInput) -> ApiResult<SignInPayload> {
        let db = ctx.data_unchecked::<Database>();
        let keys = ctx.data_unchecked::<TokenKeys>();

        let outcome = sign_in::sign_in(db, keys, &input.email, &input.password).await?;

        Ok(match outcome {
            SignInOutcome::SignedIn { user, token } => SignInPayload {
                token: Some(token.token),
                expires_at: Some(DateTime(token.expires_at)),
                user: Some(User::as_self(user)),
                user_errors: Vec::new(),
            },
            SignInOutcome::InvalidCredentials => SignInPayload {
                user_errors: vec![UserError {
                    field: vec!["input".into()],
                    message: "the e-mail address or the password is wrong".into(),
                    code: UserErrorCode::InvalidCredentials,
                }],
                ..SignInPayload::default()
            },
            SignInOutcome::InvalidEmail(problem) => SignInPayload {
                user_errors: vec![UserError::on_input(
                    "email",
                    UserErrorCode::Invalid,
                    problem,
                )],
                ..SignInPayload::default()
            },
        })
    }
}
