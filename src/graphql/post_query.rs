//! Finding posts: `posts` on `Query` and on every organisation, with their filter and order
//! inputs.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Lookahead, Object, Value};

use super::connection::{Connection, TotalCount};
use super::directory::OrderDirection;
use super::error::{ApiError, ApiResult};
use super::ids::organisation_ids;
use super::loaders::Loaders;
use super::organisation::Country;
use super::partnership::first_page_size;
use super::post::{Post, PostKind, PostStatus, preload, preload_selected};
use super::scalars::DateTime;
use crate::db::Database;
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::partnerships::is_first_page;
use crate::domain::post::Post as Model;
use crate::domain::posts::{self, PostListFilter, PostOrder as DomainOrder};
use crate::domain::user::Actor;

/// A range of time, for events that overlap it.
#[derive(Clone, Copy, Debug, InputObject)]
pub struct TimeRange {
    /// The start of the range.
    from: DateTime,
    /// The end of the range; after `from`.
    to: DateTime,
}

/// Narrows a list of posts. Every field left out or null matches all; an empty list matches
/// none. Fields combine with AND, values within a field with OR.
#[derive(Clone, Debug, Default, InputObject)]
pub struct PostFilter {
    /// Only these kinds of post.
    kinds: Option<Vec<PostKind>>,
    /// Only posts of these organisations.
    organisation_ids: Option<Vec<ID>>,
    /// Only posts carrying at least one of these tags.
    tags: Option<Vec<String>>,
    /// Only posts of organisations seated in these Member States.
    countries: Option<Vec<Country>>,
    /// Words to find in the title, summary or body, all of them, ignoring case and word
    /// endings (`applications` finds `application`). Ranked: title matches first. At most
    /// 200 characters.
    search: Option<String>,
    /// Only calls for applications open right now.
    #[graphql(default)]
    open_calls_only: bool,
    /// Only events that overlap this range.
    events_between: Option<TimeRange>,
    /// Only posts in these statuses; `[PUBLISHED]` when left out. Drafts are listed only
    /// for organisations you belong to.
    statuses: Option<Vec<PostStatus>>,
}

impl PostFilter {
    fn into_domain(self, organisation: Option<i64>) -> ApiResult<PostListFilter> {
        let organisation_ids = match (self.organisation_ids, organisation) {
            (_, Some(id)) => Some(vec![id]),
            (Some(ids), None) => Some(organisation_ids("organisationIds", &ids)?),
            (None, None) => None,
        };
        Ok(PostListFilter {
            kinds: self
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            organisation_ids,
            tags: self.tags,
            countries: self
                .countries
                .map(|countries| countries.into_iter().map(Into::into).collect()),
            search: self.search,
            open_calls_only: self.open_calls_only,
            events_between: self.events_between.map(|range| (range.from.0, range.to.0)),
            statuses: self
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
        })
    }
}

/// What to sort posts by. Equal values keep the order in which the posts were created
/// (reversed when descending), so the order is total and pages never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum PostOrderField {
    /// When published, newest first unless `direction` says otherwise; drafts by when they
    /// were started.
    PublishedAt,
    /// When the event starts, soonest first; lists only event announcements.
    StartsAt,
    /// The call's deadline, soonest first; lists only calls for applications.
    Deadline,
    /// How well the post matches `filter.search`, best first; needs a search.
    Relevance,
}

/// How to sort a list of posts.
#[derive(Clone, Copy, Debug, InputObject)]
pub struct PostOrder {
    /// The field to sort by.
    field: PostOrderField,
    /// Which way; each field's natural direction when left out.
    direction: Option<OrderDirection>,
}

impl From<PostOrder> for DomainOrder {
    fn from(order: PostOrder) -> Self {
        let field = match order.field {
            PostOrderField::PublishedAt => posts::PostOrderField::PublishedAt,
            PostOrderField::StartsAt => posts::PostOrderField::StartsAt,
            PostOrderField::Deadline => posts::PostOrderField::Deadline,
            PostOrderField::Relevance => posts::PostOrderField::Relevance,
        };
        Self {
            field: Some(field),
            descending: order.direction.map(|d| d == OrderDirection::Desc),
        }
    }
}

