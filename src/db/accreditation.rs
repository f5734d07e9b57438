//! Queries over accreditation applications and their history.
//!
//! Every change of an application is one transaction that raises its `version` only if it
//! still holds the version the writer saw, and appends a history row; the history is never
//! updated or deleted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel::{
    AsChangeset, BoolExpressionMethods as _, ExpressionMethods as _, Insertable,
    NullableExpressionMethods as _, OptionalExtension as _, QueryDsl as _, Queryable, Selectable,
    SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::events::APPLICATION_UPDATED;
use super::memberships::NewMembership;
use super::messages::{NewMessage, insert_in_transaction};
use super::organisations::NewOrganisation;
use super::schema::{
    accreditation_applications as applications, accreditation_history as history,
    accreditation_status_changes as status_changes, memberships, organisations,
    thread_participants, threads, users,
};
use super::threads::{NewThread, Sent};
use super::users::NewUser;
use super::{DbConn, DbError, PageRows};

/// One row of `accreditation_applications`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    pub id: i64,
    pub organisation_id: i64,
    pub status: String,
    pub requested_category: String,
    pub supports_asean_purposes: String,
    pub non_profit: String,
    pub existence_in_asean: String,
    pub membership: String,
    pub funding: String,
    pub registered_office: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub thread_id: i64,
    pub version: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_category: Option<String>,
    pub cpr_decision_date: Option<NaiveDate>,
    pub sg_letter_date: Option<NaiveDate>,
    pub sg_letter_reference: Option<String>,
}

/// What the applicant writes: the requested category, the answers and the contact.
#[derive(Clone, Debug, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct ApplicationContent {
    pub requested_category: String,
    pub supports_asean_purposes: String,
    pub non_profit: String,
    pub existence_in_asean: String,
    pub membership: String,
    pub funding: String,
    pub registered_office: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
}

/// A change of status, with what it records; a field left `None` keeps its value.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = applications)]
pub struct StatusChange<'a> {
    pub status: &'a str,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_category: Option<&'a str>,
    pub cpr_decision_date: Option<NaiveDate>,
    pub sg_letter_date: Option<NaiveDate>,
    pub sg_letter_reference: Option<&'a str>,
}

/// What an approval does to the organisation.
#[derive(Clone, Copy, Debug)]
pub struct Accreditation<'a> {
    pub organisation_id: i64,
    pub category: &'a str,
    pub accredited_on: NaiveDate,
    /// Why, for the entity's history: the decision it follows from.
    pub reason: &'a str,
}

/// One row of `accreditation_status_changes`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = status_changes)]
pub struct StatusChangeRow {
    pub id: i64,
    pub organisation_id: i64,
    pub actor_id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
}

/// A change of an entity's accreditation status to record.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = status_changes)]
pub struct NewStatusChange<'a> {
    pub organisation_id: i64,
    pub actor_id: i64,
    pub at: NaiveDateTime,
    pub action: &'a str,
    pub from_status: &'a str,
    pub to_status: &'a str,
    pub reason: &'a str,
}

/// Moves an entity from one accreditation status to another and records why, in one
/// transaction; `false` (and nothing written) when it is no longer in `change.from_status`.
pub async fn change_entity_status(
    conn: &mut DbConn,
    change: &NewStatusChange<'_>,
) -> Result<bool, DbError> {
    let changed = crate::write_transaction!(conn, |c| {
        let updated = diesel::update(
            organisations::table
                .find(change.organisation_id)
                .filter(organisations::kind.eq("ENTITY"))
                .filter(organisations::accreditation_status.eq(change.from_status)),
        )
        .set((
            organisations::accreditation_status.eq(change.to_status),
            organisations::updated_at.eq(change.at),
        ))
        .execute(c)
        .await?;
        if updated == 1 {
            diesel::insert_into(status_changes::table)
                .values(change)
                .execute(c)
                .await?;
        }
        Ok::<_, QueryError>(updated == 1)
    })?;

    Ok(changed)
}

/// The accreditation status changes of these organisations, oldest first.
pub async fn status_changes_of(
    conn: &mut DbConn,
    organisation_ids: &[i64],
) -> Result<Vec<StatusChangeRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        status_changes::table
            .filter(status_changes::organisation_id.eq_any(organisation_ids))
            .order_by((status_changes::organisation_id, status_changes::id))
            .select(StatusChangeRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// One row of `accreditation_history`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = history)]
pub struct HistoryRow {
    pub id: i64,
    pub application_id: i64,
    pub actor_id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: Option<String>,
}

/// A step to record.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = history)]
pub struct NewHistory<'a> {
    pub application_id: i64,
    pub actor_id: i64,
    pub at: NaiveDateTime,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub comment: Option<&'a str>,
}

