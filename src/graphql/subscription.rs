//! The root subscription type: live feeds.

use async_graphql::{Context, ID, InputObject, SimpleObject, Subscription};
use futures::{Stream, StreamExt as _};

use super::error::{ApiError, ApiResult};
use super::ids::organisation_ids;
use super::post::{Post, PostKind};
use crate::domain::feed::FeedEvent as _;
use crate::domain::post_feed::{FeedFilter, PostFeed};
use crate::domain::user::Actor;

/// Which publications to receive. Every field left out or null matches all; an empty list
/// matches none. Fields combine with AND, values within a field with OR.
#[derive(Clone, Debug, Default, InputObject)]
pub struct PostFeedFilter {
    /// Only these kinds of post.
    kinds: Option<Vec<PostKind>>,
    /// Only posts of these organisations.
    organisation_ids: Option<Vec<ID>>,
    /// Only posts carrying at least one of these tags.
    tags: Option<Vec<String>>,
}

impl PostFeedFilter {
    fn into_domain(self) -> ApiResult<FeedFilter> {
        let organisation_ids = self
            .organisation_ids
            .map(|ids| organisation_ids("organisationIds", &ids))
            .transpose()?;
        Ok(FeedFilter {
            kinds: self
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            organisation_ids,
            tags: self
                .tags
                .map(|tags| tags.iter().map(|tag| tag.trim().to_lowercase()).collect()),
        })
    }
}

/// One publication on the live feed.
#[derive(Clone, Debug, SimpleObject)]
pub struct PostPublished {
    /// The position of this event in the feed: pass it as `after` when you subscribe again
    /// to receive only what came after it.
    cursor: String,
    /// The post, as it is now.
    post: Post,
}

/// The root subscription type.
#[derive(Default)]
pub struct Subscription;

/// Live feeds, over WebSocket on `/graphql` (`graphql-transport-ws` or `graphql-ws`).
#[Subscription]
impl Subscription {
    /// Each post as it is published, among those you may read: a `PLATFORM` post never
    /// reaches a subscriber who is not signed in. With `after`, first every publication
    /// since that cursor (kept for a week), then live ones, none missed and none twice.
    /// If you fall too far behind, the subscription ends with an error coded `TOO_SLOW`;
    /// subscribe again with the last cursor you received.
    async fn post_published(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which publications to receive; all you may read when left out.")]
        filter: Option<PostFeedFilter>,
        #[graphql(desc = "The `cursor` of the last publication you received.")] after: Option<
            String,
        >,
    ) -> Result<impl Stream<Item = ApiResult<PostPublished>> + use<>, ApiError> {
        let feed = ctx.data_unchecked::<PostFeed>();
        let actor = ctx.data_unchecked::<Actor>().clone();
        let filter = filter.unwrap_or_default().into_domain()?;

        let stream = feed.subscribe(actor, filter, after.as_deref())?;

        Ok(stream.map(|published| {
            let published = published?;
            Ok(PostPublished {
                cursor: published.cursor(),
                post: Post::from(published.post.clone()),
            })
        }))
    }
}
