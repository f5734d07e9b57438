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
mod sqlite_memory;
mod stamp;
pub mod synthetic;
pub mod threads;
mod url;
pub mod users;

use chrono::{NaiveDateTime, Timelike as _, Utc};
use diesel::backend::Backend;
use diesel::deserialize::FromStaticSqlRow;
use diesel::dsl::SqlTypeOf;
use diesel::row::NamedRow;
use diesel::{Queryable, QueryableByName, Selectable};

pub use connection::{Database, DbConn, DbError, PoolOptions, SqliteConn};
pub use post_search::SearchQuery;
pub use url::DatabaseUrl;

/// The first rows of each of many parents, read in one statement (see [`first_per_parent`]).
pub struct PerParent<'a> {
    /// The table read, which also names the result.
    pub table: &'a str,
    /// Its columns, comma-separated and unqualified, as the row type reads them.
    pub columns: &'a str,
    /// An expression over the row of `table` that the row type reads too, with its `AS`.
    pub computed: Option<&'a str>,
    /// The alias of the table in `rows`.
    pub alias: &'a str,
    /// `FROM table AS alias WHERE …` tied to the parent's `listed.id`, with the `ORDER BY`
    /// and `LIMIT $2` that pick one parent's rows.
    pub rows: &'a str,
    /// The `ORDER BY` of the whole result, over `table`'s columns.
    pub order: &'a str,
}

/// A row of a statement written in SQL, read by position as the DSL reads `T`'s selection,
/// rather than by column name: diesel finds a named column by comparing it with every
/// column of the row, which for a wide row cost more than the rest of decoding it.
pub struct ByPosition<T>(pub T);

impl<T, DB> QueryableByName<DB> for ByPosition<T>
where
    DB: Backend,
    T: Selectable<DB> + Queryable<SqlTypeOf<T::SelectExpression>, DB>,
    T::Row: FromStaticSqlRow<SqlTypeOf<T::SelectExpression>, DB>,
{
    fn build<'a>(row: &impl NamedRow<'a, DB>) -> diesel::deserialize::Result<Self> {
        let fields = <T::Row as FromStaticSqlRow<_, DB>>::build_from_row(row)?;
        Ok(Self(T::build(fields)?))
    }
}

/// Loads the first rows of each parent in `parent_ids`, at most `limit` each, in one
/// statement. Each parent's rows are read through its index and the reading stops at
/// `limit`, so a busy parent costs no more than a quiet one: PostgreSQL joins each id
/// laterally, SQLite (which has no LATERAL) with a correlated `IN`. The ids go in as one
/// parameter (an array, or a JSON list on SQLite), so the statement's text, and its
/// prepared form, are the same for any number of parents. The statement's columns are read
/// in the order of `R`'s selection: `columns`, then `computed`.
pub async fn first_per_parent<R>(
    conn: &mut DbConn,
    query: PerParent<'_>,
    parent_ids: &[i64],
    limit: i64,
) -> Result<Vec<R>, DbError>
where
    R: Send + 'static,
    ByPosition<R>: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite>,
{
    use diesel::sql_types::{Array, BigInt, Text};
    use diesel_async::RunQueryDsl as _;

    if parent_ids.is_empty() {
        return Ok(Vec::new());
    }
    let PerParent {
        table,
        columns,
        computed,
        alias,
        rows,
        order,
    } = query;
    let computed = computed
        .map(|expression| format!(", {expression}"))
        .unwrap_or_default();
    let loaded: Vec<ByPosition<R>> = match conn {
        DbConn::Pg(c) => {
            let sql = format!(
                "SELECT {table}.*{computed} FROM unnest($1::int8[]) AS listed(id) \
                 CROSS JOIN LATERAL (SELECT {columns} {rows}) AS {table} {order}"
            );
            diesel::sql_query(sql)
                .bind::<Array<BigInt>, _>(parent_ids)
                .bind::<BigInt, _>(limit)
                .load(&mut **c)
                .await?
        }
        DbConn::Sqlite(c) => {
            let qualified = columns.replace(", ", &format!(", {table}."));
            let ids = serde_json::to_string(parent_ids).unwrap_or_else(|_| "[]".into());
            let sql = format!(
                "SELECT {table}.{qualified}{computed} \
                 FROM (SELECT value AS id FROM json_each($1)) AS listed \
                 JOIN {table} ON {table}.id IN (SELECT {alias}.id {rows}) {order}"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(ids)
                .bind::<BigInt, _>(limit)
                .load(&mut **c)
                .await?
        }
    };

    Ok(loaded.into_iter().map(|row| row.0).collect())
}

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
