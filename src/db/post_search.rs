//! Full-text search over posts, the one place the backends differ: PostgreSQL matches the
//! generated `posts.search_document` column (GIN-indexed) and ranks with `ts_rank`; SQLite
//! matches the FTS5 table `post_search` and ranks with `bm25`. Both weigh a title match
//! above a summary match above a body match, and both stem English words.

use diesel::dsl::sql;
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::sql_types::{Bool, Double, Text};

/// The words to find, all of them, in any of title, summary and body.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// A query for these words; `None` when there are none.
    pub fn new(words: Vec<String>) -> Option<Self> {
        (!words.is_empty()).then_some(Self { words })
    }

    /// The query in each backend's language. Every word is quoted for FTS5, so no input can
    /// reach its query syntax; `plainto_tsquery` treats its input as plain words anyway.
    fn text(&self, pg: bool) -> String {
        if pg {
            self.words.join(" ")
        } else {
            let quoted: Vec<String> = self
                .words
                .iter()
                .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
                .collect();
            quoted.join(" ")
        }
    }
}

type Fragment<T> = SqlLiteral<
    T,
    UncheckedBind<SqlLiteral<T>, <String as diesel::expression::AsExpression<Text>>::Expression>,
>;

/// `true` for the posts that match every word.
pub fn search_filter(search: &SearchQuery, pg: bool) -> Fragment<Bool> {
    let (open, close) = if pg {
        ("posts.search_document @@ plainto_tsquery('english', ", ")")
    } else {
        (
            "posts.id IN (SELECT rowid FROM post_search WHERE post_search MATCH ",
            ")",
        )
    };
    sql::<Bool>(open)
        .bind::<Text, _>(search.text(pg))
        .sql(close)
}

/// How well a post matches; larger is better. Only meaningful on posts that match.
pub fn search_rank(search: &SearchQuery, pg: bool) -> Fragment<Double> {
    // ts_rank's default weights are 1.0 for the title (A), 0.4 for the summary (B) and 0.1
    // for the body (D); bm25 gets 10, 4 and 1 and is negated, since it ranks best lowest.
    let (open, close) = if pg {
        (
            "ts_rank(posts.search_document, plainto_tsquery('english', ",
            "))::float8",
        )
    } else {
        (
            "(SELECT -bm25(post_search, 10.0, 4.0, 1.0) FROM post_search \
             WHERE post_search.rowid = posts.id AND post_search MATCH ",
            ")",
        )
    };
    sql::<Double>(open)
        .bind::<Text, _>(search.text(pg))
        .sql(close)
}
