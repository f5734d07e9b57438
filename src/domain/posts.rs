//! Reading posts: lists, look-ups and counts, each limited to what the actor may see.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::organisation::Country;
use super::pagination::{Page, PageArgs};
use super::post::{Post, PostKind, PostStatus, Visibility};
use super::user::Actor;
use super::validation::check_text;
use super::{DomainError, permissions};
use crate::db::posts::{
    self as queries, PostFilter, PostKeyset, PostPageQuery, PostRow, PostSortKey,
};
use crate::db::{Database, SearchQuery};

/// The longest `search` text accepted, and the most words used from it.
const MAX_SEARCH_LENGTH: usize = 200;
const MAX_SEARCH_WORDS: usize = 16;

/// Which posts a list holds; `None` leaves a dimension open, an empty list matches nothing.
#[derive(Clone, Debug, Default)]
pub struct PostListFilter {
    pub kinds: Option<Vec<PostKind>>,
    pub organisation_ids: Option<Vec<i64>>,
    pub tags: Option<Vec<String>>,
    pub countries: Option<Vec<Country>>,
    /// Words to find in the title, summary or body.
    pub search: Option<String>,
    pub open_calls_only: bool,
    /// Events overlapping this range.
    pub events_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// `PUBLISHED` when not given; drafts only of the actor's own organisations.
    pub statuses: Option<Vec<PostStatus>>,
}

/// What a list of posts is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostOrderField {
    PublishedAt,
    StartsAt,
    Deadline,
    Relevance,
}

/// The order of a list of posts; each field has its natural direction when none is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostOrder {
    /// Relevance when searching, else publication.
    pub field: Option<PostOrderField>,
    pub descending: Option<bool>,
}

/// One page of posts, checked and resolved into queries.
struct ListQuery {
    filter: PostFilter,
    sort: PostSortKey,
    descending: bool,
}

impl ListQuery {
    fn new(
        actor: &Actor,
        filter: &PostListFilter,
        order: PostOrder,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let search = search_words(filter.search.as_deref())?;
        let field = match (order.field, &search) {
            (Some(PostOrderField::Relevance), None) => {
                return Err(DomainError::invalid(
                    "ordering by `RELEVANCE` needs a `search` in the filter",
                ));
            }
            (Some(field), _) => field,
            (None, Some(_)) => PostOrderField::Relevance,
            (None, None) => PostOrderField::PublishedAt,
        };
        let (sort, natural_descending) = match field {
            PostOrderField::PublishedAt => (PostSortKey::PublishedAt, true),
            PostOrderField::StartsAt => (PostSortKey::StartsAt, false),
            PostOrderField::Deadline => (PostSortKey::Deadline, false),
            PostOrderField::Relevance => (PostSortKey::Relevance, true),
        };
        if let Some(tags) = &filter.tags {
            for tag in tags {
                check_text("tags", tag)?;
            }
        }
        let events_between = match filter.events_between {
            Some((from, to)) if to <= from => {
                return Err(DomainError::invalid(
                    "`eventsBetween.to` must be after `eventsBetween.from`",
                ));
            }
            range => range.map(|(from, to)| (from.naive_utc(), to.naive_utc())),
        };
        let statuses = filter
            .statuses
            .clone()
            .unwrap_or_else(|| vec![PostStatus::Published]);

        let filter = PostFilter {
            kinds: names(&filter.kinds, PostKind::as_str),
            organisation_ids: filter.organisation_ids.clone(),
            tags: filter
                .tags
                .as_ref()
                .map(|tags| tags.iter().map(|t| t.trim().to_lowercase()).collect()),
            countries: names(&filter.countries, Country::as_str),
            search,
            open_calls_at: filter.open_calls_only.then_some(now.naive_utc()),
            events_between,
            statuses: statuses.iter().map(|s| s.as_str().to_owned()).collect(),
            platform_visible: permissions::may_read_platform_posts(actor),
            draft_organisations: actor.organisation_ids(),
        };
        Ok(Self {
            filter,
            sort,
            descending: order.descending.unwrap_or(natural_descending),
        })
    }
}

