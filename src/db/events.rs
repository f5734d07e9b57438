//! The outbox: events written in the transaction of the change they announce, read back in
//! order by the live feeds and by subscribers that resume.

use std::sync::OnceLock;

use chrono::NaiveDateTime;
use diesel::{ExpressionMethods as _, QueryDsl as _, Queryable, Selectable, SelectableHelper as _};
use diesel_async::{AsyncPgConnection, RunQueryDsl as _};

use super::postgres::Connector;
use super::schema::events;
use super::{DbConn, DbError};

/// The topic of the event a post's publication writes; its subject is the post.
pub const POST_PUBLISHED: &str = "post_published";
/// A message was sent; its subject is the message.
pub const MESSAGE_ADDED: &str = "message_added";
/// A message was edited or deleted; its subject is the message.
pub const MESSAGE_CHANGED: &str = "message_changed";
/// A user's read position in a thread moved; its subject is the thread, its user the reader.
pub const THREAD_READ: &str = "thread_read";

/// An accreditation application changed (a step, or a document); its subject is the
/// application.
pub const APPLICATION_UPDATED: &str = "application_updated";

/// The PostgreSQL channel on which writers tell every instance that the outbox grew.
pub const CHANNEL: &str = "hub_events";

/// What this process's notifications carry, so that it can tell them from other instances'.
pub fn instance_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        format!("{}-{started}", std::process::id())
    })
}

/// A connection of its own, outside the pool, that listens on [`CHANNEL`].
pub async fn listen(connector: &Connector) -> Result<AsyncPgConnection, String> {
    let mut conn = connector
        .connect()
        .await
        .map_err(|error| error.to_string())?;
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .await
        .map_err(|error| error.to_string())?;
    Ok(conn)
}

/// The key of the PostgreSQL advisory lock that makes event ids visible in order.
pub const EVENT_ORDER_LOCK: i64 = 0x6875_625f_6576_7473;

/// One row of the outbox.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub topic: String,
    pub subject_id: i64,
    pub created_at: NaiveDateTime,
    /// The one user an event concerns, such as whose read position moved; `None` for
    /// events for everyone who may see the subject.
    pub user_id: Option<i64>,
}

/// Appends an event inside a write transaction (`$c`, on PostgreSQL when `$pg`).
///
/// On PostgreSQL it first takes a transaction-level advisory lock, held until commit: the
/// next writer gets its id only after this one commits, so ids become visible in increasing
/// order and a reader that has seen id N never later finds a smaller one. SQLite writers
/// already take turns. The same statement notifies the other instances on [`CHANNEL`]
/// (see `live::listener`); the notification goes out at commit, and equal notifications of
/// one transaction go out once.
#[macro_export]
macro_rules! append_event {
    ($c:expr, $pg:expr, $topic:expr, $subject:expr, $now:expr) => {
        $crate::append_event!($c, $pg, $topic, $subject, $now, None::<i64>)
    };
    ($c:expr, $pg:expr, $topic:expr, $subject:expr, $now:expr, $user:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel_async::RunQueryDsl as _;
        if $pg {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1), pg_notify($2, $3)")
                .bind::<diesel::sql_types::BigInt, _>($crate::db::events::EVENT_ORDER_LOCK)
                .bind::<diesel::sql_types::Text, _>($crate::db::events::CHANNEL)
                .bind::<diesel::sql_types::Text, _>($crate::db::events::instance_tag())
                .execute(&mut *$c)
                .await?;
        }
        diesel::insert_into($crate::db::schema::events::table)
            .values((
                $crate::db::schema::events::topic.eq($topic),
                $crate::db::schema::events::subject_id.eq($subject),
                $crate::db::schema::events::created_at.eq($now),
                $crate::db::schema::events::user_id.eq($user),
            ))
            .execute(&mut *$c)
            .await?;
    }};
}

/// Events of these topics after `after_id`, oldest first, at most `limit`.
pub async fn after(
    conn: &mut DbConn,
    topics: &[&str],
    after_id: i64,
    limit: i64,
) -> Result<Vec<EventRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        events::table
            .filter(events::topic.eq_any(topics))
            .filter(events::id.gt(after_id))
            .order_by(events::id.asc())
            .limit(limit)
            .select(EventRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The id of the newest event, or 0 when there is none.
pub async fn latest_id(conn: &mut DbConn) -> Result<i64, DbError> {
    let id: Option<i64> = crate::on_conn!(conn, |c| {
        events::table
            .select(diesel::dsl::max(events::id))
            .get_result(c)
            .await
    })?;

    Ok(id.unwrap_or(0))
}

/// Deletes the events written before `cutoff`; returns how many.
pub async fn prune(conn: &mut DbConn, cutoff: NaiveDateTime) -> Result<usize, DbError> {
    let deleted = crate::on_conn!(conn, |c| {
        diesel::delete(events::table.filter(events::created_at.lt(cutoff)))
            .execute(c)
            .await
    })?;

    Ok(deleted)
}
