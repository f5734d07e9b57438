//! Conversations in the graph: `Thread` and `Message`, and the inbox.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object};

use super::connection::{Connection, TotalCount, selects_in_nodes};
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::Organisation;
use super::scalars::DateTime;
use super::user::User;
use crate::db::Database;
use crate::domain::markdown;
use crate::domain::messages::{self as message_model, Message as MessageModel};
use crate::domain::pagination::{Page, PageArgs, Window};
use crate::domain::threads::{self as model, InboxFilter as DomainInboxFilter};
use crate::domain::user::Actor;

/// What kind of conversation a thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::ThreadKind")]
pub enum ThreadKind {
    /// Between two organisations.
    Direct,
    /// Among three to twenty organisations.
    Group,
    /// From the ASEAN Secretariat to every accredited entity and centre; only the
    /// Secretariat writes in it.
    Announcement,
}

/// A conversation between organisations. Only members of the participating organisations
/// can see it; for anyone else it does not exist.
#[derive(Clone, Debug)]
pub struct Thread(pub model::Thread);

/// A conversation between organisations.
#[Object]
impl Thread {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::Thread(self.0.id).encode()
    }

    /// Direct, group or announcement.
    async fn kind(&self) -> ThreadKind {
        self.0.kind.into()
    }

    /// What it is about.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// When it was started.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When its newest message was sent: the inbox's order.
    async fn last_activity_at(&self) -> DateTime {
        DateTime(self.0.last_activity_at)
    }

    /// Who started it.
    async fn started_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let user = loaders.users.load_one(self.0.started_by).await?;

        Ok(user.map(User::new))
    }

    /// The organisations taking part, by id.
    async fn participants(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organisation>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let ids = self.0.participant_ids.iter().copied();
        let mut organisations = loaders.organisations.load_many(ids).await?;

        Ok(self
            .0
            .participant_ids
            .iter()
            .filter_map(|id| organisations.remove(id))
            .map(Organisation::from)
            .collect())
    }

    /// The newest message, or its tombstone.
    async fn last_message(&self, ctx: &Context<'_>) -> ApiResult<Option<Message>> {
        let Some(id) = self.0.last_message_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();

        Ok(loaders.messages.load_one(id).await?.map(Message))
    }

    /// How many messages you have not read yet, deleted ones aside. Your own messages
    /// count as read.
    async fn unread_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let loaders = ctx.data_unchecked::<Loaders>();

        Ok(loaders
            .unread_counts
            .load_one(self.0.id)
            .await?
            .unwrap_or(0))
    }

    /// Its messages, oldest first. For the newest, ask for `last: 20` and page back with
    /// `before`.
    #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the message with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
        last: Option<i32>,
        #[graphql(desc = "End before the message with this cursor.")] before: Option<String>,
    ) -> ApiResult<Connection<Message>> {
        let db = ctx.data_unchecked::<Database>();
        let loaders = ctx.data_unchecked::<Loaders>();
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };

        // A first page is loaded with the other threads' first pages, in one statement.
        let page = if args.after.is_none() && args.before.is_none() {
            let key = FirstMessages {
                thread_id: self.0.id,
                window: args.window()?,
            };
            let page = loaders.message_pages.load_one(key).await?;
            page.ok_or(ApiError::Internal)?
        } else {
            message_model::messages_of(db, &self.0, &args).await?
        };
        if selects_in_nodes(ctx, &["author"]) {
            let authors = page.edges.iter().map(|(_, message)| message.author_id);
            loaders.users.load_many(authors).await?;
        }

        Ok(Connection::new(
            page,
            TotalCount::Messages(self.0.id),
            Message,
        ))
    }
}

/// The first messages of one thread, or the last ones, as `window` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FirstMessages {
    pub thread_id: i64,
    pub window: Window,
}

/// Loads first pages of threads' messages, one statement per page shape among the keys.
/// Only threads already shown to the actor reach it.
pub struct MessagePageLoader(pub Database);

impl Loader<FirstMessages> for MessagePageLoader {
    type Value = Page<MessageModel>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[FirstMessages],
    ) -> Result<HashMap<FirstMessages, Page<MessageModel>>, ApiError> {
        let mut by_window: HashMap<Window, Vec<i64>> = HashMap::new();
        for key in keys {
            by_window.entry(key.window).or_default().push(key.thread_id);
        }

        let mut pages = HashMap::with_capacity(keys.len());
        for (window, ids) in by_window {
            let loaded = message_model::first_pages_of_threads(&self.0, &ids, window).await?;
            pages.extend(
                loaded
                    .into_iter()
                    .map(|(thread_id, page)| (FirstMessages { thread_id, window }, page)),
            );
        }
        Ok(pages)
    }
}

