//! Queries over users and the sign-in throttle.

use chrono::NaiveDateTime;
use diesel::upsert::excluded;
use diesel::{
    ExpressionMethods as _, Insertable, OptionalExtension as _, QueryDsl as _, Queryable,
    Selectable, SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::memberships::{InvitationRow, MembershipRow, NewMembership};
use super::schema::{invitations, memberships, sign_in_throttles, users};
use super::stamp::{MaybeStamp, Stamp};
use super::{DbConn, DbError};

/// One row of `users`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub platform_role: Option<String>,
    pub disabled: bool,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub last_sign_in_at: Option<NaiveDateTime>,
}

/// A user to insert. The e-mail address must already be lower-cased.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub platform_role: Option<&'a str>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

/// Inserts a user; `None` when the e-mail address is taken.
pub async fn insert(conn: &mut DbConn, user: &NewUser<'_>) -> Result<Option<i64>, DbError> {
    let id = crate::on_conn!(conn, |c| {
        diesel::insert_into(users::table)
            .values(user)
            .on_conflict(users::email)
            .do_nothing()
            .returning(users::id)
            .get_result(c)
            .await
            .optional()
    })?;

    Ok(id)
}

/// Loads the users with these ids, in no particular order.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<UserRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        users::table
            .filter(users::id.eq_any(ids))
            .select(UserRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Loads a user with their memberships in one statement, for authenticating a request.
pub async fn with_memberships(
    conn: &mut DbConn,
    id: i64,
) -> Result<Option<(UserRow, Vec<MembershipRow>)>, DbError> {
    let rows: Vec<(UserRow, Option<MembershipRow>)> = crate::on_conn!(conn, |c| {
        users::table
            .left_join(memberships::table)
            .filter(users::id.eq(id))
            .order_by(memberships::id)
            .select((UserRow::as_select(), Option::<MembershipRow>::as_select()))
            .load(c)
            .await
    })?;

    let mut rows = rows.into_iter();
    let Some((user, first)) = rows.next() else {
        return Ok(None);
    };
    let memberships = first
        .into_iter()
        .chain(rows.filter_map(|(_, row)| row))
        .collect();
    Ok(Some((user, memberships)))
}

/// Loads the user with this (lower-cased) e-mail address.
pub async fn by_email(conn: &mut DbConn, email: &str) -> Result<Option<UserRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        users::table
            .filter(users::email.eq(email))
            .select(UserRow::as_select())
            .first(c)
            .await
            .optional()
    })?;

    Ok(row)
}

/// Sets whether the user with this (lower-cased) e-mail address is disabled; returns
/// whether there is one.
pub async fn set_disabled(conn: &mut DbConn, email: &str, disabled: bool) -> Result<bool, DbError> {
    let touched = crate::on_conn!(conn, |c| {
        diesel::update(users::table.filter(users::email.eq(email)))
            .set(users::disabled.eq(disabled))
            .execute(c)
            .await
    })?;

    Ok(touched == 1)
}

/// Notes a successful sign-in.
pub async fn record_sign_in(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> Result<(), DbError> {
    crate::on_conn!(conn, |c| {
        diesel::update(users::table.find(id))
            .set(users::last_sign_in_at.eq(at))
            .execute(c)
            .await
    })?;

    Ok(())
}

/// The failed sign-ins recorded for one e-mail address.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sign_in_throttles)]
pub struct ThrottleRow {
    pub email: String,
    pub failures: i64,
    pub last_failure_at: NaiveDateTime,
    pub blocked_until: Option<NaiveDateTime>,
}

/// The throttle of an e-mail address, if it has failed before.
pub async fn throttle(conn: &mut DbConn, email: &str) -> Result<Option<ThrottleRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        sign_in_throttles::table
            .find(email)
            .select(ThrottleRow::as_select())
            .first(c)
            .await
            .optional()
    })?;

    Ok(row)
}

/// Counts one more failure for `email`, atomically, and returns the new count.
pub async fn count_failure(
    conn: &mut DbConn,
    email: &str,
    at: NaiveDateTime,
) -> Result<i64, DbError> {
    let failures = crate::on_conn!(conn, |c| {
        diesel::insert_into(sign_in_throttles::table)
            .values((
                sign_in_throttles::email.eq(email),
                sign_in_throttles::failures.eq(1),
                sign_in_throttles::last_failure_at.eq(at),
            ))
            .on_conflict(sign_in_throttles::email)
            .do_update()
            .set((
                sign_in_throttles::failures.eq(sign_in_throttles::failures + 1),
                sign_in_throttles::last_failure_at.eq(excluded(sign_in_throttles::last_failure_at)),
            ))
            .returning(sign_in_throttles::failures)
            .get_result(c)
            .await
    })?;

    Ok(failures)
}

/// Refuses sign-ins for `email` until `until`.
pub async fn block_until(
    conn: &mut DbConn,
    email: &str,
    until: NaiveDateTime,
) -> Result<(), DbError> {
    crate::on_conn!(conn, |c| {
        diesel::update(sign_in_throttles::table.find(email))
            .set(sign_in_throttles::blocked_until.eq(until))
            .execute(c)
            .await
    })?;

    Ok(())
}

/// Forgets the failures of `email`: after a success, or once they are old.
pub async fn clear_throttle(conn: &mut DbConn, email: &str) -> Result<(), DbError> {
    crate::on_conn!(conn, |c| {
        diesel::delete(sign_in_throttles::table.find(email))
            .execute(c)
            .await
    })?;

    Ok(())
}

/// What [`insert_with_invitation`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignUp {
    /// The user exists and is a member; their id.
    Created(i64),
    EmailTaken,
    /// Someone used the invitation first.
    InvitationUsed,
}

/// Why the sign-up transaction rolled back.
enum Abort {
    Query(diesel::result::Error),
    Outcome(SignUp),
}

impl From<diesel::result::Error> for Abort {
    fn from(error: diesel::result::Error) -> Self {
        Self::Query(error)
    }
}

/// Creates a user, uses the invitation, and makes them a member, in one transaction:
/// nothing is written unless all three happen.
pub async fn insert_with_invitation(
    conn: &mut DbConn,
    user: &NewUser<'_>,
    invitation: &InvitationRow,
    at: NaiveDateTime,
) -> Result<SignUp, DbError> {
    let outcome = crate::write_transaction!(conn, |c| {
        let id: Option<i64> = diesel::insert_into(users::table)
            .values(user)
            .on_conflict(users::email)
            .do_nothing()
            .returning(users::id)
            .get_result(c)
            .await
            .optional()?;
        let Some(id) = id else {
            return Err(Abort::Outcome(SignUp::EmailTaken));
        };
        let claimed = diesel::update(
            invitations::table
                .find(invitation.id)
                .filter(invitations::accepted_at.is_null()),
        )
        .set(invitations::accepted_at.eq(at))
        .execute(c)
        .await?;
        if claimed == 0 {
            return Err(Abort::Outcome(SignUp::InvitationUsed));
        }
        diesel::insert_into(memberships::table)
            .values(NewMembership {
                organisation_id: invitation.organisation_id,
                user_id: id,
                role: &invitation.role,
                created_at: at,
            })
            .execute(c)
            .await?;
        Ok(id)
    });

    match outcome {
        Ok(id) => Ok(SignUp::Created(id)),
        Err(Abort::Outcome(outcome)) => Ok(outcome),
        Err(Abort::Query(error)) => Err(DbError::Query(error)),
    }
}
