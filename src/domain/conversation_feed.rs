//! The live feed of conversations: messages sent, edited and deleted, and read positions
//! moved, each delivered to the members of the thread's organisations (a read position only
//! to its reader). See [`super::feed`] for replay and limits.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use futures::{FutureExt as _, Stream};

use super::DomainError;
use super::feed::{Delivery, Feed, FeedEvent, FeedOptions, OUTBOX_PAGE};
use super::messages::Message;
use super::threads::{Thread, threads_by_ids};
use super::user::Actor;
use crate::db::Database;
use crate::db::events::{self, MESSAGE_ADDED, MESSAGE_CHANGED, THREAD_READ};
use crate::db::messages as message_queries;
use crate::live::Batch;

/// What happened in a thread.
#[derive(Clone, Debug, PartialEq)]
pub enum ConversationChange {
    /// A message was sent.
    MessageAdded(Message),
    /// A message was edited or deleted; as it is now.
    MessageChanged(Message),
    /// This user's read position moved.
    Read { user_id: i64 },
}

/// One event of a conversation, with its thread as it is now.
#[derive(Clone, Debug)]
pub struct ConversationEvent {
    pub event_id: i64,
    pub event_at: NaiveDateTime,
    pub thread: Thread,
    pub change: ConversationChange,
}

impl FeedEvent for ConversationEvent {
    fn event_id(&self) -> i64 {
        self.event_id
    }

    fn event_at(&self) -> NaiveDateTime {
        self.event_at
    }
}

impl ConversationEvent {
    /// Whether `actor` may receive it: someone who may read the thread (for an inbox, a
    /// member of a participating organisation), and for a read position, its reader alone.
    fn is_for(&self, actor: &Actor, inbox: bool) -> bool {
        let reader_allows = match self.change {
            ConversationChange::Read { user_id } => actor.is(user_id),
            _ => true,
        };
        let thread_allows = if inbox {
            self.thread.involves(actor)
        } else {
            self.thread.is_visible_to(actor)
        };
        reader_allows && thread_allows
    }
}

/// The conversation feed of this process; cheap to clone.
#[derive(Clone)]
pub struct ConversationFeed(Feed<ConversationEvent>);

impl ConversationFeed {
    /// A feed that sends what happens from now on.
    pub async fn start(db: Database, options: FeedOptions) -> Result<Self, DomainError> {
        let read = |db, after| read_batch(db, after).boxed();
        Ok(Self(Feed::start(db, options, read).await?))
    }

    /// Dispatches after a commit, logging a failure; the next dispatch catches up.
    pub async fn dispatch_after_commit(&self) {
        self.0.dispatch_after_commit().await;
    }

    /// A cursor for "now", to subscribe with after loading the inbox or a thread.
    pub async fn current_cursor(&self) -> Result<String, DomainError> {
        self.0.current_cursor().await
    }

    /// New messages of one thread the actor may see, after `after` if given, while the
    /// actor's credentials last.
    pub fn messages_added(
        &self,
        actor: Actor,
        thread_id: i64,
        after: Option<&str>,
    ) -> Result<impl Stream<Item = Delivery<ConversationEvent>> + use<>, DomainError> {
        let until = actor.expires_at();
        self.0
            .subscribe(after, until, move |event: &ConversationEvent| {
                event.thread.id == thread_id
                    && matches!(event.change, ConversationChange::MessageAdded(_))
                    && event.is_for(&actor, false)
            })
    }

    /// Every change to the actor's threads, and the actor's own read positions, after
    /// `after` if given, while the actor's credentials last.
    pub fn inbox_updates(
        &self,
        actor: Actor,
        after: Option<&str>,
    ) -> Result<impl Stream<Item = Delivery<ConversationEvent>> + use<>, DomainError> {
        let until = actor.expires_at();
        self.0
            .subscribe(after, until, move |event: &ConversationEvent| {
                event.is_for(&actor, true)
            })
    }
}

/// The conversation events recorded after event `after`, with their messages and threads as
/// they are now.
async fn read_batch(db: Database, after: i64) -> Result<Batch<ConversationEvent>, DomainError> {
    let mut conn = db.conn().await?;
    let topics = [MESSAGE_ADDED, MESSAGE_CHANGED, THREAD_READ];
    let rows = events::after(&mut conn, &topics, after, OUTBOX_PAGE).await?;
    let Some(last) = rows.last() else {
        return Ok(Batch {
            events: Vec::new(),
            covered: after,
        });
    };
    let covered = last.id;
    let message_ids: Vec<i64> = rows
        .iter()
        .filter(|row| row.topic != THREAD_READ)
        .map(|row| row.subject_id)
        .collect();
    let messages: HashMap<i64, Message> = message_queries::by_ids(&mut conn, &message_ids)
        .await?
        .into_iter()
        .map(|row| (row.id, Message::from(row)))
        .collect();
    let mut thread_ids: Vec<i64> = messages.values().map(|m| m.thread_id).collect();
    thread_ids.extend(
        rows.iter()
            .filter(|row| row.topic == THREAD_READ)
            .map(|row| row.subject_id),
    );
    let threads = threads_by_ids(&mut conn, &thread_ids).await?;

    let events = rows
        .into_iter()
        .filter_map(|row| {
            let (thread_id, change) = match row.topic.as_str() {
                THREAD_READ => (
                    row.subject_id,
                    ConversationChange::Read {
                        user_id: row.user_id?,
                    },
                ),
                topic => {
                    let message = messages.get(&row.subject_id)?.clone();
                    let thread_id = message.thread_id;
                    if topic == MESSAGE_ADDED {
                        (thread_id, ConversationChange::MessageAdded(message))
                    } else {
                        (thread_id, ConversationChange::MessageChanged(message))
                    }
                }
            };
            Some(ConversationEvent {
                event_id: row.id,
                event_at: row.created_at,
                thread: threads.get(&thread_id)?.clone(),
                change,
            })
        })
        .collect();
    Ok(Batch { events, covered })
}
