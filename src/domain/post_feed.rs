//! The live feed of published posts: each publication, delivered to the subscribers allowed
//! to see it, with replay from a cursor so that a client that reconnects misses nothing and
//! receives nothing twice.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::DomainError;
use super::post::{Post, PostKind};
use super::posts::{may_read, with_tags};
use super::user::Actor;
use crate::db::events::{self, POST_PUBLISHED};
use crate::db::posts as post_queries;
use crate::db::{self, Database};
use crate::live::{Batch, Hub};

/// How many outbox rows one read takes.
const OUTBOX_PAGE: i64 = 100;

/// How the feed keeps events.
#[derive(Clone, Copy, Debug)]
pub struct FeedOptions {
    /// How long events stay in the outbox, and so how far back `after` can resume.
    pub retention: TimeDelta,
    /// How many events a subscriber may fall behind before it is dropped.
    pub buffer: usize,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            retention: TimeDelta::days(7),
            buffer: 1024,
        }
    }
}

/// One publication: the post as it was when the event was read, and the event's position.
#[derive(Clone, Debug)]
pub struct PublishedPost {
    pub event_id: i64,
    pub event_at: NaiveDateTime,
    pub post: Post,
}

impl PublishedPost {
    /// The opaque cursor a client passes as `after` to resume after this event.
    pub fn cursor(&self) -> String {
        encode_cursor(self.event_id, self.event_at)
    }
}

/// A cursor names the event and when it was written, so that one older than the retention
/// period can be refused without a query.
fn encode_cursor(event_id: i64, at: NaiveDateTime) -> String {
    let micros = at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("e:{event_id}:{micros}"))
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
pub struct PostFeed {
    db: Database,
    hub: Arc<Hub<PublishedPost>>,
    options: FeedOptions,
}

impl PostFeed {
    /// A feed that sends what is published from now on.
    pub async fn start(db: Database, options: FeedOptions) -> Result<Self, DomainError> {
        let mut conn = db.conn().await?;
        let last_id = events::latest_id(&mut conn).await?;
        drop(conn);

        Ok(Self {
            db,
            hub: Arc::new(Hub::new(options.buffer, last_id)),
            options,
        })
    }

    /// Sends subscribers every publication committed since the last dispatch. Writers call
    /// it after their transaction commits.
    pub async fn dispatch(&self) -> Result<(), DomainError> {
        self.hub.dispatch(|after| read_batch(&self.db, after)).await
    }

    /// Dispatches, logging rather than returning a failure: the change that called it has
    /// committed, and the next dispatch sends what this one could not.
    pub async fn dispatch_after_commit(&self) {
        if let Err(error) = self.dispatch().await {
            tracing::warn!(error = ?error, "cannot dispatch live events now; the next dispatch will");
        }
    }

    /// A cursor for "now": subscribing with it as `after` delivers everything published
    /// from this moment, however late the subscription starts.
    pub async fn current_cursor(&self) -> Result<String, DomainError> {
        let mut conn = self.db.conn().await?;
        let latest = events::latest_id(&mut conn).await?;

        Ok(encode_cursor(latest, db::now()))
    }

    /// Deletes events older than the retention period; returns how many.
    pub async fn prune(&self) -> Result<usize, DomainError> {
        let cutoff = db::now() - self.options.retention;
        let mut conn = self.db.conn().await?;

        Ok(events::prune(&mut conn, cutoff).await?)
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
    /// `after`, if given, then each new one as it is published.
    ///
    /// The stream ends with [`DomainError::TooSlow`] if the subscriber falls more than the
    /// buffer behind; it may then resume from the last cursor it received.
    pub fn subscribe(
        &self,
        actor: Actor,
        filter: FeedFilter,
        after: Option<&str>,
    ) -> Result<impl Stream<Item = Result<Arc<PublishedPost>, DomainError>> + use<>, DomainError>
    {
        let resume_after = after.map(|cursor| self.decode_cursor(cursor)).transpose()?;
        // Subscribe before reading the outbox: whatever commits after the read is then
        // already on its way to this receiver, so nothing falls between the two.
        let mut receiver = self.hub.subscribe();
        let db = self.db.clone();
        let wanted = move |published: &PublishedPost| {
            may_read(&actor, &published.post) && filter.matches(&published.post)
        };

        Ok(async_stream::stream! {
            let mut seen = resume_after;
            if let Some(mut after) = resume_after {
                loop {
                    let batch = match read_batch(&db, after).await {
                        Ok(batch) => batch,
                        Err(error) => {
                            yield Err(error);
                            return;
                        }
                    };
                    if batch.covered <= after {
                        break;
                    }
                    for published in batch.events {
                        if wanted(&published) {
                            yield Ok(Arc::new(published));
                        }
                    }
                    after = batch.covered;
                }
                seen = Some(after);
            }
            loop {
                match receiver.recv().await {
                    Ok(published) => {
                        // Already replayed from the outbox.
                        if seen.is_some_and(|seen| published.event_id <= seen) {
                            continue;
                        }
                        seen = Some(published.event_id);
                        if wanted(&published) {
                            yield Ok(published);
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        yield Err(DomainError::TooSlow);
                        return;
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }

    /// Reads an event cursor, refusing one older than the events kept.
    fn decode_cursor(&self, cursor: &str) -> Result<i64, DomainError> {
        let malformed = || DomainError::invalid("`after` is not a valid event cursor");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
        let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
        let (id, micros) = plain
            .strip_prefix("e:")
            .and_then(|rest| rest.split_once(':'))
            .ok_or_else(malformed)?;
        let id: i64 = id.parse().map_err(|_| malformed())?;
        let at = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(malformed)?;

        // Events are pruned by age, so everything after a cursor younger than the retention
        // period is still there.
        if at < Utc::now() - self.options.retention {
            return Err(DomainError::Expired(format!(
                "`after` is older than the {} hours of events kept; load what you missed with \
                 `posts` and subscribe again without `after`",
                self.options.retention.num_hours()
            )));
        }
        Ok(id)
    }
}

/// The publications recorded in the outbox after event `after`, with their posts as they are
/// now. Events of posts since deleted are covered but not sent.
async fn read_batch(db: &Database, after: i64) -> Result<Batch<PublishedPost>, DomainError> {
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
    let mut posts: std::collections::HashMap<i64, Post> = with_tags(&mut conn, posts)
        .await?
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
