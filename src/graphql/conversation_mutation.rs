//! Conversations on `Mutation`: starting threads, sending, editing and deleting messages,
//! marking threads read, and the Secretariat's announcements.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::error::{ApiError, ApiResult};
use super::ids::{NodeId, organisation_ids};
use super::thread::{Message, Thread};
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::conversation_feed::ConversationFeed;
use crate::domain::messages::{self, MessageOutcome, MessageProblem};
use crate::domain::threads::{self, NewThreadRequest, ThreadOutcome, ThreadProblem};
use crate::domain::user::Actor;

/// A new thread and its first message.
#[derive(Debug, InputObject)]
pub struct StartThreadInput {
    /// The organisation you write for; you must belong to it.
    organisation_id: ID,
    /// The other organisations, 1 to 19. An organisation that is not accredited may write
    /// only to the ASEAN Secretariat.
    participant_ids: Vec<ID>,
    /// What it is about; 1 to 200 characters.
    subject: String,
    /// The first message, in Markdown; 1 to 20,000 characters.
    body: String,
}

/// An announcement from the Secretariat to every accredited entity and centre.
#[derive(Debug, InputObject)]
pub struct SendAnnouncementInput {
    /// What it is about; 1 to 200 characters.
    subject: String,
    /// The message, in Markdown; 1 to 20,000 characters.
    body: String,
}

/// What `startThread` and `sendAnnouncement` return.
#[derive(Debug, Default, SimpleObject)]
pub struct StartThreadPayload {
    /// The new thread; null on failure.
    thread: Option<Thread>,
    /// Its first message; null on failure.
    message: Option<Message>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// A message to send.
#[derive(Debug, InputObject)]
pub struct SendMessageInput {
    /// The thread, as read from `Thread.id`.
    thread_id: ID,
    /// The participating organisation you write for; you must belong to it.
    organisation_id: ID,
    /// The message, in Markdown; 1 to 20,000 characters.
    body: String,
}

/// A new text for one of your messages.
#[derive(Debug, InputObject)]
pub struct EditMessageInput {
    /// The message, as read from `Message.id`.
    message_id: ID,
    /// The new text, in Markdown; 1 to 20,000 characters.
    body: String,
}

/// One of your messages to delete.
#[derive(Debug, InputObject)]
pub struct DeleteMessageInput {
    /// The message, as read from `Message.id`.
    message_id: ID,
}

/// What the message mutations return.
#[derive(Debug, Default, SimpleObject)]
pub struct MessagePayload {
    /// The message as it now is; null on failure.
    message: Option<Message>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// How far you have read a thread.
#[derive(Debug, InputObject)]
pub struct MarkThreadReadInput {
    /// The thread, as read from `Thread.id`.
    thread_id: ID,
    /// The last message you have read; the newest when left out. Read positions only move
    /// forward.
    up_to_message_id: Option<ID>,
}

/// What `markThreadRead` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct MarkThreadReadPayload {
    /// The thread, with its new `unreadCount`; null on failure.
    thread: Option<Thread>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// Conversations on `Mutation`.
#[derive(Default)]
pub struct ConversationMutation;

#[Object]
impl ConversationMutation {
    /// Starts a thread with other organisations and sends its first message. Refused with
    /// `FORBIDDEN` (`extensions.reason` `NOT_ACCREDITED`) for an organisation that is not
    /// accredited writing to anyone but the Secretariat; `RATE_LIMITED` past 20 messages a
    /// minute.
    async fn start_thread(
        &self,
        ctx: &Context<'_>,
        input: StartThreadInput,
    ) -> ApiResult<StartThreadPayload> {
        let (db, feed, actor) = context(ctx);
        let request = NewThreadRequest {
            organisation_id: id_of(&input.organisation_id, "organisationId", Kind::Organisation)?,
            participant_ids: organisation_ids("participantIds", &input.participant_ids)?,
            subject: input.subject,
            body: input.body,
        };

        thread_payload(threads::start_thread(db, feed, actor, request).await)
    }

    /// Sends one thread from the ASEAN Secretariat to every accredited entity and every
    /// centre. For members of the Secretariat organisation only.
    async fn send_announcement(
        &self,
        ctx: &Context<'_>,
        input: SendAnnouncementInput,
    ) -> ApiResult<StartThreadPayload> {
        let (db, feed, actor) = context(ctx);

        thread_payload(
            threads::send_announcement(db, feed, actor, &input.subject, &input.body).await,
        )
    }

    /// Sends a message in a thread on behalf of a participating organisation you belong to.
    /// `RATE_LIMITED` past 20 messages a minute.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
    ) -> ApiResult<MessagePayload> {
        let (db, feed, actor) = context(ctx);
        let thread_id = id_of(&input.thread_id, "threadId", Kind::Thread)?;
        let organisation_id = id_of(&input.organisation_id, "organisationId", Kind::Organisation)?;

        let outcome =
            messages::send_message(db, feed, actor, thread_id, organisation_id, &input.body).await;
        message_payload(outcome)
    }

