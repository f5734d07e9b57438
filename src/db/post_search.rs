//! Full-text search over posts, the one place the backends differ. PostgreSQL matches the
//! generated `posts.search_document` column (GIN-indexed) and ranks with `ts_rank`. SQLite
//! first asks its FTS5 table `post_search` for every match and its `bm25` rank in one pass,
//! then hands them to the list query as one JSON parameter: ranking each row with its own
//! FTS5 query cost a full scan of the words' postings per row (6 requests per second at 5,000
//! posts, against 390 on PostgreSQL). Both weigh a title match above a summary match above a
//! body match, and both stem English words.

use std::collections::BTreeMap;

use diesel::QueryableByName;
use diesel::dsl::sql;
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::sql_types::{BigInt, Bool, Double, Text};
use diesel_async::RunQueryDsl as _;

use super::{DbConn, DbError};

/// The words to find, all of them, in any of title, summary and body.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    words: Vec<String>,
}

/// A search made ready for one backend's list query.
#[derive(Clone, Debug)]
pub enum ResolvedSearch {
    /// The words, for `plainto_tsquery`, which treats its input as plain words.
    Postgres(String),
    /// Every matching post id and its rank, as a JSON object.
    Sqlite(String),
}

#[derive(QueryableByName)]
struct Match {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    rank: f64,
}

impl SearchQuery {
    /// A query for these words; `None` when there are none.
    pub fn new(words: Vec<String>) -> Option<Self> {
        (!words.is_empty()).then_some(Self { words })
    }

    /// Prepares the search for the backend of `conn`; on SQLite this runs the full-text
    /// query.
    pub(super) async fn resolve(&self, conn: &mut DbConn) -> Result<ResolvedSearch, DbError> {
        let conn = match conn {
            DbConn::Pg(_) => return Ok(ResolvedSearch::Postgres(self.words.join(" "))),
            DbConn::Sqlite(conn) => conn,
        };
        // Every word quoted, so that no input reaches FTS5's query syntax. bm25 ranks best
        // lowest and gets weights 10, 4 and 1 for title, summary and body.
        let quoted: Vec<String> = self
            .words
            .iter()
            .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
            .collect();
        let matches: Vec<Match> = diesel::sql_query(
            "SELECT rowid AS id, -bm25(post_search, 10.0, 4.0, 1.0) AS rank \
             FROM post_search WHERE post_search MATCH ?",
        )
        .bind::<Text, _>(quoted.join(" "))
        .load(&mut **conn)
        .await?;

        let ranks: BTreeMap<String, f64> = matches
            .into_iter()
            .map(|found| (found.id.to_string(), found.rank))
            .collect();
        let json = serde_json::to_string(&ranks).unwrap_or_else(|_| "{}".to_owned());
        Ok(ResolvedSearch::Sqlite(json))
    }

    fn parameter(search: &ResolvedSearch) -> String {
        match search {
            ResolvedSearch::Postgres(text) | ResolvedSearch::Sqlite(text) => text.clone(),
        }
    }
}

type Fragment<T> = SqlLiteral<
    T,
    UncheckedBind<SqlLiteral<T>, <String as diesel::expression::AsExpression<Text>>::Expression>,
>;

/// `true` for the posts that match every word.
pub fn search_filter(search: &ResolvedSearch) -> Fragment<Bool> {
    let (open, close) = match search {
        ResolvedSearch::Postgres(_) => {
            ("posts.search_document @@ plainto_tsquery('english', ", ")")
        }
        ResolvedSearch::Sqlite(_) => (
            "posts.id IN (SELECT CAST(key AS INTEGER) FROM json_each(",
            "))",
        ),
    };
    sql::<Bool>(open)
        .bind::<Text, _>(SearchQuery::parameter(search))
        .sql(close)
}

/// How well a post matches; larger is better. Only meaningful on posts that match.
pub fn search_rank(search: &ResolvedSearch) -> Fragment<Double> {
    // ts_rank's default weights are 1.0 for the title (A), 0.4 for the summary (B) and 0.1
    // for the body (D).
    let (open, close) = match search {
        ResolvedSearch::Postgres(_) => (
            "ts_rank(posts.search_document, plainto_tsquery('english', ",
            "))::float8",
        ),
        // Looking each post up in the JSON object scans the object, which made a search
        // quadratic in its matches (70% of Q4's time at a thousand); the ranks
        // materialised once and indexed automatically cost a lookup each.
        ResolvedSearch::Sqlite(_) => (
            "(WITH ranks(id, rank) AS MATERIALIZED \
             (SELECT CAST(key AS INTEGER), value FROM json_each(",
            ")) SELECT rank FROM ranks WHERE ranks.id = posts.id)",
        ),
    };
    sql::<Double>(open)
        .bind::<Text, _>(SearchQuery::parameter(search))
        .sql(close)
}
