//! Messages in threads: sending on behalf of a participating organisation, editing and
//! deleting within a quarter of an hour, reading, and the read position.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::DomainError;
use super::conversation_feed::ConversationFeed;
use super::pagination::{Page, PageArgs, Window, encode_id_cursor};
use super::threads::{Thread, ThreadKind, threads_by_ids, visible_threads};
use super::user::Actor;
use super::validation::FieldProblem;
use crate::db::messages::{self as queries, MessageRow, NewMessage};
use crate::db::threads::{self as thread_queries, Sent};
use crate::db::{self, Database, PageRows};

/// The longest message, in characters.
pub const MAX_MESSAGE_LENGTH: usize = 20_000;
/// How many messages one user may send in a minute, threads started included.
pub const MESSAGES_PER_MINUTE: i64 = 20;
/// How long after sending the author may still edit or delete a message.
pub const EDIT_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// A message in a thread, or the tombstone of a deleted one.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: i64,
    /// The participating organisation the author wrote for.
    pub organisation_id: i64,
    /// Markdown; `None` once deleted.
    pub body: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Self {
        Self {
            id: row.id,
            thread_id: row.thread_id,
            author_id: row.author_id,
            organisation_id: row.organisation_id,
            body: row.deleted_at.is_none().then_some(row.body),
            sent_at: row.sent_at.and_utc(),
            edited_at: row.edited_at.map(|at| at.and_utc()),
            deleted_at: row.deleted_at.map(|at| at.and_utc()),
        }
    }
}

/// Why a message could not be sent or changed, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageProblem {
    Field(FieldProblem),
    RateLimited,
    /// More than [`EDIT_WINDOW`] has passed since it was sent.
    TooLate,
    /// It was deleted, or changed by another request meanwhile.
    Changed,
}

/// The outcome of a write: the message, or what the user must fix.
pub type MessageOutcome = Result<Result<Message, MessageProblem>, DomainError>;

/// A message body: trimmed, 1 to 20,000 characters.
pub fn check_body(body: &str) -> Result<String, FieldProblem> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_MESSAGE_LENGTH || body.contains('\0') {
        return Err(FieldProblem::new(
            "body",
            "must be 1 to 20,000 characters long",
        ));
    }
    Ok(body.to_owned())
}

/// Sends a message in a thread on behalf of a participating organisation the actor belongs
/// to. In an announcement only the Secretariat writes.
pub async fn send_message(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    thread_id: i64,
    organisation_id: i64,
    body: &str,
) -> MessageOutcome {
    let author = actor.user().ok_or(DomainError::Unauthenticated)?;
    let thread = visible_thread(db, actor, thread_id).await?;
    if !thread.participant_ids.contains(&organisation_id) {
        let problem = FieldProblem::new("organisationId", "does not take part in this thread");
        return Ok(Err(MessageProblem::Field(problem)));
    }
    if actor.role_in(organisation_id).is_none() {
        return Err(DomainError::Forbidden);
    }
    if thread.kind == ThreadKind::Announcement {
        let organisations = super::directory::organisations_by_ids(db, &[organisation_id]).await?;
        let is_secretariat = organisations
            .get(&organisation_id)
            .is_some_and(|o| o.kind() == super::organisation::OrganisationKind::Secretariat);
        if !is_secretariat {
            return Err(DomainError::Refused {
                reason: "ANNOUNCEMENT",
                message: "only the Secretariat writes in an announcement; start a thread with \
                          it to answer"
                    .into(),
            });
        }
    }
    let body = match check_body(body) {
        Ok(body) => body,
        Err(problem) => return Ok(Err(MessageProblem::Field(problem))),
    };

    let now = db::now();
    let message = NewMessage {
        thread_id,
        author_id: author.id,
        organisation_id,
        body: &body,
        sent_at: now,
    };
    let mut conn = db.conn().await?;
    let window_start = now - TimeDelta::minutes(1);
    let sent = queries::insert(&mut conn, &message, MESSAGES_PER_MINUTE, window_start).await?;
    drop(conn);
    match sent {
        Sent::Sent(row) => {
            feed.dispatch_after_commit().await;
            Ok(Ok(Message::from(row)))
        }
        Sent::RateLimited => Ok(Err(MessageProblem::RateLimited)),
    }
}

/// Replaces the body of the actor's own message, within the edit window.
pub async fn edit_message(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    id: i64,
    body: &str,
) -> MessageOutcome {
    let body = match check_body(body) {
        Ok(body) => body,
        Err(problem) => return Ok(Err(MessageProblem::Field(problem))),
    };
    change(db, feed, actor, id, Some(&body)).await
}

/// Deletes the actor's own message within the edit window, leaving a tombstone.
pub async fn delete_message(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    id: i64,
) -> MessageOutcome {
    change(db, feed, actor, id, None).await
}

