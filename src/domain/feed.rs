//! A live feed over the outbox: events delivered to the subscribers allowed to see them,
//! with replay from a cursor so that a client that reconnects misses nothing and receives
//! nothing twice. The post feed and the conversation feed are two of these.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use futures::Stream;
use futures::future::BoxFuture;
use tokio::sync::broadcast::error::RecvError;

use super::DomainError;
use crate::db::{self, Database, events};
use crate::live::{self, Batch, Hub};

/// How many outbox rows one read takes.
pub const OUTBOX_PAGE: i64 = 100;

/// How a feed keeps events.
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

/// An event of a feed: where it sits in the outbox.
pub trait FeedEvent: Send + Sync + 'static {
    fn event_id(&self) -> i64;
    fn event_at(&self) -> NaiveDateTime;

    /// The opaque cursor a client passes as `after` to resume after this event.
    fn cursor(&self) -> String {
        encode_cursor(self.event_id(), self.event_at())
    }
}

/// Reads the events of one feed recorded in the outbox after an event id.
pub type ReadBatch<T> = fn(Database, i64) -> BoxFuture<'static, Result<Batch<T>, DomainError>>;

/// What a subscriber receives: an event, or the error that ends its subscription.
pub type Delivery<T> = Result<Arc<T>, DomainError>;

/// One feed of this process; cheap to clone.
pub struct Feed<T> {
    db: Database,
    hub: Arc<Hub<T>>,
    options: FeedOptions,
    read: ReadBatch<T>,
}

impl<T> Clone for Feed<T> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            hub: Arc::clone(&self.hub),
            options: self.options,
            read: self.read,
        }
    }
}

impl<T: FeedEvent> Feed<T> {
    /// A feed that sends what is recorded from now on, read with `read`.
    pub async fn start(
        db: Database,
        options: FeedOptions,
        read: ReadBatch<T>,
    ) -> Result<Self, DomainError> {
        let mut conn = db.conn().await?;
        let last_id = events::latest_id(&mut conn).await?;
        drop(conn);

        Ok(Self {
            db,
            hub: Arc::new(Hub::new(options.buffer, last_id)),
            options,
            read,
        })
    }

    /// Sends subscribers every event committed since the last dispatch. Writers call it
    /// after their transaction commits, holding no connection.
    pub async fn dispatch(&self) -> Result<(), DomainError> {
        let (db, read) = (&self.db, self.read);
        self.hub.dispatch(|after| read(db.clone(), after)).await
    }

    /// Dispatches, logging rather than returning a failure: the change that called it has
    /// committed, and the next dispatch sends what this one could not.
    pub async fn dispatch_after_commit(&self) {
        if let Err(error) = self.dispatch().await {
            let message = "cannot dispatch live events now; the next dispatch will";
            tracing::warn!(error = ?error, message);
        }
    }

    /// A cursor for "now": subscribing with it as `after` delivers everything recorded
    /// from this moment, however late the subscription starts.
    pub async fn current_cursor(&self) -> Result<String, DomainError> {
        let mut conn = self.db.conn().await?;
        let latest = events::latest_id(&mut conn).await?;

        Ok(encode_cursor(latest, db::now()))
    }

    /// Deletes events older than the retention period, of every feed; returns how many.
    pub async fn prune(&self) -> Result<usize, DomainError> {
        let cutoff = db::now() - self.options.retention;
        let mut conn = self.db.conn().await?;

        Ok(events::prune(&mut conn, cutoff).await?)
    }

    /// The events `wanted` selects: first those after the cursor `after`, if given, then
    /// each new one as it is recorded, until `until` (when the subscriber's credentials
    /// expire) if given.
    ///
    /// The stream ends with [`DomainError::TooSlow`] if the subscriber falls more than the
    /// buffer behind, and with [`DomainError::Unauthenticated`] at `until`.
    pub fn subscribe<W>(
        &self,
        after: Option<&str>,
        until: Option<DateTime<Utc>>,
        wanted: W,
    ) -> Result<impl Stream<Item = Delivery<T>> + use<T, W>, DomainError>
    where
        W: Fn(&T) -> bool + Send + Sync + 'static,
    {
        let resume_after = after.map(|cursor| self.decode_cursor(cursor)).transpose()?;
        // Subscribe before reading the outbox: whatever commits after the read is then
        // already on its way to this receiver, so nothing falls between the two.
        let mut receiver = self.hub.subscribe();
        let (db, read) = (self.db.clone(), self.read);
        let expired = async move {
            match until.map(|at| (at - Utc::now()).to_std()) {
                Some(Ok(left)) => tokio::time::sleep(left).await,
                Some(Err(_)) => {}
                None => std::future::pending().await,
            }
        };

        Ok(async_stream::stream! {
            let _subscribed = live::Subscribed::new();
            tokio::pin!(expired);
            let mut seen = resume_after;
            if let Some(mut after) = resume_after {
                loop {
                    let batch = match read(db.clone(), after).await {
                        Ok(batch) => batch,
                        Err(error) => {
                            yield Err(error);
                            return;
                        }
                    };
                    if batch.covered <= after {
                        break;
                    }
                    for event in batch.events {
                        if wanted(&event) {
                            live::EVENTS_DELIVERED.fetch_add(1, Ordering::Relaxed);
                            yield Ok(Arc::new(event));
                        }
                    }
                    after = batch.covered;
                }
                seen = Some(after);
            }
            loop {
                let received = tokio::select! {
                    received = receiver.recv() => received,
                    () = &mut expired => {
                        yield Err(DomainError::Unauthenticated);
                        return;
                    }
                };
                match received {
                    Ok(event) => {
                        // Already replayed from the outbox.
                        if seen.is_some_and(|seen| event.event_id() <= seen) {
                            continue;
                        }
                        seen = Some(event.event_id());
                        if wanted(&event) {
                            live::EVENTS_DELIVERED.fetch_add(1, Ordering::Relaxed);
                            yield Ok(event);
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        live::SUBSCRIBERS_DROPPED.fetch_add(1, Ordering::Relaxed);
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
                "`after` is older than the {} hours of events kept; load what you missed \
                 with a query and subscribe again without `after`",
                self.options.retention.num_hours()
            )));
        }
        Ok(id)
    }
}

/// A cursor names the event and when it was written, so that one older than the retention
/// period can be refused without a query.
fn encode_cursor(event_id: i64, at: NaiveDateTime) -> String {
    let micros = at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("e:{event_id}:{micros}"))
}