/// What [`insert_applicant`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    /// The organisation's id and its owner's.
    Created {
        organisation_id: i64,
        owner_id: i64,
    },
    SlugTaken,
    EmailTaken,
}

/// Creates an applicant organisation with its owner, a new user if `new_owner` is given,
/// in one transaction; nothing is written unless all of it is.
pub async fn insert_applicant(
    conn: &mut DbConn,
    organisation: &NewOrganisation,
    owner: &NewMembership<'_>,
    new_owner: Option<&NewUser<'_>>,
    now: NaiveDateTime,
) -> Result<Registered, DbError> {
    let registered = crate::write_transaction!(conn, |c| {
        let owner_id = match new_owner {
            Some(user) => {
                let id: Option<i64> = diesel::insert_into(users::table)
                    .values(user)
                    .on_conflict(users::email)
                    .do_nothing()
                    .returning(users::id)
                    .get_result(c)
                    .await
                    .optional()?;
                match id {
                    Some(id) => id,
                    None => return Ok(Registered::EmailTaken),
                }
            }
            None => owner.user_id,
        };
        let id: Option<i64> = diesel::insert_into(organisations::table)
            .values((
                organisation,
                organisations::created_at.eq(now),
                organisations::updated_at.eq(now),
            ))
            .on_conflict(organisations::slug)
            .do_nothing()
            .returning(organisations::id)
            .get_result(c)
            .await
            .optional()?;
        let Some(organisation_id) = id else {
            // Nothing is kept: the user inserted above goes with the rollback.
            return Err(QueryError::RollbackTransaction);
        };
        let owner = NewMembership {
            organisation_id,
            user_id: owner_id,
            ..owner.clone()
        };
        diesel::insert_into(memberships::table)
            .values(&owner)
            .execute(c)
            .await?;
        Ok::<_, QueryError>(Registered::Created {
            organisation_id,
            owner_id,
        })
    });

    match registered {
        Ok(registered) => Ok(registered),
        Err(QueryError::RollbackTransaction) => Ok(Registered::SlugTaken),
        Err(error) => Err(error.into()),
    }
}

/// A new application with its correspondence thread (and the thread's first message) and
/// the first step of its history, written together.
pub struct NewApplication<'a> {
    pub organisation_id: i64,
    pub content: &'a ApplicationContent,
    pub created_by: i64,
    pub now: NaiveDateTime,
    pub thread: &'a NewThread<'a>,
    pub participants: &'a [i64],
    pub first_message: &'a NewMessage<'a>,
    pub status: &'a str,
    pub action: &'a str,
}

