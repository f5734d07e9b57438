//! Queries over threads, their participants and read positions, and the inbox.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::sql_types::{BigInt, Nullable};
use diesel::{
    BoolExpressionMethods as _, ExpressionMethods as _, Insertable, JoinOnDsl as _,
    NullableExpressionMethods as _, OptionalExtension as _, QueryDsl as _, Queryable, Selectable,
    SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::messages::{MessageRow, NewMessage, insert_in_transaction};
use super::schema::{organisations, thread_participants, thread_reads, threads};
use super::stamp::Stamp;
use super::{DbConn, DbError, PageRows, events};

diesel::define_sql_function!(fn coalesce(x: Nullable<BigInt>, y: BigInt) -> BigInt);

/// One row of `threads`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = threads)]
pub struct ThreadRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub started_by: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    pub last_message_id: Option<i64>,
    #[diesel(deserialize_as = Stamp)]
    pub last_activity_at: NaiveDateTime,
}

/// A thread to insert.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = threads)]
pub struct NewThread<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub started_by: i64,
    pub created_at: NaiveDateTime,
    pub last_activity_at: NaiveDateTime,
}

/// Whose inbox, and which of its threads.
#[derive(Clone, Debug)]
pub struct InboxQuery {
    /// The threads of these organisations.
    pub organisation_ids: Vec<i64>,
    /// Only threads with messages this user has not read.
    pub unread_by: Option<i64>,
    /// Newest activity first: only threads before this `(last_activity_at, id)`.
    pub after: Option<(NaiveDateTime, i64)>,
    pub before: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
    pub from_end: bool,
}

/// Builds the boxed inbox query with its filters; the backend is inferred.
macro_rules! inbox {
    ($query:expr) => {{
        let query: &InboxQuery = $query;
        let theirs = thread_participants::table
            .filter(thread_participants::organisation_id.eq_any(query.organisation_ids.clone()))
            .select(thread_participants::thread_id);
        let reader = query.unread_by.unwrap_or(0);
        let mut boxed = threads::table
            .left_join(
                thread_reads::table.on(thread_reads::thread_id
                    .eq(threads::id)
                    .and(thread_reads::user_id.eq(reader))),
            )
            .filter(threads::id.eq_any(theirs))
            .into_boxed();
        if query.unread_by.is_some() {
            boxed = boxed.filter(
                threads::last_message_id
                    .assume_not_null()
                    .gt(coalesce(thread_reads::last_read_message_id.nullable(), 0)),
            );
        }
        boxed
    }};
}

/// One page of an inbox, most recent activity first.
pub async fn inbox_page(
    conn: &mut DbConn,
    query: &InboxQuery,
) -> Result<PageRows<ThreadRow>, DbError> {
    let rows: Vec<ThreadRow> = crate::on_conn!(conn, |c| {
        let mut boxed = inbox!(query);
        // Descending: "after" a position means older, "before" means newer.
        if let Some((at, id)) = query.after {
            boxed = boxed.filter(
                threads::last_activity_at
                    .lt(at)
                    .or(threads::last_activity_at.eq(at).and(threads::id.lt(id))),
            );
        }
        if let Some((at, id)) = query.before {
            boxed = boxed.filter(
                threads::last_activity_at
                    .gt(at)
                    .or(threads::last_activity_at.eq(at).and(threads::id.gt(id))),
            );
        }
        let boxed = if query.from_end {
            boxed
                .order_by(threads::last_activity_at.asc())
                .then_order_by(threads::id.asc())
        } else {
            boxed
                .order_by(threads::last_activity_at.desc())
                .then_order_by(threads::id.desc())
        };
        boxed
            .select(ThreadRow::as_select())
            .limit(query.limit + 1)
            .load(c)
            .await
    })?;

    Ok(PageRows::from_extra_row(rows, query.limit, query.from_end))
}

/// How many threads an inbox holds.
pub async fn inbox_count(conn: &mut DbConn, query: &InboxQuery) -> Result<i64, DbError> {
    let total = crate::on_conn!(conn, |c| {
        inbox!(query).select(count_star()).get_result(c).await
    })?;

    Ok(total)
}

