//! Queries over the applications that answer calls for applications.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::{
    ExpressionMethods as _, Insertable, OptionalExtension as _, QueryDsl as _, Queryable,
    Selectable, SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::schema::call_applications;
use super::{DbConn, DbError, PageRows};

/// One row of `call_applications`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = call_applications)]
pub struct CallApplicationRow {
    pub id: i64,
    pub call_id: i64,
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub statement: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An application to insert.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = call_applications)]
pub struct NewCallApplication<'a> {
    pub call_id: i64,
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub statement: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Which applications a list holds: those answering one call, or those of one organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationScope {
    Call(i64),
    Organisation(i64),
}

/// A boxed `call_applications` query limited to `$scope`; the backend is inferred.
macro_rules! in_scope {
    ($scope:expr) => {{
        let query = call_applications::table.into_boxed();
        match $scope {
            ApplicationScope::Call(id) => query.filter(call_applications::call_id.eq(id)),
            ApplicationScope::Organisation(id) => {
                query.filter(call_applications::organisation_id.eq(id))
            }
        }
    }};
}

/// Inserts an application; `None` when the organisation has already answered the call.
pub async fn insert(
    conn: &mut DbConn,
    application: &NewCallApplication<'_>,
) -> Result<Option<CallApplicationRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        diesel::insert_into(call_applications::table)
            .values(application)
            .on_conflict((
                call_applications::call_id,
                call_applications::organisation_id,
            ))
            .do_nothing()
            .returning(CallApplicationRow::as_returning())
            .get_result(c)
            .await
            .optional()
    })?;

    Ok(row)
}

/// One page of applications in `scope`, oldest first, paged by id.
pub async fn page(
    conn: &mut DbConn,
    scope: ApplicationScope,
    after: Option<i64>,
    before: Option<i64>,
    limit: i64,
    from_end: bool,
) -> Result<PageRows<CallApplicationRow>, DbError> {
    let rows: Vec<CallApplicationRow> = crate::on_conn!(conn, |c| {
        let mut query = in_scope!(scope);
        if let Some(after) = after {
            query = query.filter(call_applications::id.gt(after));
        }
        if let Some(before) = before {
            query = query.filter(call_applications::id.lt(before));
        }
        let query = if from_end {
            query.order_by(call_applications::id.desc())
        } else {
            query.order_by(call_applications::id.asc())
        };
        query
            .select(CallApplicationRow::as_select())
            .limit(limit + 1)
            .load(c)
            .await
    })?;

    Ok(PageRows::from_extra_row(rows, limit, from_end))
}

/// How many applications `scope` holds.
pub async fn count(conn: &mut DbConn, scope: ApplicationScope) -> Result<i64, DbError> {
    let total = crate::on_conn!(conn, |c| {
        let query = in_scope!(scope);
        query.select(count_star()).get_result(c).await
    })?;

    Ok(total)
}

/// Loads the applications with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<CallApplicationRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        call_applications::table
            .filter(call_applications::id.eq_any(ids))
            .select(CallApplicationRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Moves an application from `from` to `to`; `None` when its status was no longer `from`.
pub async fn change_status(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    to: &str,
    now: NaiveDateTime,
) -> Result<Option<CallApplicationRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        diesel::update(
            call_applications::table
                .find(id)
                .filter(call_applications::status.eq(from)),
        )
        .set((
            call_applications::status.eq(to),
            call_applications::updated_at.eq(now),
        ))
        .returning(CallApplicationRow::as_returning())
        .get_result(c)
        .await
        .optional()
    })?;

    Ok(row)
}
