//! Accounts: creating users, and finding who a request's token names.

use std::collections::HashMap;

use super::DomainError;
use super::membership::Membership;
use super::password;
use super::permissions;
use super::token::TokenKeys;
use super::user::{Actor, PlatformRole, User};
use super::validation::{check_name, check_new_password, normalise_email};
use crate::db::{self, Database, users};

/// Why a user could not be created.
#[derive(Debug, PartialEq, Eq)]
pub enum NewUserProblem {
    Email(&'static str),
    DisplayName(&'static str),
    Password(&'static str),
    EmailTaken,
}

/// Creates a user after checking every field; returns the user, or what is wrong.
pub async fn create_user(
    db: &Database,
    email: &str,
    display_name: &str,
    password: &str,
    platform_role: Option<PlatformRole>,
) -> Result<Result<User, NewUserProblem>, DomainError> {
    let email = match normalise_email(email) {
        Ok(email) => email,
        Err(problem) => return Ok(Err(NewUserProblem::Email(problem))),
    };
    let display_name = match check_name(display_name) {
        Ok(name) => name,
        Err(problem) => return Ok(Err(NewUserProblem::DisplayName(problem))),
    };
    if let Err(problem) = check_new_password(password) {
        return Ok(Err(NewUserProblem::Password(problem)));
    }

    let password_hash = password::hash(password).await?;
    let new_user = users::NewUser {
        email: &email,
        display_name: &display_name,
        password_hash: &password_hash,
        platform_role: platform_role.map(PlatformRole::as_str),
        disabled: false,
        created_at: db::now(),
    };
    let mut conn = db.conn().await?;
    let Some(id) = users::insert(&mut conn, &new_user).await? else {
        return Ok(Err(NewUserProblem::EmailTaken));
    };
    let row = users::by_ids(&mut conn, &[id]).await?.pop();
    let row = row.ok_or_else(|| DomainError::Internal(format!("user {id} vanished")))?;

    Ok(Ok(User::try_from(row)?))
}

/// Disables or enables the account with this e-mail address; `false` if there is none.
/// A disabled account cannot sign in, and its tokens are refused from the next request on.
pub async fn set_disabled(db: &Database, email: &str, disabled: bool) -> Result<bool, DomainError> {
    let Ok(email) = normalise_email(email) else {
        return Ok(false);
    };
    let mut conn = db.conn().await?;

    Ok(users::set_disabled(&mut conn, &email, disabled).await?)
}

/// The actor a bearer token stands for. A token that is forged, expired or malformed, or
/// that names a user who is gone or disabled, is refused: never treated as anonymous.
pub async fn authenticate(
    db: &Database,
    keys: &TokenKeys,
    token: &str,
) -> Result<Actor, DomainError> {
    let (user_id, expires_at) = keys
        .verify_until(token)
        .ok_or(DomainError::Unauthenticated)?;

    let actor = actor_for(db, user_id)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    Ok(actor.until(expires_at))
}

/// The actor a user is now, with their roles; `None` if the user is gone or disabled.
pub async fn actor_for(db: &Database, user_id: i64) -> Result<Option<Actor>, DomainError> {
    let mut conn = db.conn().await?;
    let (user, memberships) = match users::with_memberships(&mut conn, user_id).await? {
        Some((row, memberships)) if !row.disabled => (User::try_from(row)?, memberships),
        _ => return Ok(None),
    };

    let mut roles = HashMap::new();
    for row in memberships {
        let membership = Membership::try_from(row)?;
        roles.insert(membership.organisation_id, membership.role);
    }

    Ok(Some(Actor::signed_in(user, roles)))
}

/// The users with these ids, for a signed-in `actor`; anonymous actors see no one. Which of
/// their details the actor may read is [`permissions::may_view_private_details`]'s to say.
pub async fn users_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, User>, DomainError> {
    if !permissions::may_view_users(actor) {
        return Ok(HashMap::new());
    }
    let mut conn = db.conn().await?;
    let rows = users::by_ids(&mut conn, ids).await?;

    rows.into_iter()
        .map(|row| Ok((row.id, User::try_from(row)?)))
        .collect()
}
