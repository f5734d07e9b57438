//! Invitations: how people join an organisation. An admin invites an e-mail address with a
//! role; the invitation's token, shown once to the inviter, is single-use and expires; the
//! invitee accepts it while signed in, or signs up with it. There is no other way in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest as _, Sha256};

use super::membership::{MemberRole, Membership};
use super::token::{IssuedToken, TokenKeys};
use super::user::{Actor, User};
use super::validation::{check_name, check_new_password, normalise_email};
use super::{DomainError, accounts, password, permissions};
use crate::db::memberships::{self as queries, Acceptance, InvitationRow, NewInvitation};
use crate::db::{self, Database, organisations, users};

/// How long an invitation can be accepted.
pub const INVITATION_LIFETIME: Duration = Duration::days(14);

/// An invitation just made, with the token to pass on to the invitee.
#[derive(Clone, Debug)]
pub struct IssuedInvitation {
    pub organisation_id: i64,
    pub email: String,
    pub role: MemberRole,
    pub expires_at: DateTime<Utc>,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// Why an invitation could not be made or used; each is the user's to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationProblem {
    Email(&'static str),
    DisplayName(&'static str),
    Password(&'static str),
    /// The organisation does not exist.
    UnknownOrganisation,
    /// The token is unknown, used or expired.
    InvalidToken,
    /// The signed-in user's address is not the invited one.
    OtherAddress,
    /// An account with the invited address exists; sign in and accept instead.
    AccountExists,
    AlreadyMember,
}

/// Invites `email` into an organisation with `role`.
pub async fn invite(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    email: &str,
    role: MemberRole,
) -> Result<Result<IssuedInvitation, InvitationProblem>, DomainError> {
    let inviter = actor.user().ok_or(DomainError::Unauthenticated)?;
    if !permissions::may_invite(actor, organisation_id, role) {
        return Err(DomainError::Forbidden);
    }
    let email = match normalise_email(email) {
        Ok(email) => email,
        Err(problem) => return Ok(Err(InvitationProblem::Email(problem))),
    };
    let mut conn = db.conn().await?;
    if organisations::by_ids(&mut conn, &[organisation_id])
        .await?
        .is_empty()
    {
        return Ok(Err(InvitationProblem::UnknownOrganisation));
    }

    let token = new_token()?;
    let now = db::now();
    let expires_at = now + INVITATION_LIFETIME;
    let invitation = NewInvitation {
        organisation_id,
        email: &email,
        role: role.as_str(),
        token_hash: &hash_token(&token),
        invited_by: inviter.id,
        created_at: now,
        expires_at,
    };
    queries::insert_invitation(&mut conn, &invitation).await?;

    Ok(Ok(IssuedInvitation {
        organisation_id,
        email,
        role,
        expires_at: expires_at.and_utc(),
        token,
    }))
}

/// Accepts an invitation as the signed-in actor, whose address must be the invited one.
pub async fn accept(
    db: &Database,
    actor: &Actor,
    token: &str,
) -> Result<Result<Membership, InvitationProblem>, DomainError> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let Some(invitation) = usable_invitation(db, token).await? else {
        return Ok(Err(InvitationProblem::InvalidToken));
    };
    if invitation.email != user.email {
        return Ok(Err(InvitationProblem::OtherAddress));
    }

    let mut conn = db.conn().await?;
    let acceptance = queries::accept_invitation(&mut conn, &invitation, user.id, db::now()).await?;
    let id = match acceptance {
        Acceptance::Joined(id) => id,
        Acceptance::AlreadyAccepted => return Ok(Err(InvitationProblem::InvalidToken)),
        Acceptance::AlreadyMember => return Ok(Err(InvitationProblem::AlreadyMember)),
    };
    let row = queries::by_ids(&mut conn, &[id]).await?.pop();
    let row = row.ok_or_else(|| DomainError::Internal(format!("membership {id} vanished")))?;

    Ok(Ok(Membership::try_from(row)?))
}

/// Creates an account for the invited address, joins the organisation, and signs in: all or
/// nothing.
pub async fn sign_up(
    db: &Database,
    keys: &TokenKeys,
    token: &str,
    display_name: &str,
    password: &str,
) -> Result<Result<(User, IssuedToken), InvitationProblem>, DomainError> {
    let display_name = match check_name(display_name) {
        Ok(name) => name,
        Err(problem) => return Ok(Err(InvitationProblem::DisplayName(problem))),
    };
    if let Err(problem) = check_new_password(password) {
        return Ok(Err(InvitationProblem::Password(problem)));
    }
    let Some(invitation) = usable_invitation(db, token).await? else {
        return Ok(Err(InvitationProblem::InvalidToken));
    };

    let password_hash = password::hash(password).await?;
    let now = db::now();
    let new_user = users::NewUser {
        email: &invitation.email,
        display_name: &display_name,
        password_hash: &password_hash,
        platform_role: None,
        disabled: false,
        created_at: now,
    };
    let mut conn = db.conn().await?;
    let signed_up = users::insert_with_invitation(&mut conn, &new_user, &invitation, now).await?;
    let user_id = match signed_up {
        users::SignUp::Created(id) => id,
        users::SignUp::EmailTaken => return Ok(Err(InvitationProblem::AccountExists)),
        users::SignUp::InvitationUsed => return Ok(Err(InvitationProblem::InvalidToken)),
    };
    users::record_sign_in(&mut conn, user_id, now).await?;
    let row = users::by_ids(&mut conn, &[user_id]).await?.pop();
    let row = row.ok_or_else(|| DomainError::Internal(format!("user {user_id} vanished")))?;
    let user = User::try_from(row)?;
    let token = keys.issue(user.id, now.and_utc())?;

    Ok(Ok((user, token)))
}

/// The invitation a token names, if it is unused, unexpired, and its inviter may still
/// invite that role there: an admin who lost the right cannot let themself back in with an
/// invitation made before.
async fn usable_invitation(
    db: &Database,
    token: &str,
) -> Result<Option<InvitationRow>, DomainError> {
    let mut conn = db.conn().await?;
    let invitation = queries::invitation_by_token_hash(&mut conn, &hash_token(token)).await?;
    drop(conn);
    let now = db::now();
    let Some(invitation) = invitation.filter(|i| i.accepted_at.is_none() && i.expires_at > now)
    else {
        return Ok(None);
    };
    let role = MemberRole::parse(&invitation.role).ok_or_else(|| {
        DomainError::Internal(format!("invitation {} has a bad role", invitation.id))
    })?;
    let inviter = accounts::actor_for(db, invitation.invited_by).await?;
    let still_allowed = inviter
        .is_some_and(|inviter| permissions::may_invite(&inviter, invitation.organisation_id, role));

    Ok(still_allowed.then_some(invitation))
}

/// 32 random bytes, URL-safe.
pub(super) fn new_token() -> Result<String, DomainError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::Internal(format!("no random numbers for a token: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a token, hex. Tokens carry 256 random bits, so a fast hash is enough:
/// what it guards against is a leaked table, not guessing.
pub(super) fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
