//! Joining organisations: `inviteMember`, `acceptInvitation` and `signUp`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::membership::{MemberRole, Membership};
use super::scalars::DateTime;
use super::user::User;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::invitations::{self, InvitationProblem};
use crate::domain::token::TokenKeys;
use crate::domain::user::Actor;

/// Whom to invite, where, and with what role.
#[derive(Debug, InputObject)]
pub struct InviteMemberInput {
    /// The organisation to join.
    organisation_id: ID,
    /// The invitee's e-mail address; only an account with this address can accept.
    email: String,
    /// The role they will have. Only owners and Secretariat admins may invite owners.
    role: MemberRole,
}

/// An invitation just made.
#[derive(Debug, SimpleObject)]
pub struct Invitation {
    /// The invited e-mail address, lower-cased.
    email: String,
    /// The role the invitee will have.
    role: MemberRole,
    /// When the invitation stops working.
    expires_at: DateTime,
}

/// What `inviteMember` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct InviteMemberPayload {
    /// The invitation; null on failure.
    invitation: Option<Invitation>,
    /// The single-use secret the invitee needs, shown only now: pass it on to them (the
    /// platform sends no e-mail yet). They use it with `acceptInvitation` or `signUp`.
    invitation_token: Option<String>,
    /// What is wrong with the input; empty on success.
    user_errors: Vec<UserError>,
}

/// The invitation to accept.
#[derive(Debug, InputObject)]
pub struct AcceptInvitationInput {
    /// The secret from the invitation.
    #[graphql(secret)]
    invitation_token: String,
}

/// What `acceptInvitation` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct AcceptInvitationPayload {
    /// The new membership; null on failure.
    membership: Option<Membership>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// A new account, made with an invitation.
#[derive(Debug, InputObject)]
pub struct SignUpInput {
    /// The secret from the invitation; the account gets the invited e-mail address.
    #[graphql(secret)]
    invitation_token: String,
    /// The name shown to others, 1 to 200 characters.
    display_name: String,
    /// At least 12 characters.
    #[graphql(secret)]
    password: String,
}

/// What `signUp` returns: the new user, signed in.
#[derive(Debug, Default, SimpleObject)]
pub struct SignUpPayload {
    /// An access token for the new user: send it as `Authorization: Bearer <token>`.
    token: Option<String>,
    /// When the token stops working.
    expires_at: Option<DateTime>,
    /// The new user.
    user: Option<User>,
    /// What is wrong with the input; empty on success, and then nothing was written.
    user_errors: Vec<UserError>,
}

/// Membership mutations on `Mutation`.
#[derive(Default)]
pub struct InvitationMutation;

#[Object]
impl InvitationMutation {
    /// Invites an e-mail address into an organisation. For the organisation's owners and
    /// admins (admins may not invite owners), and for Secretariat admins.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> ApiResult<InviteMemberPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let NodeId::Organisation(organisation_id) = NodeId::decode(&input.organisation_id)? else {
            return Err(ApiError::BadUserInput(
                "`organisationId` is not an organisation".into(),
            ));
        };

        let outcome =
            invitations::invite(db, actor, organisation_id, &input.email, input.role.into())
                .await?;

        Ok(match outcome {
            Ok(issued) => InviteMemberPayload {
                invitation: Some(Invitation {
                    email: issued.email,
                    role: issued.role.into(),
                    expires_at: DateTime(issued.expires_at),
                }),
                invitation_token: Some(issued.token),
                user_errors: Vec::new(),
            },
            Err(problem) => InviteMemberPayload {
                user_errors: vec![user_error(problem)],
                ..InviteMemberPayload::default()
            },
        })
    }

    /// Accepts an invitation as the signed-in user, whose e-mail address must be the one
    /// invited.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> ApiResult<AcceptInvitationPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );

        let outcome = invitations::accept(db, actor, &input.invitation_token).await?;

        Ok(match outcome {
            Ok(membership) => AcceptInvitationPayload {
                membership: Some(Membership(membership)),
                user_errors: Vec::new(),
            },
            Err(problem) => AcceptInvitationPayload {
                membership: None,
                user_errors: vec![user_error(problem)],
            },
        })
    }

    /// Creates an account with an invitation and signs it in. There is no sign-up without
    /// one.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> ApiResult<SignUpPayload> {
        let db = ctx.data_unchecked::<Database>();
        let keys = ctx.data_unchecked::<TokenKeys>();

        let outcome = invitations::sign_up(
            db,
            keys,
            &input.invitation_token,
            &input.display_name,
            &input.password,
        )
        .await?;

        Ok(match outcome {
            Ok((user, token)) => SignUpPayload {
                token: Some(token.token),
                expires_at: Some(DateTime(token.expires_at)),
                user: Some(User::as_self(user)),
                user_errors: Vec::new(),
            },
            Err(problem) => SignUpPayload {
                user_errors: vec![user_error(problem)],
                ..SignUpPayload::default()
            },
        })
    }
}

/// The user error for a problem with an invitation.
fn user_error(problem: InvitationProblem) -> UserError {
    use InvitationProblem::*;
    use UserErrorCode::{Invalid, Taken};
    match problem {
        Email(problem) => UserError::on_input("email", Invalid, problem),
        DisplayName(problem) => UserError::on_input("displayName", Invalid, problem),
        Password(problem) => UserError::on_input("password", Invalid, problem),
        UnknownOrganisation => {
            UserError::on_input("organisationId", Invalid, "names no organisation")
        }
        InvalidToken => UserError::on_input(
            "invitationToken",
            Invalid,
            "is unknown, used or expired; ask for a new invitation",
        ),
        OtherAddress => UserError::on_input(
            "invitationToken",
            Invalid,
            "invites another e-mail address; sign in with that one",
        ),
        AccountExists => UserError::on_input(
            "invitationToken",
            Taken,
            "invites an address that has an account; sign in and accept it instead",
        ),
        AlreadyMember => UserError::on_input(
            "invitationToken",
            Taken,
            "is for an organisation you belong to",
        ),
    }
}
