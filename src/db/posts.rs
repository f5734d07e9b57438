//! Queries over posts and their tags.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, not};
use diesel::sql_types::{Nullable, Text, Timestamp};
use diesel::{
    AsChangeset, BoolExpressionMethods as _, ExpressionMethods as _, Insertable,
    NullableExpressionMethods as _, OptionalExtension as _, QueryDsl as _, Queryable, Selectable,
    SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::post_search::{ResolvedSearch, SearchQuery, search_filter, search_rank};
use super::schema::{organisations, post_tags, posts};
use super::stamp::{MaybeStamp, Stamp};
use super::{DbConn, DbError, PageRows, PerParent, events, first_per_parent};

diesel::define_sql_function!(fn coalesce(x: Nullable<Timestamp>, y: Timestamp) -> Timestamp);

/// One row of `posts`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = posts)]
pub struct PostRow {
    pub id: i64,
    pub organisation_id: i64,
    pub author_id: i64,
    pub kind: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub visibility: String,
    pub status: String,
    #[diesel(deserialize_as = MaybeStamp)]
    pub starts_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub ends_at: Option<NaiveDateTime>,
    pub time_zone: Option<String>,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub registration_url: Option<String>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub opens_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub deadline: Option<NaiveDateTime>,
    pub eligibility: Option<String>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub published_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// Its tags, read in the same statement: sorted and joined by commas, which no tag
    /// holds; null when it has none.
    #[diesel(
        sql_type = Nullable<Text>,
        select_expression = diesel::dsl::sql::<Nullable<Text>>(TAGS),
        select_expression_type = diesel::expression::SqlLiteral<Nullable<Text>>,
    )]
    pub tags: Option<String>,
}

/// The expression that reads a post's tags into [`PostRow::tags`], for the row of `posts`
/// in scope. Both backends have `string_agg` with an ordering (SQLite since 3.44).
macro_rules! tags_expression {
    () => {
        "(SELECT string_agg(post_tags.tag, ',' ORDER BY post_tags.tag) \
         FROM post_tags WHERE post_tags.post_id = posts.id)"
    };
}
const TAGS: &str = tags_expression!();
/// [`TAGS`] named as the row reads it, for statements written in SQL.
const TAGS_COLUMN: &str = concat!(tags_expression!(), " AS tags");

/// A post to insert; it starts as a draft.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost {
    pub organisation_id: i64,
    pub author_id: i64,
    pub kind: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub visibility: String,
    pub status: String,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub time_zone: Option<String>,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub registration_url: Option<String>,
    pub opens_at: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub eligibility: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = post_tags)]
struct NewPostTag<'a> {
    post_id: i64,
    tag: &'a str,
}

/// The editable columns of a post, all set at once: the domain merges an edit into the
/// stored post, checks the whole, and writes it back.
#[derive(Clone, Debug, AsChangeset)]
#[diesel(table_name = posts, treat_none_as_null = true)]
pub struct PostContent {
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub visibility: String,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub time_zone: Option<String>,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub registration_url: Option<String>,
    pub opens_at: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub eligibility: Option<String>,
}

/// Which posts a list holds, and who reads it. `None` leaves a dimension unfiltered; an
/// empty list matches nothing.
#[derive(Clone, Debug, Default)]
pub struct PostFilter {
    pub kinds: Option<Vec<String>>,
    pub organisation_ids: Option<Vec<i64>>,
    /// Posts carrying any of these tags.
    pub tags: Option<Vec<String>>,
    /// Posts of organisations seated in these countries.
    pub countries: Option<Vec<String>>,
    pub search: Option<SearchQuery>,
    /// Calls open at this instant: opened, deadline not yet reached, published.
    pub open_calls_at: Option<NaiveDateTime>,
    /// Events that overlap this range: starting before its end, ending after its start.
    pub events_between: Option<(NaiveDateTime, NaiveDateTime)>,
    pub statuses: Vec<String>,
    /// Whether the reader may see `PLATFORM` posts.
    pub platform_visible: bool,
    /// The organisations whose drafts the reader may see.
    pub draft_organisations: Vec<i64>,
}

/// A position in one ordering: the sort key's value and the id that breaks ties.
#[derive(Clone, Debug, PartialEq)]
pub enum PostKeyset {
    /// `coalesce(published_at, created_at)`: drafts sort by creation.
    PublishedAt(NaiveDateTime, i64),
    StartsAt(NaiveDateTime, i64),
    Deadline(NaiveDateTime, i64),
    /// The search rank; larger is better.
    Relevance(f64, i64),
}

