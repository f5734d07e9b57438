//! The live feed of published posts: each publication, delivered to the subscribers allowed
//! to see it (see [`super::feed`] for replay and limits).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use futures::{FutureExt as _, Stream};

use super::DomainError;
use super::feed::{Delivery, Feed, FeedEvent, OUTBOX_PAGE};
use super::post::{Post, PostKind};
use super::posts::{from_rows, may_read};
use super::user::Actor;
use crate::db::Database;
use crate::db::events::{self, POST_PUBLISHED};
use crate::db::posts as post_queries;
use crate::live::Batch;

pub use super::feed::FeedOptions;

/// One publication: the post as it was when the event was read, and the event's position.
#[derive(Clone, Debug)]
pub struct PublishedPost {
    pub event_id: i64,
    pub event_at: NaiveDateTime,
    pub post: Post,
}

impl FeedEvent for PublishedPost {
    fn event_id(&self) -> i64 {
        self.event_id
    }

    fn event_at(&self) -> NaiveDateTime {
        self.event_at
    }
}

/// Which publications a subscriber wants; `None` leaves a dimension open.
#[derive(Clone, Debug, Default)]
pub struct FeedFilter {
    pub kinds: Option<Vec<PostKind>>,
    pub organisation_ids: Option<Vec<i64>>,
    /// Posts carrying any of these tags.
    pub tags: Option<Vec<String>>,
}

impl FeedFilter {
    fn matches(&self, post: &Post) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&post.kind()))
            && self
                .organisation_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&post.organisation_id))
            && self
                .tags
                .as_ref()
                .is_none_or(|tags| tags.iter().any(|tag| post.tags.contains(tag)))
    }
}

/// The feed of published posts of this process; cheap to clone.
#[derive(Clone)]
pub struct PostFeed(Feed<PublishedPost>);

impl PostFeed {
    /// A feed that sends what is published from now on.
    pub async fn start(db: Database, options: FeedOptions) -> Result<Self, DomainError> {
        let read = |db, after| read_batch(db, after).boxed();
        Ok(Self(Feed::start(db, options, read).await?))
    }

    /// Sends subscribers every publication committed since the last dispatch.
    pub async fn dispatch(&self) -> Result<(), DomainError> {
        self.0.dispatch().await
    }

    /// Dispatches after a commit, logging a failure; the next dispatch catches up.
    pub async fn dispatch_after_commit(&self) {
        self.0.dispatch_after_commit().await;
    }

    /// A cursor for "now", to subscribe with after loading a list.
    pub async fn current_cursor(&self) -> Result<String, DomainError> {
        self.0.current_cursor().await
    }

    /// Deletes events, of every feed, older than the retention period; returns how many.
    pub async fn prune(&self) -> Result<usize, DomainError> {
        self.0.prune().await
    }

    /// Prunes old events now and then every hour, for as long as the runtime runs.
    pub fn spawn_pruning(&self) {
        let feed = self.clone();
        tokio::spawn(async move {
            let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every_hour.tick().await;
                match feed.prune().await {
                    Ok(0) => {}
                    Ok(deleted) => {
                        tracing::info!(events.deleted = deleted, "old live events pruned")
                    }
                    Err(error) => {
                        tracing::warn!(error = ?error, "cannot prune old live events now")
                    }
                }
            }
        });
    }

    /// The publications `actor` may see and `filter` selects: first those after the cursor
    /// `after`, if given, then each new one as it is published, while the actor's
    /// credentials last.
    pub fn subscribe(
        &self,
        actor: Actor,
        filter: FeedFilter,
        after: Option<&str>,
    ) -> Result<impl Stream<Item = Delivery<PublishedPost>> + use<>, DomainError> {
        let until = actor.expires_at();
        self.0
            .subscribe(after, until, move |published: &PublishedPost| {
                may_read(&actor, &published.post) && filter.matches(&published.post)
            })
    }
}

/// The publications recorded in the outbox after event `after`, with their posts as they are
/// now. Events of posts since deleted are covered but not sent.
async fn read_batch(db: Database, after: i64) -> Result<Batch<PublishedPost>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = events::after(&mut conn, &[POST_PUBLISHED], after, OUTBOX_PAGE).await?;
    let Some(last) = rows.last() else {
        return Ok(Batch {
            events: Vec::new(),
            covered: after,
        });
    };
    let covered = last.id;
    let ids: Vec<i64> = rows.iter().map(|row| row.subject_id).collect();
    let posts = post_queries::by_ids(&mut conn, &ids).await?;
    let mut posts: HashMap<i64, Post> = from_rows(posts)?
        .into_iter()
        .map(|post| (post.id, post))
        .collect();

    let events = rows
        .into_iter()
        .filter_map(|row| {
            let post = posts.remove(&row.subject_id)?;
            Some(PublishedPost {
                event_id: row.id,
                event_at: row.created_at,
                post,
            })
        })
        .collect();
    Ok(Batch { events, covered })
}