/// Lists posts for `posts` and `Organisation.posts`.
#[expect(
    clippy::too_many_arguments,
    reason = "the Relay arguments plus filter, order and scope"
)]
pub async fn list(
    ctx: &Context<'_>,
    organisation: Option<i64>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    filter: Option<PostFilter>,
    order_by: Option<PostOrder>,
) -> ApiResult<Connection<Post>> {
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();
    let plain = filter.is_none() && order_by.is_none();
    let filter = filter.unwrap_or_default().into_domain(organisation)?;
    let order = order_by.map(DomainOrder::from).unwrap_or_default();
    let args = PageArgs {
        first,
        after,
        last,
        before,
    };

    // An organisation's newest posts, as a list of organisations shows them, come from a
    // batch for all the organisations on the page (see `preload_first_pages`), shared with
    // the request's cache.
    let page: Page<Arc<Model>> = match organisation {
        Some(organisation_id) if plain && is_first_page(&args) => {
            let size = args.window()?.limit;
            let key = FirstPosts {
                organisation_id,
                size,
            };
            let loaders = ctx.data_unchecked::<Loaders>();
            let page = loaders.post_pages.load_one(key).await?;
            Page::clone(&*page.ok_or(ApiError::Internal)?)
        }
        _ => posts::list_posts(db, actor, &filter, order, &args)
            .await?
            .map(Arc::new),
    };
    preload(ctx, page.edges.iter().map(|(_, post)| &**post)).await?;

    Ok(Connection::new(
        page,
        TotalCount::Posts(filter, order),
        Post::from,
    ))
}

/// The first page of one organisation's posts, newest first and unfiltered, `size` long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FirstPosts {
    pub organisation_id: i64,
    pub size: i64,
}

/// Loads first pages of organisations' posts, two statements per page size among the keys.
pub struct PostPageLoader(pub Database, pub Actor);

impl Loader<FirstPosts> for PostPageLoader {
    /// Shared, so that the request's cache hands out pages without copying their posts.
    type Value = Arc<Page<Arc<Model>>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[FirstPosts],
    ) -> Result<HashMap<FirstPosts, Arc<Page<Arc<Model>>>>, ApiError> {
        let mut by_size: HashMap<i64, Vec<i64>> = HashMap::new();
        for key in keys {
            by_size
                .entry(key.size)
                .or_default()
                .push(key.organisation_id);
        }

        let mut pages = HashMap::with_capacity(keys.len());
        for (size, ids) in by_size {
            let loaded = posts::first_pages_of_organisations(&self.0, &self.1, &ids, size).await?;
            pages.extend(loaded.into_iter().map(|(organisation_id, page)| {
                let key = FirstPosts {
                    organisation_id,
                    size,
                };
                (key, Arc::new(page.map(Arc::new)))
            }));
        }
        Ok(pages)
    }
}

/// Loads, in one batch per page size, the first pages of `posts` that the selection under a
/// page of organisations asks for, and the organisations and authors on them, so that each
/// organisation finds its page in the request's cache and a page of organisations with their
/// posts costs the same number of statements at any size (see `membership::preload`).
pub async fn preload_first_pages(ctx: &Context<'_>, organisation_ids: &[i64]) -> ApiResult<()> {
    let look_ahead = ctx.look_ahead();
    let selected: Vec<Lookahead<'_>> = [
        look_ahead.field("nodes").field("posts"),
        look_ahead.field("edges").field("node").field("posts"),
    ]
    .into_iter()
    .filter(Lookahead::exists)
    .collect();
    let mut sizes = BTreeSet::new();
    for posts in &selected {
        for field in posts.selection_fields() {
            let arguments = field
                .arguments()
                .map_err(|error| ApiError::BadUserInput(error.message))?;
            let filtered = arguments.iter().any(|(name, value)| {
                (name.as_str() == "filter" || name.as_str() == "orderBy") && *value != Value::Null
            });
            if !filtered {
                sizes.extend(first_page_size(&field)?);
            }
        }
    }
    if sizes.is_empty() {
        return Ok(());
    }

    let loaders = ctx.data_unchecked::<Loaders>();
    let mut pages = Vec::new();
    for size in sizes {
        let keys = organisation_ids.iter().map(|&organisation_id| FirstPosts {
            organisation_id,
            size,
        });
        pages.extend(loaders.post_pages.load_many(keys).await?.into_values());
    }
    let loaded: Vec<&Model> = pages
        .iter()
        .flat_map(|page| page.edges.iter().map(|(_, post)| &**post))
        .collect();
    preload_selected(ctx, &selected, loaded).await
}

/// The entry point for posts on `Query`.
#[derive(Default)]
pub struct PostQuery;

#[Object]
impl PostQuery {
    /// Posts you may read, a page at a time: published ones unless `filter.statuses` says
    /// otherwise; newest first, or best match first with a `search`; 20 to a page unless
    /// `first` or `last` says otherwise. `PLATFORM` posts need a signed-in member of an
    /// organisation or the Secretariat.
    #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus filter and order"
    )]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the post with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
        last: Option<i32>,
        #[graphql(desc = "End before the post with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which posts to include; all published ones when left out.")]
        filter: Option<PostFilter>,
        #[graphql(desc = "How to sort them; see `PostOrderField` for the defaults.")]
        order_by: Option<PostOrder>,
    ) -> ApiResult<Connection<Post>> {
        list(ctx, None, first, after, last, before, filter, order_by).await
    }
}
