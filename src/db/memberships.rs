//! Queries over memberships and invitations.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::{
    ExpressionMethods as _, Insertable, OptionalExtension as _, QueryDsl as _, Queryable,
    Selectable, SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::schema::{invitations, memberships, organisations};
use super::{DbConn, DbError, PageRows};

/// One row of `memberships`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub role: String,
    pub created_at: NaiveDateTime,
}

/// A membership to insert.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = memberships)]
pub struct NewMembership<'a> {
    pub organisation_id: i64,
    pub user_id: i64,
    pub role: &'a str,
    pub created_at: NaiveDateTime,
}

/// One row of `invitations`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: i64,
    pub organisation_id: i64,
    pub email: String,
    pub role: String,
    pub token_hash: String,
    pub invited_by: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
}

/// An invitation to insert.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = invitations)]
pub struct NewInvitation<'a> {
    pub organisation_id: i64,
    pub email: &'a str,
    pub role: &'a str,
    pub token_hash: &'a str,
    pub invited_by: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Every membership of these users.
pub async fn of_users(conn: &mut DbConn, user_ids: &[i64]) -> Result<Vec<MembershipRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        memberships::table
            .filter(memberships::user_id.eq_any(user_ids))
            .order_by(memberships::id)
            .select(MembershipRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The memberships with these ids.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<MembershipRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        memberships::table
            .filter(memberships::id.eq_any(ids))
            .select(MembershipRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// One page of an organisation's memberships by id: those after `after` and before
/// `before`, the first or (`from_end`) last `limit`.
pub async fn page_of_organisation(
    conn: &mut DbConn,
    organisation_id: i64,
    after: Option<i64>,
    before: Option<i64>,
    limit: i64,
    from_end: bool,
) -> Result<PageRows<MembershipRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        let mut query = memberships::table
            .filter(memberships::organisation_id.eq(organisation_id))
            .select(MembershipRow::as_select())
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(memberships::id.gt(after));
        }
        if let Some(before) = before {
            query = query.filter(memberships::id.lt(before));
        }
        query = if from_end {
            query.order_by(memberships::id.desc())
        } else {
            query.order_by(memberships::id.asc())
        };
        query.limit(limit + 1).load(c).await
    })?;

    Ok(PageRows::from_extra_row(rows, limit, from_end))
}

/// How many members an organisation has.
pub async fn count_of_organisation(
    conn: &mut DbConn,
    organisation_id: i64,
) -> Result<i64, DbError> {
    let count = crate::on_conn!(conn, |c| {
        memberships::table
            .filter(memberships::organisation_id.eq(organisation_id))
            .select(count_star())
            .get_result(c)
            .await
    })?;

    Ok(count)
}

/// The unaccepted invitation with this token hash.
pub async fn invitation_by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<InvitationRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        invitations::table
            .filter(invitations::token_hash.eq(token_hash))
            .select(InvitationRow::as_select())
            .first(c)
            .await
            .optional()
    })?;

    Ok(row)
}

/// Stores an invitation and returns its id.
pub async fn insert_invitation(
    conn: &mut DbConn,
    invitation: &NewInvitation<'_>,
) -> Result<i64, DbError> {
    let id = crate::on_conn!(conn, |c| {
        diesel::insert_into(invitations::table)
            .values(invitation)
            .returning(invitations::id)
            .get_result(c)
            .await
    })?;

    Ok(id)
}

/// What accepting an invitation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acceptance {
    /// The user is now a member; the membership's id.
    Joined(i64),
    /// Someone accepted it first.
    AlreadyAccepted,
    /// The user is a member already; the invitation stays unused.
    AlreadyMember,
}

