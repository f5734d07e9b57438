//! Queries over the messages of threads.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::{
    ExpressionMethods as _, Insertable, OptionalExtension as _, QueryDsl as _, Queryable,
    Selectable, SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::schema::messages;
use super::stamp::{MaybeStamp, Stamp};
use super::threads::Sent;
use super::{DbConn, DbError, PageRows, PerParent, events, first_per_parent};

/// The key space of the PostgreSQL advisory locks that make one user's sends take turns, so
/// that a burst cannot pass the rate limit between its count and its insert. The user's id
/// fills the low 32 bits.
pub const SEND_LOCK_SPACE: i64 = 0x6d73_6700_0000_0000;

/// One row of `messages`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: i64,
    pub organisation_id: i64,
    pub body: String,
    #[diesel(deserialize_as = Stamp)]
    pub sent_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub edited_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub deleted_at: Option<NaiveDateTime>,
}

/// A message to insert.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = messages)]
pub struct NewMessage<'a> {
    pub thread_id: i64,
    pub author_id: i64,
    pub organisation_id: i64,
    pub body: &'a str,
    pub sent_at: NaiveDateTime,
}

/// Inserts a message inside a write transaction (`$c`, on PostgreSQL when `$pg`) unless its
/// author has sent `$limit` since `$window_start`; moves the thread's last activity and the
/// author's read position to it, and records the event. Evaluates to `Ok(Sent)`.
macro_rules! insert_in_transaction {
    ($c:expr, $pg:expr, $message:expr, $limit:expr, $window_start:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _, SelectableHelper as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::db::schema::{messages, thread_reads, threads};
        let message: &$crate::db::messages::NewMessage<'_> = $message;
        if $pg {
            let key = $crate::db::messages::SEND_LOCK_SPACE | (message.author_id & 0xffff_ffff);
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(key)
                .execute(&mut *$c)
                .await?;
        }
        let recent: i64 = messages::table
            .filter(messages::author_id.eq(message.author_id))
            .filter(messages::sent_at.ge($window_start))
            .select(diesel::dsl::count_star())
            .get_result(&mut *$c)
            .await?;
        if recent >= $limit {
            Ok($crate::db::threads::Sent::RateLimited)
        } else {
            let row: $crate::db::messages::MessageRow = diesel::insert_into(messages::table)
                .values(message)
                .returning($crate::db::messages::MessageRow::as_returning())
                .get_result(&mut *$c)
                .await?;
            diesel::update(threads::table.find(row.thread_id))
                .set((
                    threads::last_message_id.eq(row.id),
                    threads::last_activity_at.eq(row.sent_at),
                ))
                .execute(&mut *$c)
                .await?;
            diesel::insert_into(thread_reads::table)
                .values((
                    thread_reads::user_id.eq(row.author_id),
                    thread_reads::thread_id.eq(row.thread_id),
                    thread_reads::last_read_message_id.eq(row.id),
                ))
                .on_conflict((thread_reads::user_id, thread_reads::thread_id))
                .do_update()
                .set(thread_reads::last_read_message_id.eq(row.id))
                .execute(&mut *$c)
                .await?;
            $crate::append_event!(
                $c,
                $pg,
                $crate::db::events::MESSAGE_ADDED,
                row.id,
                row.sent_at
            );
            Ok::<_, diesel::result::Error>($crate::db::threads::Sent::Sent(row))
        }
    }};
}
pub(crate) use insert_in_transaction;

/// Sends a message in an existing thread, in one transaction, unless the author has sent
/// `limit` messages since `window_start`.
pub async fn insert(
    conn: &mut DbConn,
    message: &NewMessage<'_>,
    limit: i64,
    window_start: NaiveDateTime,
) -> Result<Sent, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let sent = crate::write_transaction!(conn, |c| {
        insert_in_transaction!(c, pg, message, limit, window_start)
    })?;

    Ok(sent)
}

/// One page of a thread's messages, oldest first, paged by id.
pub async fn page_of_thread(
    conn: &mut DbConn,
    thread_id: i64,
    after: Option<i64>,
    before: Option<i64>,
    limit: i64,
    from_end: bool,
) -> Result<PageRows<MessageRow>, DbError> {
    let rows: Vec<MessageRow> = crate::on_conn!(conn, |c| {
        let mut query = messages::table
            .filter(messages::thread_id.eq(thread_id))
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(messages::id.gt(after));
        }
        if let Some(before) = before {
            query = query.filter(messages::id.lt(before));
        }
        let query = if from_end {
            query.order_by(messages::id.desc())
        } else {
            query.order_by(messages::id.asc())
        };
        query
            .select(MessageRow::as_select())
            .limit(limit + 1)
            .load(c)
            .await
    })?;

    Ok(PageRows::from_extra_row(rows, limit, from_end))
}

/// The first `limit` messages of each thread (the last, with `from_end`), in one statement
/// (see [`first_per_parent`]), ordered by thread and then oldest first (newest first, with
/// `from_end`).
pub async fn first_of_threads(
    conn: &mut DbConn,
    thread_ids: &[i64],
    limit: i64,
    from_end: bool,
) -> Result<Vec<MessageRow>, DbError> {
    let direction = if from_end { "DESC" } else { "ASC" };
    let query = PerParent {
        table: "messages",
        columns: MESSAGE_COLUMNS,
        computed: None,
        alias: "first",
        rows: &format!(
            "FROM messages AS first \
             WHERE first.thread_id = listed.id ORDER BY first.id {direction} LIMIT $2"
        ),
        order: &format!("ORDER BY messages.thread_id, messages.id {direction}"),
    };

    first_per_parent(conn, query, thread_ids, limit).await
}

/// The columns of [`MessageRow`], for statements written in SQL.
const MESSAGE_COLUMNS: &str =
    "id, thread_id, author_id, organisation_id, body, sent_at, edited_at, deleted_at";

/// How many messages each of these threads holds, tombstones included; threads without
/// messages are absent.
pub async fn counts_of_threads(
    conn: &mut DbConn,
    thread_ids: &[i64],
) -> Result<Vec<(i64, i64)>, DbError> {
    let counts = crate::on_conn!(conn, |c| {
        messages::table
            .filter(messages::thread_id.eq_any(thread_ids))
            .group_by(messages::thread_id)
            .select((messages::thread_id, count_star()))
            .load(c)
            .await
    })?;

    Ok(counts)
}

/// Loads the messages with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<MessageRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        messages::table
            .filter(messages::id.eq_any(ids))
            .select(MessageRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Replaces a message's body (or, with `None`, deletes it, leaving a tombstone) and records
/// the event, in one transaction; `None` when it was deleted or changed meanwhile.
pub async fn change(
    conn: &mut DbConn,
    id: i64,
    seen: &MessageRow,
    body: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<MessageRow>, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let row = crate::write_transaction!(conn, |c| {
        let target = messages::table
            .find(id)
            .filter(messages::deleted_at.is_null())
            .filter(messages::body.eq(&seen.body));
        let row: Option<MessageRow> = match body {
            Some(body) => diesel::update(target)
                .set((messages::body.eq(body), messages::edited_at.eq(now)))
                .returning(MessageRow::as_returning())
                .get_result(c)
                .await
                .optional()?,
            None => diesel::update(target)
                .set((messages::body.eq(""), messages::deleted_at.eq(now)))
                .returning(MessageRow::as_returning())
                .get_result(c)
                .await
                .optional()?,
        };
        if row.is_some() {
            crate::append_event!(c, pg, events::MESSAGE_CHANGED, id, now);
        }
        Ok::<_, diesel::result::Error>(row)
    })?;

    Ok(row)
}