/// Loads the threads with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<ThreadRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        threads::table
            .filter(threads::id.eq_any(ids))
            .select(ThreadRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The organisations taking part in a thread.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Participants {
    /// Their ids, sorted.
    pub organisation_ids: Vec<i64>,
    /// Whether the ASEAN Secretariat is one of them.
    pub includes_secretariat: bool,
}

/// The participating organisations of these threads, by thread.
pub async fn participants_of(
    conn: &mut DbConn,
    thread_ids: &[i64],
) -> Result<HashMap<i64, Participants>, DbError> {
    let rows: Vec<(i64, i64, String)> = crate::on_conn!(conn, |c| {
        thread_participants::table
            .inner_join(organisations::table)
            .filter(thread_participants::thread_id.eq_any(thread_ids))
            .order_by((
                thread_participants::thread_id,
                thread_participants::organisation_id,
            ))
            .select((
                thread_participants::thread_id,
                thread_participants::organisation_id,
                organisations::kind,
            ))
            .load(c)
            .await
    })?;

    let mut participants: HashMap<i64, Participants> = HashMap::new();
    for (thread, organisation, kind) in rows {
        let entry = participants.entry(thread).or_default();
        entry.organisation_ids.push(organisation);
        entry.includes_secretariat |= kind == "SECRETARIAT";
    }
    Ok(participants)
}

/// How many messages of each thread `user_id` has not read (deleted ones aside), for the
/// threads that have any.
pub async fn unread_counts(
    conn: &mut DbConn,
    user_id: i64,
    thread_ids: &[i64],
) -> Result<HashMap<i64, i64>, DbError> {
    use super::schema::messages;
    let rows: Vec<(i64, i64)> = crate::on_conn!(conn, |c| {
        messages::table
            .left_join(
                thread_reads::table.on(thread_reads::thread_id
                    .eq(messages::thread_id)
                    .and(thread_reads::user_id.eq(user_id))),
            )
            .filter(messages::thread_id.eq_any(thread_ids))
            .filter(messages::deleted_at.is_null())
            .filter(messages::id.gt(coalesce(thread_reads::last_read_message_id.nullable(), 0)))
            .group_by(messages::thread_id)
            .select((messages::thread_id, count_star()))
            .load(c)
            .await
    })?;

    Ok(rows.into_iter().collect())
}

/// What starting a thread or sending a message did.
#[derive(Clone, Debug)]
pub enum Sent {
    Sent(MessageRow),
    /// The author has sent this many messages in the last minute already.
    RateLimited,
}

/// Starts a thread with its participants and first message, in one transaction, unless the
/// author has sent `limit` messages since `window_start`.
pub async fn insert_with_message(
    conn: &mut DbConn,
    thread: &NewThread<'_>,
    participants: &[i64],
    message: &NewMessage<'_>,
    limit: i64,
    window_start: NaiveDateTime,
) -> Result<Sent, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let sent = crate::write_transaction!(conn, |c| {
        let id: i64 = diesel::insert_into(threads::table)
            .values(thread)
            .returning(threads::id)
            .get_result(c)
            .await?;
        for organisation in participants {
            diesel::insert_into(thread_participants::table)
                .values((
                    thread_participants::thread_id.eq(id),
                    thread_participants::organisation_id.eq(organisation),
                ))
                .execute(c)
                .await?;
        }
        let message = NewMessage {
            thread_id: id,
            ..message.clone()
        };
        insert_in_transaction!(c, pg, &message, limit, window_start)
    })?;

    Ok(sent)
}

/// Moves `user_id`'s read position in a thread forward to `message_id`, and records the
/// event, in one transaction; returns whether it moved.
pub async fn mark_read(
    conn: &mut DbConn,
    user_id: i64,
    thread_id: i64,
    message_id: i64,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let moved = crate::write_transaction!(conn, |c| {
        let current: Option<i64> = thread_reads::table
            .find((user_id, thread_id))
            .select(thread_reads::last_read_message_id)
            .first(c)
            .await
            .optional()?;
        if current.is_some_and(|current| current >= message_id) {
            return Ok(false);
        }
        diesel::insert_into(thread_reads::table)
            .values((
                thread_reads::user_id.eq(user_id),
                thread_reads::thread_id.eq(thread_id),
                thread_reads::last_read_message_id.eq(message_id),
            ))
            .on_conflict((thread_reads::user_id, thread_reads::thread_id))
            .do_update()
            .set(thread_reads::last_read_message_id.eq(message_id))
            .execute(c)
            .await?;
        crate::append_event!(c, pg, events::THREAD_READ, thread_id, now, Some(user_id));
        Ok::<_, diesel::result::Error>(true)
    })?;

    Ok(moved)
}
