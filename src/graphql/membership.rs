//! Memberships in the graph: who acts for which organisation, with what role.

use async_graphql::{Context, Enum, ID, Object};

use super::connection::selects_in_nodes;
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::Organisation;
use super::scalars::DateTime;
use super::user::User;
use crate::domain::membership as model;

/// A member's role in one organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::MemberRole")]
pub enum MemberRole {
    /// Runs the organisation: everything an admin does, and appoints owners. An
    /// organisation always keeps at least one.
    Owner,
    /// Runs membership and the profile: invites, changes roles below owner, edits.
    Admin,
    /// Publishes on behalf of the organisation.
    Editor,
    /// Reads and takes part in conversations.
    Member,
}

/// One user's membership of one organisation.
#[derive(Clone, Debug)]
pub struct Membership(pub model::Membership);

/// One user's membership of one organisation. Visible to the organisation's members and to
/// the ASEAN Secretariat.
#[Object]
impl Membership {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::Membership(self.0.id).encode()
    }

    /// The member's role in the organisation.
    async fn role(&self) -> MemberRole {
        self.0.role.into()
    }

    /// When they joined.
    async fn joined_at(&self) -> DateTime {
        DateTime(self.0.joined_at)
    }

    /// The member; null for a request that may not see users, such as the payload of a
    /// sign-in, which is made before it.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let user = loaders.users.load_one(self.0.user_id).await?;

        Ok(user.map(User::new))
    }

    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let organisation = loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        organisation
            .map(Organisation::from)
            .ok_or(ApiError::Internal)
    }
}

/// Loads, in one batch per level, what the selection under a page of memberships will ask
/// for: their users, those users' memberships, and the organisations of those.
///
/// The DataLoaders would batch these too, but only among the loads that arrive within their
/// delay, so how many statements a page costs would depend on timing. Loading up front makes
/// it fixed; each child then finds its value in the request's cache.
pub async fn preload(ctx: &Context<'_>, memberships: &[model::Membership]) -> ApiResult<()> {
    let selects = |path: &[&str]| selects_in_nodes(ctx, path);
    let loaders = ctx.data_unchecked::<Loaders>();
    let user_ids: Vec<i64> = memberships.iter().map(|m| m.user_id).collect();

    if selects(&["user"]) {
        loaders.users.load_many(user_ids.iter().copied()).await?;
    }
    if selects(&["organisation"]) {
        loaders
            .organisations
            .load_many(memberships.iter().map(|m| m.organisation_id))
            .await?;
    }
    if selects(&["user", "memberships"]) {
        let theirs = loaders.memberships_of_users.load_many(user_ids).await?;
        if selects(&["user", "memberships", "organisation"]) {
            let organisation_ids = theirs.values().flatten().map(|m| m.organisation_id);
            loaders.organisations.load_many(organisation_ids).await?;
        }
    }

    Ok(())
}