/// The orderings a list of posts can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostSortKey {
    PublishedAt,
    /// Only events have a start; ordering by it lists events only.
    StartsAt,
    /// Only calls have a deadline; ordering by it lists calls only.
    Deadline,
    /// Needs a search.
    Relevance,
}

impl PostSortKey {
    /// The position of `row` (with its rank, when searching) in this ordering.
    pub fn keyset_of(self, row: &PostRow, rank: Option<f64>) -> PostKeyset {
        match self {
            Self::PublishedAt => {
                PostKeyset::PublishedAt(row.published_at.unwrap_or(row.created_at), row.id)
            }
            Self::StartsAt => PostKeyset::StartsAt(row.starts_at.unwrap_or_default(), row.id),
            Self::Deadline => PostKeyset::Deadline(row.deadline.unwrap_or_default(), row.id),
            Self::Relevance => PostKeyset::Relevance(rank.unwrap_or_default(), row.id),
        }
    }

    /// Whether `keyset` is a position in this ordering.
    pub fn accepts(self, keyset: &PostKeyset) -> bool {
        matches!(
            (self, keyset),
            (Self::PublishedAt, PostKeyset::PublishedAt(..))
                | (Self::StartsAt, PostKeyset::StartsAt(..))
                | (Self::Deadline, PostKeyset::Deadline(..))
                | (Self::Relevance, PostKeyset::Relevance(..))
        )
    }
}

/// One page of a keyset-paginated list of posts.
#[derive(Clone, Debug)]
pub struct PostPageQuery {
    pub sort: PostSortKey,
    pub descending: bool,
    pub after: Option<PostKeyset>,
    pub before: Option<PostKeyset>,
    pub limit: i64,
    pub from_end: bool,
}

/// Builds a boxed `posts` query with the filter applied; the backend is inferred.
macro_rules! filtered {
    ($filter:expr, $search:expr) => {{
        let filter: &PostFilter = $filter;
        let search: &Option<ResolvedSearch> = $search;
        let mut query = posts::table.into_boxed();
        query = query.filter(posts::status.eq_any(filter.statuses.clone()));
        query = query.filter(
            posts::status
                .ne("DRAFT")
                .or(posts::organisation_id.eq_any(filter.draft_organisations.clone())),
        );
        if !filter.platform_visible {
            query = query.filter(posts::visibility.eq("PUBLIC"));
        }
        if let Some(kinds) = &filter.kinds {
            query = query.filter(posts::kind.eq_any(kinds.clone()));
        }
        if let Some(ids) = &filter.organisation_ids {
            query = query.filter(posts::organisation_id.eq_any(ids.clone()));
        }
        if let Some(tags) = &filter.tags {
            let tagged = post_tags::table
                .filter(post_tags::tag.eq_any(tags.clone()))
                .select(post_tags::post_id);
            query = query.filter(posts::id.eq_any(tagged));
        }
        if let Some(countries) = &filter.countries {
            let seated = organisations::table
                .filter(organisations::country.eq_any(countries.clone()))
                .select(organisations::id);
            query = query.filter(posts::organisation_id.eq_any(seated));
        }
        if let Some(search) = search {
            query = query.filter(search_filter(search));
        }
        if let Some(at) = filter.open_calls_at {
            query = query.filter(
                posts::kind
                    .eq("CALL_FOR_APPLICATIONS")
                    .and(posts::status.eq("PUBLISHED"))
                    .and(posts::opens_at.is_null().or(posts::opens_at.le(at)))
                    .and(posts::deadline.gt(at)),
            );
        }
        if let Some((from, to)) = filter.events_between {
            query = query.filter(
                posts::kind
                    .eq("EVENT")
                    .and(posts::starts_at.lt(to))
                    .and(posts::ends_at.gt(from)),
            );
        }
        query
    }};
}

/// Restricts `$query` to rows beyond the page's bounds and orders it by the key, then the id.
macro_rules! keyset_order {
    ($query:ident, $page:expr, $key:expr, $variant:path) => {{
        let page: &PostPageQuery = $page;
        for (bound, after) in [(&page.after, true), (&page.before, false)] {
            if let Some($variant(value, id)) = bound {
                let (value, id) = (*value, *id);
                // Strictly after in ascending order, or strictly before in descending
                // order, both mean "greater than".
                $query = if after != page.descending {
                    $query.filter($key.gt(value).or($key.eq(value).and(posts::id.gt(id))))
                } else {
                    $query.filter($key.lt(value).or($key.eq(value).and(posts::id.lt(id))))
                };
            }
        }
        if page.descending != page.from_end {
            $query.order_by($key.desc()).then_order_by(posts::id.desc())
        } else {
            $query.order_by($key.asc()).then_order_by(posts::id.asc())
        }
    }};
}