/// Inserts an application, its thread and its first history row in one transaction; `None`
/// (and nothing written) when the organisation already has an open application.
pub async fn insert_application(
    conn: &mut DbConn,
    new: &NewApplication<'_>,
) -> Result<Option<ApplicationRow>, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let inserted = crate::write_transaction!(conn, |c| {
        let thread_id: i64 = diesel::insert_into(threads::table)
            .values(new.thread)
            .returning(threads::id)
            .get_result(c)
            .await?;
        for organisation in new.participants {
            diesel::insert_into(thread_participants::table)
                .values((
                    thread_participants::thread_id.eq(thread_id),
                    thread_participants::organisation_id.eq(organisation),
                ))
                .execute(c)
                .await?;
        }
        let message = NewMessage {
            thread_id,
            ..new.first_message.clone()
        };
        // The application's own first message is not held to the sender's rate.
        let sent: Sent = insert_in_transaction!(c, pg, &message, i64::MAX, new.now)?;
        debug_assert!(matches!(sent, Sent::Sent(_)));
        let row: ApplicationRow = diesel::insert_into(applications::table)
            .values((
                new.content,
                applications::organisation_id.eq(new.organisation_id),
                applications::status.eq(new.status),
                applications::thread_id.eq(thread_id),
                applications::version.eq(1_i64),
                applications::created_by.eq(new.created_by),
                applications::created_at.eq(new.now),
                applications::updated_at.eq(new.now),
            ))
            .returning(ApplicationRow::as_returning())
            .get_result(c)
            .await?;
        let step = NewHistory {
            application_id: row.id,
            actor_id: new.created_by,
            at: new.now,
            action: new.action,
            from_status: None,
            to_status: new.status,
            comment: None,
        };
        diesel::insert_into(history::table)
            .values(&step)
            .execute(c)
            .await?;
        crate::append_event!(c, pg, APPLICATION_UPDATED, row.id, new.now);
        Ok::<_, QueryError>(row)
    });

    match inserted {
        Ok(row) => Ok(Some(row)),
        Err(QueryError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Replaces the content of an application still at `version`, raising the version and
/// recording the step; `None` (and nothing written) when the version has moved on.
pub async fn update_content(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    content: &ApplicationContent,
    step: &NewHistory<'_>,
) -> Result<Option<ApplicationRow>, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let row = crate::write_transaction!(conn, |c| {
        let row: Option<ApplicationRow> = diesel::update(
            applications::table
                .find(id)
                .filter(applications::version.eq(version)),
        )
        .set((
            content,
            applications::version.eq(version + 1),
            applications::updated_at.eq(step.at),
        ))
        .returning(ApplicationRow::as_returning())
        .get_result(c)
        .await
        .optional()?;
        if row.is_some() {
            diesel::insert_into(history::table)
                .values(step)
                .execute(c)
                .await?;
            crate::append_event!(c, pg, APPLICATION_UPDATED, id, step.at);
        }
        Ok::<_, QueryError>(row)
    })?;

    Ok(row)
}

/// Moves an application still at `version` to a new status, records the step, sends
/// `note` into its thread if given and, for an approval, accredits the organisation, in one
/// transaction; `None` (and nothing written) when the version has moved on.
pub async fn change_status(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    change: &StatusChange<'_>,
    step: &NewHistory<'_>,
    note: Option<&NewMessage<'_>>,
    accreditation: Option<Accreditation<'_>>,
) -> Result<Option<ApplicationRow>, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let row = crate::write_transaction!(conn, |c| {
        let row: Option<ApplicationRow> = diesel::update(
            applications::table
                .find(id)
                .filter(applications::version.eq(version)),
        )
        .set((
            change,
            applications::version.eq(version + 1),
            applications::updated_at.eq(step.at),
        ))
        .returning(ApplicationRow::as_returning())
        .get_result(c)
        .await
        .optional()?;
        if row.is_some() {
            diesel::insert_into(history::table)
                .values(step)
                .execute(c)
                .await?;
            crate::append_event!(c, pg, APPLICATION_UPDATED, id, step.at);
            if let Some(note) = note {
                // Notes are part of the step, not held to the sender's rate.
                let _: Sent = insert_in_transaction!(c, pg, note, i64::MAX, step.at)?;
            }
            if let Some(accreditation) = accreditation {
                let from: Option<String> = organisations::table
                    .find(accreditation.organisation_id)
                    .select(organisations::accreditation_status)
                    .first(c)
                    .await?;
                let change = NewStatusChange {
                    organisation_id: accreditation.organisation_id,
                    actor_id: step.actor_id,
                    at: step.at,
                    action: "ACCREDIT",
                    from_status: from.as_deref().unwrap_or_default(),
                    to_status: "ACCREDITED",
                    reason: accreditation.reason,
                };
                diesel::insert_into(status_changes::table)
                    .values(&change)
                    .execute(c)
                    .await?;
                diesel::update(organisations::table.find(accreditation.organisation_id))
                    .set((
                        organisations::accreditation_status.eq("ACCREDITED"),
                        organisations::category.eq(accreditation.category),
                        organisations::accredited_on.eq(accreditation.accredited_on),
                        organisations::updated_at.eq(step.at),
                    ))
                    .execute(c)
                    .await?;
            }
        }
        Ok::<_, QueryError>(row)
    })?;

    Ok(row)
}

/// Loads the applications with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<ApplicationRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        applications::table
            .filter(applications::id.eq_any(ids))
            .select(ApplicationRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Which applications a list holds. `None` leaves a dimension unfiltered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ApplicationFilter {
    pub organisation_id: Option<i64>,
    pub statuses: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    pub submitted_from: Option<NaiveDateTime>,
    pub submitted_to: Option<NaiveDateTime>,
    /// Only applications submitted at some point: never the applicant's drafts.
    pub submitted_only: bool,
}

/// `$query` (boxed) narrowed to what `$filter` selects.
macro_rules! filtered {
    ($filter:expr) => {
        filtered!($filter, applications::table.into_boxed())
    };
    ($filter:expr, $query:expr) => {{
        let filter: &ApplicationFilter = $filter;
        let mut query = $query;
        if let Some(organisation_id) = filter.organisation_id {
            query = query.filter(applications::organisation_id.eq(organisation_id));
        }
        if let Some(statuses) = &filter.statuses {
            query = query.filter(applications::status.eq_any(statuses.clone()));
        }
        if let Some(categories) = &filter.categories {
            query = query.filter(applications::requested_category.eq_any(categories.clone()));
        }
        if let Some(from) = filter.submitted_from {
            query = query.filter(applications::submitted_at.ge(from));
        }
        if let Some(to) = filter.submitted_to {
            query = query.filter(applications::submitted_at.lt(to));
        }
        if filter.submitted_only {
            query = query.filter(applications::submitted_at.is_not_null());
        }
        query
    }};
}

/// What a list of applications is sorted by; ties, and the whole of `Opened`, go by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ApplicationSort {
    /// The order they were opened in.
    #[default]
    Opened,
    /// When they were first submitted; for lists of submitted applications only.
    Submitted,
    /// When they last changed.
    Updated,
}