async fn change(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    id: i64,
    body: Option<&str>,
) -> MessageOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let mut conn = db.conn().await?;
    let row = queries::by_ids(&mut conn, &[id])
        .await?
        .pop()
        .ok_or(DomainError::NotFound)?;
    let visible = threads_by_ids(&mut conn, &[row.thread_id])
        .await?
        .remove(&row.thread_id)
        .is_some_and(|thread| thread.is_visible_to(actor));
    if !visible {
        return Err(DomainError::NotFound);
    }
    if row.author_id != user.id {
        return Err(DomainError::Forbidden);
    }
    if row.deleted_at.is_some() {
        return Ok(Err(MessageProblem::Changed));
    }
    let now = db::now();
    if now - row.sent_at > EDIT_WINDOW {
        return Ok(Err(MessageProblem::TooLate));
    }

    let changed = queries::change(&mut conn, id, &row, body, now).await?;
    drop(conn);
    match changed {
        Some(row) => {
            feed.dispatch_after_commit().await;
            Ok(Ok(Message::from(row)))
        }
        None => Ok(Err(MessageProblem::Changed)),
    }
}

async fn visible_thread(db: &Database, actor: &Actor, id: i64) -> Result<Thread, DomainError> {
    visible_threads(db, actor, &[id])
        .await?
        .remove(&id)
        .ok_or(DomainError::NotFound)
}

/// One page of a thread's messages, oldest first; the thread must be one the actor sees.
pub async fn messages_of(
    db: &Database,
    thread: &Thread,
    args: &PageArgs,
) -> Result<Page<Message>, DomainError> {
    let window = args.window()?;
    let (after, before) = args.id_bounds()?;

    let mut conn = db.conn().await?;
    let rows = queries::page_of_thread(
        &mut conn,
        thread.id,
        after,
        before,
        window.limit,
        window.from_end,
    )
    .await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|row| (encode_id_cursor(row.id), Message::from(row)))
        .collect();

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// The first page of each of these threads' messages, by thread, all in one statement: for
/// pages without cursors, `window` long, of threads the actor was already shown.
pub async fn first_pages_of_threads(
    db: &Database,
    thread_ids: &[i64],
    window: Window,
) -> Result<HashMap<i64, Page<Message>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows =
        queries::first_of_threads(&mut conn, thread_ids, window.limit + 1, window.from_end).await?;
    let mut by_thread: HashMap<i64, Vec<MessageRow>> =
        thread_ids.iter().map(|&id| (id, Vec::new())).collect();
    for row in rows {
        by_thread.entry(row.thread_id).or_default().push(row);
    }
    let no_cursors = PageArgs::default();

    Ok(by_thread
        .into_iter()
        .map(|(thread_id, rows)| {
            let rows = PageRows::from_extra_row(rows, window.limit, window.from_end);
            let edges = rows
                .rows
                .into_iter()
                .map(|row| (encode_id_cursor(row.id), Message::from(row)))
                .collect();
            let page = Page::new(edges, &no_cursors, window, rows.has_more);
            (thread_id, page)
        })
        .collect())
}

/// How many messages each of these threads holds, tombstones included, by thread; threads
/// without messages are absent. For threads the actor was already shown.
pub async fn counts_of_threads(
    db: &Database,
    thread_ids: &[i64],
) -> Result<HashMap<i64, i64>, DomainError> {
    let mut conn = db.conn().await?;
    let counts = queries::counts_of_threads(&mut conn, thread_ids).await?;

    Ok(counts.into_iter().collect())
}

/// The messages with these ids that the actor may see, by id.
pub async fn messages_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Message>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;
    let thread_ids: Vec<i64> = rows.iter().map(|row| row.thread_id).collect();
    let threads = threads_by_ids(&mut conn, &thread_ids).await?;

    Ok(rows
        .into_iter()
        .filter(|row| {
            threads
                .get(&row.thread_id)
                .is_some_and(|thread| thread.is_visible_to(actor))
        })
        .map(|row| (row.id, Message::from(row)))
        .collect())
}

/// The last messages of these threads, keeping only those of threads the actor may see:
/// with the threads at hand, the visibility check costs no second look at them.
pub async fn last_messages<'a>(
    db: &Database,
    actor: &Actor,
    threads: impl Iterator<Item = &'a Thread>,
) -> Result<HashMap<i64, Message>, DomainError> {
    let visible: HashMap<i64, i64> = threads
        .filter(|thread| thread.is_visible_to(actor))
        .filter_map(|thread| Some((thread.last_message_id?, thread.id)))
        .collect();
    if visible.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = visible.keys().copied().collect();
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, &ids).await?;

    Ok(rows
        .into_iter()
        .filter(|row| visible.get(&row.id) == Some(&row.thread_id))
        .map(|row| (row.id, Message::from(row)))
        .collect())
}

/// Moves the actor's read position in a thread forward: to `up_to` if given (a message of
/// that thread), else to its newest message. Returns the thread.
pub async fn mark_read(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    thread_id: i64,
    up_to: Option<i64>,
) -> Result<Result<Thread, MessageProblem>, DomainError> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let thread = visible_thread(db, actor, thread_id).await?;
    let target = match up_to {
        None => thread.last_message_id,
        Some(id) => {
            let mut conn = db.conn().await?;
            let row = queries::by_ids(&mut conn, &[id]).await?.pop();
            if row.is_none_or(|row| row.thread_id != thread_id) {
                let problem = FieldProblem::new("upToMessageId", "is not a message of this thread");
                return Ok(Err(MessageProblem::Field(problem)));
            }
            Some(id)
        }
    };

    if let Some(target) = target {
        let mut conn = db.conn().await?;
        let moved =
            thread_queries::mark_read(&mut conn, user.id, thread_id, target, db::now()).await?;
        drop(conn);
        if moved {
            feed.dispatch_after_commit().await;
        }
    }
    Ok(Ok(thread))
}
