//! Persistence: the pool over PostgreSQL and SQLite, the schema, and the queries per area.
//!
//! Everything here returns database results; the rules of the platform live in `domain`.

pub mod accreditation;
pub mod annual_reports;
pub mod call_applications;
mod connection;
pub mod documents;
pub mod events;
pub mod memberships;
pub mod messages;
pub mod migrations;
pub mod organisations;
pub mod partnerships;
mod post_search;
pub mod postgres;
pub mod posts;
pub mod schema;
pub mod synthetic;
pub mod threads;
mod url;
pub mod users;

use chrono::{NaiveDateTime, Timelike as _, Utc};

pub use connection::{Database, DbConn, DbError, PoolOptions, SqliteConn};
pub use post_search::SearchQuery;
pub use url::DatabaseUrl;

/// Rows of one page in the requested order, and whether the range held more.
#[derive(Clone, Debug)]
pub struct PageRows<T> {
    pub rows: Vec<T>,
    pub has_more: bool,
}

impl<T> PageRows<T> {
    /// Makes a page from rows fetched with `LIMIT limit + 1`: the extra row, if it came,
    /// says that more exist. Rows fetched in reverse (`from_end`) are put back in order.
    pub fn from_extra_row(mut rows: Vec<T>, limit: i64, from_end: bool) -> Self {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        if from_end {
            rows.reverse();
        }
        Self { rows, has_more }
    }
}

/// The current UTC time at the precision both backends store: microseconds.
///
/// Timestamps come from the application, never from column defaults, so that a value read
/// back compares equal to the one written (cursors depend on it).
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    let micros = now.nanosecond() / 1_000 * 1_000;
    now.with_nanosecond(micros).unwrap_or(now)
}