fn names<T: Copy>(values: &Option<Vec<T>>, name: fn(T) -> &'static str) -> Option<Vec<String>> {
    values
        .as_ref()
        .map(|values| values.iter().map(|v| name(*v).to_owned()).collect())
}

/// Words too common to search by. PostgreSQL's English configuration drops these itself;
/// SQLite's FTS5 would require them, so both backends leave them out.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "that", "the", "to", "with",
];

/// The words of a search: runs of letters and digits, lower-cased, common words left out;
/// `None` when none are left.
fn search_words(search: Option<&str>) -> Result<Option<SearchQuery>, DomainError> {
    let Some(text) = search else {
        return Ok(None);
    };
    if text.chars().count() > MAX_SEARCH_LENGTH {
        return Err(DomainError::invalid(format!(
            "`search` may be at most {MAX_SEARCH_LENGTH} characters"
        )));
    }
    check_text("search", text)?;
    let words = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .take(MAX_SEARCH_WORDS)
        .collect();

    Ok(SearchQuery::new(words))
}

/// One page of the posts the actor may see.
pub async fn list_posts(
    db: &Database,
    actor: &Actor,
    filter: &PostListFilter,
    order: PostOrder,
    args: &PageArgs,
) -> Result<Page<Post>, DomainError> {
    let query = ListQuery::new(actor, filter, order, Utc::now())?;
    let window = args.window()?;
    let bound = |name: &str, cursor: &Option<String>| -> Result<_, DomainError> {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        let keyset = decode_post_cursor(name, cursor)?;
        if !query.sort.accepts(&keyset) {
            return Err(DomainError::invalid(format!(
                "`{name}` is a cursor of another ordering; keep `orderBy` the same while paging"
            )));
        }
        Ok(Some(keyset))
    };
    let page = PostPageQuery {
        sort: query.sort,
        descending: query.descending,
        after: bound("after", &args.after)?,
        before: bound("before", &args.before)?,
        limit: window.limit,
        from_end: window.from_end,
    };

    let mut conn = db.conn().await?;
    let rows = queries::page(&mut conn, &query.filter, &page).await?;
    let cursors: Vec<String> = rows
        .rows
        .iter()
        .map(|(row, rank)| encode_post_cursor(&query.sort.keyset_of(row, *rank)))
        .collect();
    let posts = from_rows(rows.rows.into_iter().map(|(row, _)| row))?;
    let edges = cursors.into_iter().zip(posts).collect();

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// The first pages, `size` long, of the published posts of each organisation, newest first,
/// as `Organisation.posts` shows them unfiltered: in two statements (posts, tags) however
/// many organisations. Every organisation asked for has a page, empty when it has no posts.
pub async fn first_pages_of_organisations(
    db: &Database,
    actor: &Actor,
    organisation_ids: &[i64],
    size: i64,
) -> Result<HashMap<i64, Page<Post>>, DomainError> {
    let mut conn = db.conn().await?;
    let platform_visible = permissions::may_read_platform_posts(actor);
    let rows =
        queries::newest_published(&mut conn, organisation_ids, platform_visible, size + 1).await?;
    let cursors: Vec<String> = rows
        .iter()
        .map(|row| encode_post_cursor(&PostSortKey::PublishedAt.keyset_of(row, None)))
        .collect();
    let posts = from_rows(rows)?;

    let empty = || Page {
        edges: Vec::new(),
        has_previous_page: false,
        has_next_page: false,
    };
    let mut pages: HashMap<i64, Page<Post>> =
        organisation_ids.iter().map(|id| (*id, empty())).collect();
    // Posts come by organisation, newest first; one beyond `size` says another page follows.
    for (cursor, post) in cursors.into_iter().zip(posts) {
        let page = pages.entry(post.organisation_id).or_insert_with(empty);
        if page.edges.len() as i64 == size {
            page.has_next_page = true;
        } else {
            page.edges.push((cursor, post));
        }
    }

    Ok(pages)
}

/// How many posts the actor may see match a filter, in the ordering's scope.
pub async fn count_posts(
    db: &Database,
    actor: &Actor,
    filter: &PostListFilter,
    order: PostOrder,
) -> Result<i64, DomainError> {
    let query = ListQuery::new(actor, filter, order, Utc::now())?;
    let mut conn = db.conn().await?;

    Ok(queries::count(&mut conn, &query.filter, query.sort).await?)
}

/// The posts with these ids that the actor may see, by id.
pub async fn posts_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Post>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;
    let posts = from_rows(rows)?;

    Ok(posts
        .into_iter()
        .filter(|post| may_read(actor, post))
        .map(|post| (post.id, post))
        .collect())
}

