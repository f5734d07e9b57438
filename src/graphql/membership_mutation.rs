//! Running membership: `changeMemberRole` and `removeMember`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::membership::{MemberRole, Membership};
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::membership::{self, MembershipProblem};
use crate::domain::user::Actor;

/// The membership to change and its new role.
#[derive(Debug, InputObject)]
pub struct ChangeMemberRoleInput {
    /// The membership, as read from `Membership.id`.
    membership_id: ID,
    /// The new role.
    role: MemberRole,
}

/// What `changeMemberRole` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct ChangeMemberRolePayload {
    /// The membership with its new role; null on failure.
    membership: Option<Membership>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// The membership to end.
#[derive(Debug, InputObject)]
pub struct RemoveMemberInput {
    /// The membership, as read from `Membership.id`; your own to leave.
    membership_id: ID,
}

/// What `removeMember` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct RemoveMemberPayload {
    /// The ID of the membership that ended; null on failure.
    removed_membership_id: Option<ID>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// Membership management on `Mutation`.
#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// Changes a member's role. Owners change any role; admins change roles below owner to
    /// roles below owner. The last owner cannot be demoted.
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        input: ChangeMemberRoleInput,
    ) -> ApiResult<ChangeMemberRolePayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = membership_id(&input.membership_id)?;

        let outcome = membership::change_role(db, actor, id, input.role.into()).await?;

        Ok(match outcome {
            Ok(changed) => ChangeMemberRolePayload {
                membership: Some(Membership(changed)),
                user_errors: Vec::new(),
            },
            Err(problem) => ChangeMemberRolePayload {
                membership: None,
                user_errors: vec![user_error(problem)],
            },
        })
    }

    /// Ends a membership: an owner or admin removing a member (admins may not remove
    /// owners), or a member leaving. The last owner cannot leave or be removed.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveMemberInput,
    ) -> ApiResult<RemoveMemberPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = membership_id(&input.membership_id)?;

        let outcome = membership::remove_member(db, actor, id).await?;

        Ok(match outcome {
            Ok(removed) => RemoveMemberPayload {
                removed_membership_id: Some(NodeId::Membership(removed.id).encode()),
                user_errors: Vec::new(),
            },
            Err(problem) => RemoveMemberPayload {
                removed_membership_id: None,
                user_errors: vec![user_error(problem)],
            },
        })
    }
}

fn membership_id(id: &ID) -> ApiResult<i64> {
    match NodeId::decode(id)? {
        NodeId::Membership(id) => Ok(id),
        _ => Err(ApiError::BadUserInput(
            "`membershipId` is not a membership".into(),
        )),
    }
}

fn user_error(problem: MembershipProblem) -> UserError {
    match problem {
        MembershipProblem::Unknown => UserError::on_input(
            "membershipId",
            UserErrorCode::Invalid,
            "names no membership you can see",
        ),
        MembershipProblem::LastOwner => UserError::on_input(
            "membershipId",
            UserErrorCode::LastOwner,
            "is the organisation's last owner; make someone else owner first",
        ),
        MembershipProblem::Changed => UserError::on_input(
            "membershipId",
            UserErrorCode::Changed,
            "was changed by someone else meanwhile; look again",
        ),
    }
}