/// Accepts an invitation for `user_id`, in one transaction: the invitation is used once,
/// and the membership exists exactly when it was.
pub async fn accept_invitation(
    conn: &mut DbConn,
    invitation: &InvitationRow,
    user_id: i64,
    at: NaiveDateTime,
) -> Result<Acceptance, DbError> {
    let acceptance = crate::write_transaction!(conn, |c| {
        let claimed = diesel::update(
            invitations::table
                .find(invitation.id)
                .filter(invitations::accepted_at.is_null()),
        )
        .set(invitations::accepted_at.eq(at))
        .execute(c)
        .await?;
        if claimed == 0 {
            return Ok(Acceptance::AlreadyAccepted);
        }
        let membership = NewMembership {
            organisation_id: invitation.organisation_id,
            user_id,
            role: &invitation.role,
            created_at: at,
        };
        let id: Option<i64> = diesel::insert_into(memberships::table)
            .values(&membership)
            .on_conflict((memberships::organisation_id, memberships::user_id))
            .do_nothing()
            .returning(memberships::id)
            .get_result(c)
            .await
            .optional()?;
        // Already a member: roll back, so that the invitation stays unused.
        id.map(Acceptance::Joined)
            .ok_or(diesel::result::Error::RollbackTransaction)
    });

    match acceptance {
        Err(diesel::result::Error::RollbackTransaction) => Ok(Acceptance::AlreadyMember),
        other => Ok(other?),
    }
}

/// Inserts a membership outright, as the demo data does; `None` if it exists.
pub async fn insert(
    conn: &mut DbConn,
    membership: &NewMembership<'_>,
) -> Result<Option<i64>, DbError> {
    let id = crate::on_conn!(conn, |c| {
        diesel::insert_into(memberships::table)
            .values(membership)
            .on_conflict((memberships::organisation_id, memberships::user_id))
            .do_nothing()
            .returning(memberships::id)
            .get_result(c)
            .await
            .optional()
    })?;

    Ok(id)
}

/// What a change to a membership did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipChange {
    Done,
    /// It would leave the organisation without an owner.
    LastOwner,
    /// The membership is gone, or its role is no longer the one the change was decided on.
    Stale,
}

/// Sets a membership's role, in one transaction that keeps at least one owner. If its role
/// is no longer `membership.role`, the one the caller's permission check saw, nothing is
/// written.
pub async fn set_role(
    conn: &mut DbConn,
    membership: &MembershipRow,
    role: &str,
) -> Result<MembershipChange, DbError> {
    change(conn, membership, Some(role)).await
}

/// Deletes a membership, in one transaction that keeps at least one owner.
pub async fn remove(
    conn: &mut DbConn,
    membership: &MembershipRow,
) -> Result<MembershipChange, DbError> {
    change(conn, membership, None).await
}

/// Sets the role of (`Some`) or deletes (`None`) a membership that still has the role the
/// caller saw, unless that would remove the organisation's last owner.
async fn change(
    conn: &mut DbConn,
    membership: &MembershipRow,
    new_role: Option<&str>,
) -> Result<MembershipChange, DbError> {
    let demotes_owner = membership.role == OWNER && new_role != Some(OWNER);
    let change = crate::write_transaction!(conn, |c| {
        // Writing to the organisation's row serialises every change to its owners: on
        // PostgreSQL the row stays locked until commit; SQLite's BEGIN IMMEDIATE already
        // admits one writer at a time.
        diesel::update(organisations::table.find(membership.organisation_id))
            .set(organisations::updated_at.eq(organisations::updated_at))
            .execute(c)
            .await?;
        if demotes_owner {
            let owners: i64 = memberships::table
                .filter(memberships::organisation_id.eq(membership.organisation_id))
                .filter(memberships::role.eq(OWNER))
                .select(count_star())
                .get_result(c)
                .await?;
            if owners <= 1 {
                return Ok::<_, diesel::result::Error>(MembershipChange::LastOwner);
            }
        }
        let target = memberships::table
            .find(membership.id)
            .filter(memberships::role.eq(&membership.role));
        let touched = match new_role {
            Some(role) => {
                diesel::update(target)
                    .set(memberships::role.eq(role))
                    .execute(c)
                    .await?
            }
            None => diesel::delete(target).execute(c).await?,
        };
        Ok(if touched == 1 {
            MembershipChange::Done
        } else {
            MembershipChange::Stale
        })
    })?;

    Ok(change)
}

/// The stored name of the owner role.
const OWNER: &str = "OWNER";