/// Whether the actor may read this post.
pub fn may_read(actor: &Actor, post: &Post) -> bool {
    let status_allows = post.status != PostStatus::Draft
        || permissions::may_read_drafts(actor, post.organisation_id);
    let visibility_allows =
        post.visibility == Visibility::Public || permissions::may_read_platform_posts(actor);
    status_allows && visibility_allows
}

/// Turns rows into posts.
pub(crate) fn from_rows(rows: impl IntoIterator<Item = PostRow>) -> Result<Vec<Post>, DomainError> {
    rows.into_iter().map(Post::from_row).collect()
}

/// The opaque cursor of a position in a list of posts.
fn encode_post_cursor(keyset: &PostKeyset) -> String {
    let plain = match keyset {
        PostKeyset::PublishedAt(at, id) => format!("p:{id}:{}", at.and_utc().timestamp_micros()),
        PostKeyset::StartsAt(at, id) => format!("s:{id}:{}", at.and_utc().timestamp_micros()),
        PostKeyset::Deadline(at, id) => format!("d:{id}:{}", at.and_utc().timestamp_micros()),
        // `{:?}` writes the shortest text that reads back as the same f64.
        PostKeyset::Relevance(rank, id) => format!("r:{id}:{rank:?}"),
    };
    URL_SAFE_NO_PAD.encode(plain)
}

/// Reads a cursor made by [`encode_post_cursor`]; `argument` names it in the error.
fn decode_post_cursor(argument: &str, cursor: &str) -> Result<PostKeyset, DomainError> {
    let malformed = || DomainError::invalid(format!("`{argument}` is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
    let mut parts = plain.splitn(3, ':');
    let (Some(tag), Some(id), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed());
    };
    let id: i64 = id.parse().map_err(|_| malformed())?;
    let at = || {
        value
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .map(|at| at.naive_utc())
            .ok_or_else(malformed)
    };

    match tag {
        "p" => Ok(PostKeyset::PublishedAt(at()?, id)),
        "s" => Ok(PostKeyset::StartsAt(at()?, id)),
        "d" => Ok(PostKeyset::Deadline(at()?, id)),
        "r" => {
            let rank: f64 = value.parse().map_err(|_| malformed())?;
            if !rank.is_finite() {
                return Err(malformed());
            }
            Ok(PostKeyset::Relevance(rank, id))
        }
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_cursors_survive_a_round_trip() {
        let at = DateTime::from_timestamp_micros(1_780_000_000_123_456)
            .unwrap()
            .naive_utc();
        for keyset in [
            PostKeyset::PublishedAt(at, 1),
            PostKeyset::StartsAt(at, 2),
            PostKeyset::Deadline(at, 3),
            PostKeyset::Relevance(0.060_792_710_632_085_8, 4),
        ] {
            let cursor = encode_post_cursor(&keyset);
            assert_eq!(decode_post_cursor("after", &cursor).unwrap(), keyset);
        }
        assert!(
            decode_post_cursor("after", "cjoxOk5hTg").is_err(),
            "NaN rank"
        );
    }

    #[test]
    fn search_keeps_only_words() {
        let words = search_words(Some("  \"Digital\" trade -- AND/OR *")).unwrap();

        assert_eq!(
            words,
            SearchQuery::new(vec!["digital".into(), "trade".into()])
        );
        assert_eq!(search_words(Some(" -- ")).unwrap(), None);
    }
}
