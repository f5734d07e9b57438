//! The root subscription type: live feeds.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use futures::{Stream, StreamExt as _};

use super::accreditation::AccreditationApplication;
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::ids::organisation_ids;
use super::loaders::Loaders;
use super::post::{Post, PostKind};
use super::thread::{Message, Thread};
use crate::domain::accreditation_feed::AccreditationFeed;
use crate::domain::conversation_feed::{ConversationChange, ConversationFeed};
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

/// A new message in a thread.
#[derive(Clone, Debug, SimpleObject)]
pub struct MessageAdded {
    /// The position of this event: pass it as `after` to resume after it.
    cursor: String,
    /// The message.
    message: Message,
}

/// What changed in a thread of your inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum InboxChange {
    /// A message was sent.
    NewMessage,
    /// A message was edited or deleted.
    MessageChanged,
    /// You read the thread, perhaps on another device.
    Read,
}

/// A change to one of your threads.
#[derive(Clone, Debug, SimpleObject)]
pub struct InboxUpdate {
    /// The position of this event: pass it as `after` to resume after it.
    cursor: String,
    /// What changed.
    change: InboxChange,
    /// The thread, as it is now.
    thread: Thread,
    /// The message sent or changed; null for `READ`.
    message: Option<Message>,
}

/// The live feeds' position right now, on `Query`.
#[derive(Default)]
pub struct LiveQuery;

#[Object]
impl LiveQuery {
    /// The position of the live feeds right now. Read it in the same request as a list
    /// (`posts`, `viewer.inbox`, a thread's `messages`), then pass it as `after` to a
    /// subscription: you receive everything that happened since, with no gap between the
    /// list and the feed.
    async fn live_cursor(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let feed = ctx.data_unchecked::<PostFeed>();

        Ok(feed.current_cursor().await?)
    }
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

        let loaders = ctx.data_unchecked::<Loaders>().clone();
        Ok(stream.map(move |published| {
            let published = published?;
            // Each event is resolved afresh, not from what earlier events loaded.
            loaders.clear();
            Ok(PostPublished {
                cursor: published.cursor(),
                post: Post::from(published.post.clone()),
            })
        }))
    }

    /// Each new message of a thread you take part in, with `after` first every one since
    /// that cursor. Ends with `UNAUTHENTICATED` when your token expires, and with
    /// `TOO_SLOW` if you fall too far behind.
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread, as read from `Thread.id`.")] thread_id: ID,
        #[graphql(desc = "The `cursor` of the last event you received.")] after: Option<String>,
    ) -> Result<impl Stream<Item = ApiResult<MessageAdded>> + use<>, ApiError> {
        let actor = ctx.data_unchecked::<Actor>().clone();
        if actor.user().is_none() {
            return Err(ApiError::Unauthenticated);
        }
        let loaders = ctx.data_unchecked::<Loaders>().clone();
        let thread_id = match NodeId::decode(&thread_id)? {
            NodeId::Thread(id) => id,
            _ => return Err(ApiError::BadUserInput("`threadId` is not a thread".into())),
        };
        if loaders.threads.load_one(thread_id).await?.is_none() {
            return Err(ApiError::NotFound);
        }
        let feed = ctx.data_unchecked::<ConversationFeed>();

        let stream = feed.messages_added(actor, thread_id, after.as_deref())?;

        Ok(stream.map(move |event| {
            let event = event?;
            loaders.clear();
            let ConversationChange::MessageAdded(message) = &event.change else {
                return Err(ApiError::Internal);
            };
            Ok(MessageAdded {
                cursor: event.cursor(),
                message: Message(message.clone()),
            })
        }))
    }

    /// Each change to your threads: new messages, edits and deletions, and your own reads
    /// (from other devices too); with `after`, first every one since that cursor. Ends
    /// with `UNAUTHENTICATED` when your token expires, and with `TOO_SLOW` if you fall too
    /// far behind.
    async fn inbox_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `cursor` of the last event you received.")] after: Option<String>,
    ) -> Result<impl Stream<Item = ApiResult<InboxUpdate>> + use<>, ApiError> {
        let actor = ctx.data_unchecked::<Actor>().clone();
        if actor.user().is_none() {
            return Err(ApiError::Unauthenticated);
        }
        let loaders = ctx.data_unchecked::<Loaders>().clone();
        let feed = ctx.data_unchecked::<ConversationFeed>();

        let stream = feed.inbox_updates(actor, after.as_deref())?;

        Ok(stream.map(move |event| {
            let event = event?;
            loaders.clear();
            let (change, message) = match &event.change {
                ConversationChange::MessageAdded(message) => {
                    (InboxChange::NewMessage, Some(Message(message.clone())))
                }
                ConversationChange::MessageChanged(message) => {
                    (InboxChange::MessageChanged, Some(Message(message.clone())))
                }
                ConversationChange::Read { .. } => (InboxChange::Read, None),
            };
            Ok(InboxUpdate {
                cursor: event.cursor(),
                change,
                thread: Thread(event.thread.clone()),
                message,
            })
        }))
    }

    /// Each change of one accreditation application: every step, document uploaded and
    /// review, with the application as it is after it; with `after`, first every one since
    /// that cursor. For the applicant's members and the Secretariat. Ends with
    /// `UNAUTHENTICATED` when your token expires, and with `TOO_SLOW` if you fall too far
    /// behind.
    async fn accreditation_application_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application, as read from `AccreditationApplication.id`.")] id: ID,
        #[graphql(desc = "The `cursor` of the last event you received.")] after: Option<String>,
    ) -> Result<impl Stream<Item = ApiResult<AccreditationApplicationUpdate>> + use<>, ApiError>
    {
        let actor = ctx.data_unchecked::<Actor>().clone();
        if actor.user().is_none() {
            return Err(ApiError::Unauthenticated);
        }
        let loaders = ctx.data_unchecked::<Loaders>().clone();
        let id = match NodeId::decode(&id)? {
            NodeId::AccreditationApplication(id) => id,
            _ => {
                let message = "`id` is not an accreditation application";
                return Err(ApiError::BadUserInput(message.into()));
            }
        };
        if loaders
            .accreditation_applications
            .load_one(id)
            .await?
            .is_none()
        {
            return Err(ApiError::NotFound);
        }
        let feed = ctx.data_unchecked::<AccreditationFeed>();

        let stream = feed.application_updates(actor, id, after.as_deref())?;

        Ok(stream.map(move |event| {
            let event = event?;
            loaders.clear();
            Ok(AccreditationApplicationUpdate {
                cursor: event.cursor(),
                application: AccreditationApplication(event.application.clone()),
            })
        }))
    }
}

/// A change of an accreditation application.
#[derive(Clone, Debug, SimpleObject)]
pub struct AccreditationApplicationUpdate {
    /// The position of this event: pass it as `after` to resume after it.
    cursor: String,
    /// The application, as it is after the change.
    application: AccreditationApplication,
}
