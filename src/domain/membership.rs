//! Memberships: who acts for which organisation, and with what role.

use chrono::{DateTime, Utc};

use std::collections::HashMap;

use super::pagination::{Page, PageArgs, encode_id_cursor};
use super::text_enum::text_enum;
use super::user::Actor;
use super::{DomainError, permissions};
use crate::db::Database;
use crate::db::memberships::{self as queries, MembershipRow};

text_enum! {
    /// A member's role in one organisation, from most to least powerful.
    pub enum MemberRole {
        Owner => "OWNER",
        Admin => "ADMIN",
        Editor => "EDITOR",
        Member => "MEMBER",
    }
}

impl MemberRole {
    /// Whether this role runs the organisation's membership and profile.
    pub fn is_admin(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }

    /// Whether this role writes on the organisation's behalf: posts, applications.
    pub fn is_editor(self) -> bool {
        matches!(self, Self::Owner | Self::Admin | Self::Editor)
    }
}

/// One user's membership of one organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = DomainError;

    fn try_from(row: MembershipRow) -> Result<Self, Self::Error> {
        let role = MemberRole::parse(&row.role).ok_or_else(|| {
            DomainError::Internal(format!("membership {} has a bad role", row.id))
        })?;

        Ok(Self {
            id: row.id,
            organisation_id: row.organisation_id,
            user_id: row.user_id,
            role,
            joined_at: row.created_at.and_utc(),
        })
    }
}

/// One page of an organisation's members, oldest first; `None` when the actor may not see
/// them.
pub async fn list_members(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    args: &PageArgs,
) -> Result<Option<Page<Membership>>, DomainError> {
    if !permissions::may_view_members(actor, organisation_id) {
        return Ok(None);
    }
    let window = args.window()?;
    let (after, before) = args.id_bounds()?;

    let mut conn = db.conn().await?;
    let page = queries::page_of_organisation(
        &mut conn,
        organisation_id,
        after,
        before,
        window.limit,
        window.from_end,
    )
    .await?;
    let edges = page
        .rows
        .into_iter()
        .map(|row| Ok((encode_id_cursor(row.id), Membership::try_from(row)?)))
        .collect::<Result<Vec<_>, DomainError>>()?;

    Ok(Some(Page::new(edges, args, window, page.has_more)))
}

/// How many members an organisation has.
pub async fn count_members(db: &Database, organisation_id: i64) -> Result<i64, DomainError> {
    let mut conn = db.conn().await?;

    Ok(queries::count_of_organisation(&mut conn, organisation_id).await?)
}

/// Every membership of these users, by user, oldest first; an empty list for a user with
/// none.
pub async fn memberships_of_users(
    db: &Database,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<Membership>>, DomainError> {
    let mut conn = db.conn().await?;
    // Every user asked for gets an entry, if only an empty one, so that a cache keeps it.
    let mut by_user: HashMap<i64, Vec<Membership>> =
        user_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in queries::of_users(&mut conn, user_ids).await? {
        let membership = Membership::try_from(row)?;
        by_user
            .entry(membership.user_id)
            .or_default()
            .push(membership);
    }

    Ok(by_user)
}

/// The memberships with these ids that the actor may see.
pub async fn memberships_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Membership>, DomainError> {
    let mut conn = db.conn().await?;
    let mut visible = HashMap::new();
    for row in queries::by_ids(&mut conn, ids).await? {
        let membership = Membership::try_from(row)?;
        if permissions::may_view_members(actor, membership.organisation_id) {
            visible.insert(membership.id, membership);
        }
    }

    Ok(visible)
}

/// Makes a user a member outright, without an invitation: for bootstrapping only, such as
/// the demo owner. Returns the new membership's id, or `None` if they were a member already.
pub async fn enrol(
    db: &Database,
    organisation_id: i64,
    user_id: i64,
    role: MemberRole,
) -> Result<Option<i64>, DomainError> {
    let membership = queries::NewMembership {
        organisation_id,
        user_id,
        role: role.as_str(),
        created_at: crate::db::now(),
    };
    let mut conn = db.conn().await?;

    Ok(queries::insert(&mut conn, &membership).await?)
}

/// Why a membership could not be changed; the user's to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipProblem {
    /// No membership the actor can see has this id.
    Unknown,
    /// The change would leave the organisation without an owner.
    LastOwner,
    /// Someone changed the membership meanwhile; look again.
    Changed,
}

/// Changes a member's role.
pub async fn change_role(
    db: &Database,
    actor: &Actor,
    membership_id: i64,
    role: MemberRole,
) -> Result<Result<Membership, MembershipProblem>, DomainError> {
    let (row, membership) = match visible_membership(db, actor, membership_id).await? {
        Some(found) => found,
        None => return Ok(Err(MembershipProblem::Unknown)),
    };
    if !permissions::may_change_role(actor, membership.organisation_id, membership.role, role) {
        return Err(DomainError::Forbidden);
    }

    let mut conn = db.conn().await?;
    let outcome = queries::set_role(&mut conn, &row, role.as_str()).await?;

    Ok(match outcome {
        queries::MembershipChange::Done => Ok(Membership { role, ..membership }),
        queries::MembershipChange::LastOwner => Err(MembershipProblem::LastOwner),
        queries::MembershipChange::Stale => Err(MembershipProblem::Changed),
    })
}

/// Ends a membership: an admin removing a member, or a member leaving.
pub async fn remove_member(
    db: &Database,
    actor: &Actor,
    membership_id: i64,
) -> Result<Result<Membership, MembershipProblem>, DomainError> {
    let (row, membership) = match visible_membership(db, actor, membership_id).await? {
        Some(found) => found,
        None => return Ok(Err(MembershipProblem::Unknown)),
    };
    let organisation_id = membership.organisation_id;
    if !permissions::may_remove(actor, organisation_id, membership.user_id, membership.role) {
        return Err(DomainError::Forbidden);
    }

    let mut conn = db.conn().await?;
    let outcome = queries::remove(&mut conn, &row).await?;

    Ok(match outcome {
        queries::MembershipChange::Done => Ok(membership),
        queries::MembershipChange::LastOwner => Err(MembershipProblem::LastOwner),
        queries::MembershipChange::Stale => Err(MembershipProblem::Changed),
    })
}

/// The membership with this id, if the actor may see it; unauthenticated actors are refused.
async fn visible_membership(
    db: &Database,
    actor: &Actor,
    membership_id: i64,
) -> Result<Option<(MembershipRow, Membership)>, DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    let mut conn = db.conn().await?;
    let Some(row) = queries::by_ids(&mut conn, &[membership_id]).await?.pop() else {
        return Ok(None);
    };
    let membership = Membership::try_from(row.clone())?;
    if !permissions::may_view_members(actor, membership.organisation_id) {
        return Ok(None);
    }

    Ok(Some((row, membership)))
}