/// Counts the messages of threads, tombstones included. Only threads already shown to the
/// actor reach it.
pub struct MessageCountLoader(pub Database);

impl Loader<i64> for MessageCountLoader {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, i64>, ApiError> {
        Ok(message_model::counts_of_threads(&self.0, ids).await?)
    }
}

/// A message in a thread, or the tombstone of a deleted one.
#[derive(Clone, Debug)]
pub struct Message(pub MessageModel);

/// A message in a thread, written by a person on behalf of a participating organisation.
#[Object]
impl Message {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::Message(self.0.id).encode()
    }

    /// The text, in Markdown; null once deleted.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// The text as sanitised HTML, safe to insert into a page; null once deleted.
    async fn body_html(&self) -> Option<String> {
        self.0.body.as_deref().map(markdown::to_safe_html)
    }

    /// When it was sent.
    async fn sent_at(&self) -> DateTime {
        DateTime(self.0.sent_at)
    }

    /// When it was last edited; null if never.
    async fn edited_at(&self) -> Option<DateTime> {
        self.0.edited_at.map(DateTime)
    }

    /// When it was deleted; null unless it was. A deleted message stays as a tombstone so
    /// that the conversation keeps its shape.
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.map(DateTime)
    }

    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let user = loaders.users.load_one(self.0.author_id).await?;

        Ok(user.map(User::new))
    }

    /// The organisation it was written for.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let organisation = loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        organisation
            .map(Organisation::from)
            .ok_or(ApiError::Internal)
    }

    /// The thread it belongs to.
    async fn thread(&self, ctx: &Context<'_>) -> ApiResult<Option<Thread>> {
        let loaders = ctx.data_unchecked::<Loaders>();

        Ok(loaders
            .threads
            .load_one(self.0.thread_id)
            .await?
            .map(Thread))
    }
}

/// Narrows the inbox.
#[derive(Clone, Debug, Default, InputObject)]
pub struct InboxFilter {
    /// Only threads with messages you have not read.
    #[graphql(default)]
    unread_only: bool,
    /// Only the threads of this one of your organisations.
    organisation_id: Option<ID>,
}

impl InboxFilter {
    /// The filter in the domain's terms.
    pub fn into_domain(self) -> ApiResult<DomainInboxFilter> {
        let organisation_id = match self.organisation_id {
            None => None,
            Some(id) => match NodeId::decode(&id)? {
                NodeId::Organisation(id) => Some(id),
                _ => {
                    let message = "`organisationId` is not an organisation".into();
                    return Err(ApiError::BadUserInput(message));
                }
            },
        };
        Ok(DomainInboxFilter {
            unread_only: self.unread_only,
            organisation_id,
        })
    }
}

/// One page of the actor's inbox, with what its threads' selection asks for loaded in one
/// batch each (see `membership::preload`).
pub async fn inbox(
    ctx: &Context<'_>,
    filter: DomainInboxFilter,
    args: &PageArgs,
) -> ApiResult<Connection<Thread>> {
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();

    let page = model::inbox(db, actor, filter, args).await?;
    preload(ctx, page.edges.iter().map(|(_, thread)| thread)).await?;

    Ok(Connection::new(page, TotalCount::Inbox(filter), Thread))
}

async fn preload<'a>(
    ctx: &Context<'_>,
    threads: impl Iterator<Item = &'a model::Thread> + Clone,
) -> ApiResult<()> {
    let selects = |path: &[&str]| selects_in_nodes(ctx, path);
    let loaders = ctx.data_unchecked::<Loaders>();

    if selects(&["participants"]) {
        let ids = threads
            .clone()
            .flat_map(|t| t.participant_ids.iter().copied());
        loaders.organisations.load_many(ids).await?;
    }
    if selects(&["unreadCount"]) {
        loaders
            .unread_counts
            .load_many(threads.clone().map(|t| t.id))
            .await?;
    }
    if selects(&["lastMessage"]) {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let messages = message_model::last_messages(db, actor, threads.clone()).await?;
        loaders
            .messages
            .feed_many(messages.iter().map(|(id, m)| (*id, m.clone())))
            .await;
        if selects(&["lastMessage", "author"]) {
            let authors = messages.values().map(|m| m.author_id);
            loaders.users.load_many(authors).await?;
        }
        if selects(&["lastMessage", "organisation"]) {
            let organisations = messages.values().map(|m| m.organisation_id);
            loaders.organisations.load_many(organisations).await?;
        }
    }

    Ok(())
}