/// Loads one page of posts in the requested order, each with its search rank when the
/// ordering is by relevance.
pub async fn page(
    conn: &mut DbConn,
    filter: &PostFilter,
    page: &PostPageQuery,
) -> Result<PageRows<(PostRow, Option<f64>)>, DbError> {
    let search = resolve(conn, filter).await?;
    let rows: Vec<(PostRow, Option<f64>)> = crate::on_conn!(conn, |c| {
        let mut query = filtered!(filter, &search);
        let limit = page.limit + 1;
        match page.sort {
            PostSortKey::PublishedAt => {
                let query = keyset_order!(
                    query,
                    page,
                    coalesce(posts::published_at, posts::created_at),
                    PostKeyset::PublishedAt
                );
                without_rank(
                    query
                        .select(PostRow::as_select())
                        .limit(limit)
                        .load(c)
                        .await,
                )
            }
            PostSortKey::StartsAt => {
                query = query.filter(posts::kind.eq("EVENT"));
                let query = keyset_order!(
                    query,
                    page,
                    posts::starts_at.assume_not_null(),
                    PostKeyset::StartsAt
                );
                without_rank(
                    query
                        .select(PostRow::as_select())
                        .limit(limit)
                        .load(c)
                        .await,
                )
            }
            PostSortKey::Deadline => {
                query = query.filter(posts::kind.eq("CALL_FOR_APPLICATIONS"));
                let query = keyset_order!(
                    query,
                    page,
                    posts::deadline.assume_not_null(),
                    PostKeyset::Deadline
                );
                without_rank(
                    query
                        .select(PostRow::as_select())
                        .limit(limit)
                        .load(c)
                        .await,
                )
            }
            PostSortKey::Relevance => {
                let Some(search) = &search else {
                    return Ok(PageRows {
                        rows: Vec::new(),
                        has_more: false,
                    });
                };
                let query = keyset_order!(query, page, search_rank(search), PostKeyset::Relevance);
                query
                    .select((PostRow::as_select(), search_rank(search)))
                    .limit(limit)
                    .load::<(PostRow, f64)>(c)
                    .await
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(row, rank)| (row, Some(rank)))
                            .collect()
                    })
            }
        }
    })?;

    Ok(PageRows::from_extra_row(rows, page.limit, page.from_end))
}

async fn resolve(
    conn: &mut DbConn,
    filter: &PostFilter,
) -> Result<Option<ResolvedSearch>, DbError> {
    match &filter.search {
        Some(search) => Ok(Some(search.resolve(conn).await?)),
        None => Ok(None),
    }
}

fn without_rank(
    rows: diesel::QueryResult<Vec<PostRow>>,
) -> diesel::QueryResult<Vec<(PostRow, Option<f64>)>> {
    rows.map(|rows| rows.into_iter().map(|row| (row, None)).collect())
}

/// Counts the posts a filter matches, for one ordering (which may narrow the kind).
pub async fn count(
    conn: &mut DbConn,
    filter: &PostFilter,
    sort: PostSortKey,
) -> Result<i64, DbError> {
    let search = resolve(conn, filter).await?;
    let total = crate::on_conn!(conn, |c| {
        let mut query = filtered!(filter, &search);
        match sort {
            PostSortKey::StartsAt => query = query.filter(posts::kind.eq("EVENT")),
            PostSortKey::Deadline => query = query.filter(posts::kind.eq("CALL_FOR_APPLICATIONS")),
            PostSortKey::PublishedAt | PostSortKey::Relevance => {}
        }
        query.select(count_star()).get_result(c).await
    })?;

    Ok(total)
}