    /// Changes the text of one of your messages, within 15 minutes of sending it.
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        input: EditMessageInput,
    ) -> ApiResult<MessagePayload> {
        let (db, feed, actor) = context(ctx);
        let id = id_of(&input.message_id, "messageId", Kind::Message)?;

        message_payload(messages::edit_message(db, feed, actor, id, &input.body).await)
    }

    /// Deletes one of your messages within 15 minutes of sending it; a tombstone stays.
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        input: DeleteMessageInput,
    ) -> ApiResult<MessagePayload> {
        let (db, feed, actor) = context(ctx);
        let id = id_of(&input.message_id, "messageId", Kind::Message)?;

        message_payload(messages::delete_message(db, feed, actor, id).await)
    }

    /// Records how far you have read a thread, for you alone; your other devices learn of
    /// it through `inboxUpdated`.
    async fn mark_thread_read(
        &self,
        ctx: &Context<'_>,
        input: MarkThreadReadInput,
    ) -> ApiResult<MarkThreadReadPayload> {
        let (db, feed, actor) = context(ctx);
        let thread_id = id_of(&input.thread_id, "threadId", Kind::Thread)?;
        let up_to = input
            .up_to_message_id
            .map(|id| id_of(&id, "upToMessageId", Kind::Message))
            .transpose()?;

        Ok(
            match messages::mark_read(db, feed, actor, thread_id, up_to).await? {
                Ok(thread) => MarkThreadReadPayload {
                    thread: Some(Thread(thread)),
                    user_errors: Vec::new(),
                },
                Err(problem) => MarkThreadReadPayload {
                    thread: None,
                    user_errors: vec![message_error(problem)?],
                },
            },
        )
    }
}

fn context<'a>(ctx: &Context<'a>) -> (&'a Database, &'a ConversationFeed, &'a Actor) {
    (
        ctx.data_unchecked::<Database>(),
        ctx.data_unchecked::<ConversationFeed>(),
        ctx.data_unchecked::<Actor>(),
    )
}

#[derive(Clone, Copy)]
enum Kind {
    Organisation,
    Thread,
    Message,
}

fn id_of(id: &ID, argument: &str, kind: Kind) -> ApiResult<i64> {
    match (NodeId::decode(id)?, kind) {
        (NodeId::Organisation(key), Kind::Organisation)
        | (NodeId::Thread(key), Kind::Thread)
        | (NodeId::Message(key), Kind::Message) => Ok(key),
        _ => Err(ApiError::BadUserInput(format!(
            "`{argument}` is not an ID of the right type"
        ))),
    }
}

fn thread_payload(outcome: ThreadOutcome) -> ApiResult<StartThreadPayload> {
    Ok(match outcome? {
        Ok((thread, message)) => StartThreadPayload {
            thread: Some(Thread(thread)),
            message: Some(Message(message)),
            user_errors: Vec::new(),
        },
        Err(ThreadProblem::RateLimited) => return Err(rate_limited()),
        Err(ThreadProblem::Field(problem)) => StartThreadPayload {
            thread: None,
            message: None,
            user_errors: vec![UserError::on_input(
                problem.field,
                UserErrorCode::Invalid,
                problem.problem,
            )],
        },
    })
}

fn message_payload(outcome: MessageOutcome) -> ApiResult<MessagePayload> {
    Ok(match outcome? {
        Ok(message) => MessagePayload {
            message: Some(Message(message)),
            user_errors: Vec::new(),
        },
        Err(problem) => MessagePayload {
            message: None,
            user_errors: vec![message_error(problem)?],
        },
    })
}

/// The user error for a problem, or the top-level error for a rate limit.
fn message_error(problem: MessageProblem) -> ApiResult<UserError> {
    Ok(match problem {
        MessageProblem::Field(problem) => {
            UserError::on_input(problem.field, UserErrorCode::Invalid, problem.problem)
        }
        MessageProblem::RateLimited => return Err(rate_limited()),
        MessageProblem::TooLate => UserError::on_input(
            "messageId",
            UserErrorCode::WrongStatus,
            "was sent more than 15 minutes ago and can no longer change",
        ),
        MessageProblem::Changed => UserError::on_input(
            "messageId",
            UserErrorCode::Changed,
            "was deleted or changed meanwhile; look again",
        ),
    })
}

/// Past the per-minute message limit: the oldest message of the minute leaves the window
/// within 60 seconds.
fn rate_limited() -> ApiError {
    ApiError::RateLimited {
        retry_after_secs: 60,
    }
}