/// Where a page starts or ends: a row's sort value (none when sorted by id) and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub at: Option<NaiveDateTime>,
    pub id: i64,
}

/// One page of the applications `filter` selects, sorted by a timestamp `$column` then id.
macro_rules! page_by_time {
    ($c:ident, $filter:expr, $column:expr, $ascending:expr, $bounds:expr, $limit:expr,
     $from_end:expr) => {{
        let mut query = filtered!($filter);
        let (after, before) = $bounds;
        // "After" a cursor is further along the sort; "before" the other way.
        for (bound, further) in [(after, $ascending), (before, !$ascending)] {
            let Some(Position { at: Some(at), id }) = bound else {
                continue;
            };
            query = if further {
                query.filter(
                    $column
                        .gt(at)
                        .or($column.eq(at).and(applications::id.gt(id))),
                )
            } else {
                query.filter(
                    $column
                        .lt(at)
                        .or($column.eq(at).and(applications::id.lt(id))),
                )
            };
        }
        let query = if $from_end == $ascending {
            query.order_by(($column.desc(), applications::id.desc()))
        } else {
            query.order_by(($column.asc(), applications::id.asc()))
        };
        query
            .select(ApplicationRow::as_select())
            .limit($limit + 1)
            .load($c)
            .await
    }};
}

/// One page of the applications `filter` selects, in `sort` order, descending unless
/// `ascending`.
pub async fn page(
    conn: &mut DbConn,
    filter: &ApplicationFilter,
    (sort, ascending): (ApplicationSort, bool),
    bounds: (Option<Position>, Option<Position>),
    limit: i64,
    from_end: bool,
) -> Result<PageRows<ApplicationRow>, DbError> {
    let rows: Vec<ApplicationRow> = crate::on_conn!(conn, |c| {
        match sort {
            ApplicationSort::Opened => {
                let mut query = filtered!(filter);
                let (after, before) = bounds;
                for (bound, further) in [(after, ascending), (before, !ascending)] {
                    let Some(Position { id, .. }) = bound else {
                        continue;
                    };
                    query = if further {
                        query.filter(applications::id.gt(id))
                    } else {
                        query.filter(applications::id.lt(id))
                    };
                }
                let query = if from_end == ascending {
                    query.order_by(applications::id.desc())
                } else {
                    query.order_by(applications::id.asc())
                };
                query
                    .select(ApplicationRow::as_select())
                    .limit(limit + 1)
                    .load(c)
                    .await
            }
            ApplicationSort::Submitted => page_by_time!(
                c,
                filter,
                applications::submitted_at.assume_not_null(),
                ascending,
                bounds,
                limit,
                from_end
            ),
            ApplicationSort::Updated => page_by_time!(
                c,
                filter,
                applications::updated_at,
                ascending,
                bounds,
                limit,
                from_end
            ),
        }
    })?;

    Ok(PageRows::from_extra_row(rows, limit, from_end))
}

/// How many applications `filter` selects.
pub async fn count(conn: &mut DbConn, filter: &ApplicationFilter) -> Result<i64, DbError> {
    let total = crate::on_conn!(conn, |c| {
        filtered!(filter).select(count_star()).get_result(c).await
    })?;

    Ok(total)
}

/// How many applications stand in each status, among those `filter` selects, statuses
/// filter aside.
pub async fn counts_by_status(
    conn: &mut DbConn,
    filter: &ApplicationFilter,
) -> Result<Vec<(String, i64)>, DbError> {
    let filter = ApplicationFilter {
        statuses: None,
        ..filter.clone()
    };
    let rows = crate::on_conn!(conn, |c| {
        let grouped = applications::table
            .group_by(applications::status)
            .select((applications::status, count_star()))
            .into_boxed();
        filtered!(&filter, grouped).load(c).await
    })?;

    Ok(rows)
}

/// The history of these applications, oldest step first.
pub async fn history_of(
    conn: &mut DbConn,
    application_ids: &[i64],
) -> Result<Vec<HistoryRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        history::table
            .filter(history::application_id.eq_any(application_ids))
            .order_by((history::application_id, history::id))
            .select(HistoryRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}
