//! Persistence: the pool over PostgreSQL and SQLite, the schema, and the queries per area.
//!
//! Everything here returns database results; the rules of the platform live in `domain`.

mod connection;
pub mod memberships;
pub mod migrations;
pub mod organisations;
pub mod schema;
mod url;
pub mod users;

use chrono::{NaiveDateTime, Timelike as _, Utc};

pub use connection::{Database, DbConn, DbError, PoolOptions, SqliteConn};
pub use url::DatabaseUrl;

/// The current UTC time at the precision both backends store: microseconds.
///
/// Timestamps come from the application, never from column defaults, so that a value read
/// back compares equal to the one written (cursors depend on it).
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    let micros = now.nanosecond() / 1_000 * 1_000;
    now.with_nanosecond(micros).unwrap_or(now)
}