/// Loads the posts with these ids, in no particular order; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<PostRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        posts::table
            .filter(posts::id.eq_any(ids))
            .select(PostRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The stored columns of [`PostRow`], for statements written in SQL; [`TAGS_COLUMN`] reads
/// the rest.
const POST_COLUMNS: &str = "id, organisation_id, author_id, kind, title, summary, body, \
    visibility, status, starts_at, ends_at, time_zone, venue, online_url, registration_url, \
    opens_at, deadline, eligibility, published_at, created_at, updated_at";

/// The newest `limit` published posts of each organisation, newest first, in one statement
/// (see [`first_per_parent`]), read through `posts_organisation_listed`; only `PUBLIC` ones
/// unless `platform_visible`. Ordered by organisation, then newest first.
pub async fn newest_published(
    conn: &mut DbConn,
    organisation_ids: &[i64],
    platform_visible: bool,
    limit: i64,
) -> Result<Vec<PostRow>, DbError> {
    let visible = if platform_visible {
        ""
    } else {
        "AND newest.visibility = 'PUBLIC'"
    };
    let query = PerParent {
        table: "posts",
        columns: POST_COLUMNS,
        computed: Some(TAGS_COLUMN),
        alias: "newest",
        rows: &format!(
            "FROM posts AS newest \
             WHERE newest.organisation_id = listed.id AND newest.status = 'PUBLISHED' \
             {visible} \
             ORDER BY coalesce(newest.published_at, newest.created_at) DESC, newest.id DESC \
             LIMIT $2"
        ),
        order: "ORDER BY posts.organisation_id, \
                coalesce(posts.published_at, posts.created_at) DESC, posts.id DESC",
    };

    first_per_parent(conn, query, organisation_ids, limit).await
}

/// Inserts a draft and its tags in one transaction; returns the new id.
pub async fn insert(conn: &mut DbConn, post: &NewPost, tags: &[String]) -> Result<i64, DbError> {
    let id = crate::write_transaction!(conn, |c| {
        let id: i64 = diesel::insert_into(posts::table)
            .values(post)
            .returning(posts::id)
            .get_result(c)
            .await?;
        // One statement per tag: diesel-async has no multi-row insert on SQLite, and a post
        // has at most ten.
        for tag in tags {
            diesel::insert_into(post_tags::table)
                .values(NewPostTag { post_id: id, tag })
                .execute(c)
                .await?;
        }
        Ok::<_, diesel::result::Error>(id)
    })?;

    Ok(id)
}

/// Writes a post's content and, if given, replaces its tags, in one transaction, but only
/// if the post was last changed at `seen_at`; returns whether it was.
pub async fn update_content(
    conn: &mut DbConn,
    id: i64,
    seen_at: NaiveDateTime,
    content: &PostContent,
    tags: Option<&[String]>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let updated = crate::write_transaction!(conn, |c| {
        let touched = diesel::update(
            posts::table
                .find(id)
                .filter(posts::updated_at.eq(seen_at))
                .filter(not(posts::status.eq("ARCHIVED"))),
        )
        .set((content, posts::updated_at.eq(now)))
        .execute(c)
        .await?;
        if touched == 0 {
            return Ok(false);
        }
        if let Some(tags) = tags {
            diesel::delete(post_tags::table.filter(post_tags::post_id.eq(id)))
                .execute(c)
                .await?;
            for tag in tags {
                diesel::insert_into(post_tags::table)
                    .values(NewPostTag { post_id: id, tag })
                    .execute(c)
                    .await?;
            }
        }
        Ok::<_, diesel::result::Error>(true)
    })?;

    Ok(updated)
}

/// Publishes a draft and records the event subscribers receive, in one transaction; returns
/// whether the post was still a draft last changed at `seen_at`.
pub async fn publish(
    conn: &mut DbConn,
    id: i64,
    seen_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let published = crate::write_transaction!(conn, |c| {
        let touched = diesel::update(
            posts::table
                .find(id)
                .filter(posts::status.eq("DRAFT"))
                .filter(posts::updated_at.eq(seen_at)),
        )
        .set((
            posts::status.eq("PUBLISHED"),
            posts::published_at.eq(now),
            posts::updated_at.eq(now),
        ))
        .execute(c)
        .await?;
        if touched == 0 {
            return Ok(false);
        }
        crate::append_event!(c, pg, events::POST_PUBLISHED, id, now);
        Ok::<_, diesel::result::Error>(true)
    })?;

    Ok(published)
}

/// Archives a published post; returns whether it was published.
pub async fn archive(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    let touched = crate::on_conn!(conn, |c| {
        diesel::update(posts::table.find(id).filter(posts::status.eq("PUBLISHED")))
            .set((posts::status.eq("ARCHIVED"), posts::updated_at.eq(now)))
            .execute(c)
            .await
    })?;

    Ok(touched == 1)
}

/// The post with this id, if any.
pub async fn by_id(conn: &mut DbConn, id: i64) -> Result<Option<PostRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        posts::table
            .find(id)
            .select(PostRow::as_select())
            .first(c)
            .await
            .optional()
    })?;

    Ok(row)
}
