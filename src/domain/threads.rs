//! Threads between organisations: who may start one with whom, who may see it, and each
//! member's inbox and read position.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use super::conversation_feed::ConversationFeed;
use super::messages::{MESSAGES_PER_MINUTE, Message, check_body};
use super::organisation::{AccreditationStatus, OrganisationKind};
use super::pagination::{Page, PageArgs};
use super::text_enum::text_enum;
use super::user::Actor;
use super::validation::FieldProblem;
use super::{DomainError, directory};
use crate::db::messages::NewMessage;
use crate::db::organisations::{self as organisation_queries, OrganisationFilter};
use crate::db::threads::{self as queries, InboxQuery, NewThread, Participants, Sent, ThreadRow};
use crate::db::{self, Database};

/// The most organisations one thread may have, announcements aside.
pub const MAX_PARTICIPANTS: usize = 20;
const MAX_SUBJECT_LENGTH: usize = 200;

text_enum! {
    /// What kind of conversation a thread is.
    pub enum ThreadKind {
        /// Between two organisations.
        Direct => "DIRECT",
        /// Among three or more.
        Group => "GROUP",
        /// From the Secretariat to every accredited entity and centre; only the Secretariat
        /// writes in it.
        Announcement => "ANNOUNCEMENT",
    }
}

/// A conversation between organisations.
#[derive(Clone, Debug, PartialEq)]
pub struct Thread {
    pub id: i64,
    pub kind: ThreadKind,
    pub subject: String,
    pub started_by: i64,
    pub created_at: DateTime<Utc>,
    pub last_message_id: Option<i64>,
    pub last_activity_at: DateTime<Utc>,
    /// The participating organisations, by id.
    pub participant_ids: Vec<i64>,
    /// Whether the ASEAN Secretariat takes part: its staff may then read the thread.
    pub includes_secretariat: bool,
}

impl Thread {
    fn from_row(row: ThreadRow, participants: Participants) -> Result<Self, DomainError> {
        let kind = ThreadKind::parse(&row.kind)
            .ok_or_else(|| DomainError::Internal(format!("thread {} has a bad kind", row.id)))?;
        Ok(Self {
            id: row.id,
            kind,
            subject: row.subject,
            started_by: row.started_by,
            created_at: row.created_at.and_utc(),
            last_message_id: row.last_message_id,
            last_activity_at: row.last_activity_at.and_utc(),
            participant_ids: participants.organisation_ids,
            includes_secretariat: participants.includes_secretariat,
        })
    }

    /// Whether the actor may read the thread: a member of a participating organisation, or
    /// Secretariat staff when the Secretariat takes part (the correspondence of an
    /// accreditation application, say). Nobody else may know the thread exists.
    pub fn is_visible_to(&self, actor: &Actor) -> bool {
        self.involves(actor) || (self.includes_secretariat && actor.is_secretariat())
    }

    /// Whether the actor belongs to one of the participating organisations: the threads of
    /// their inbox.
    pub fn involves(&self, actor: &Actor) -> bool {
        self.participant_ids
            .iter()
            .any(|id| actor.role_in(*id).is_some())
    }
}

/// Why a thread could not be started, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadProblem {
    Field(FieldProblem),
    /// The author has sent too many messages in the last minute.
    RateLimited,
}

/// A new thread: who starts it on behalf of which organisation, with whom, and its first
/// message.
#[derive(Clone, Debug)]
pub struct NewThreadRequest {
    pub organisation_id: i64,
    pub participant_ids: Vec<i64>,
    pub subject: String,
    pub body: String,
}

/// The outcome of starting a thread: it and its first message, or what the user must fix.
pub type ThreadOutcome = Result<Result<(Thread, Message), ThreadProblem>, DomainError>;

/// Starts a thread on behalf of an organisation the actor belongs to. An organisation that
/// is not accredited may write only to the Secretariat.
pub async fn start_thread(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    request: NewThreadRequest,
) -> ThreadOutcome {
    let author = actor.user().ok_or(DomainError::Unauthenticated)?;
    if actor.role_in(request.organisation_id).is_none() {
        return Err(DomainError::Forbidden);
    }
    let mut others: Vec<i64> = request
        .participant_ids
        .iter()
        .copied()
        .filter(|id| *id != request.organisation_id)
        .collect();
    others.sort_unstable();
    others.dedup();
    if others.is_empty() || others.len() + 1 > MAX_PARTICIPANTS {
        let problem = FieldProblem::new("participantIds", "must name 1 to 19 other organisations");
        return Ok(Err(ThreadProblem::Field(problem)));
    }
    let mut all = others.clone();
    all.push(request.organisation_id);
    let organisations = directory::organisations_by_ids(db, &all).await?;
    if organisations.len() != all.len() {
        let problem = FieldProblem::new(
            "participantIds",
            "names an organisation that does not exist",
        );
        return Ok(Err(ThreadProblem::Field(problem)));
    }
    let starter = &organisations[&request.organisation_id];
    let only_secretariat = others
        .iter()
        .all(|id| organisations[id].kind() == OrganisationKind::Secretariat);
    if !starter.engages_freely() && !only_secretariat {
        return Err(DomainError::Refused {
            reason: "NOT_ACCREDITED",
            message: format!(
                "{} is not accredited, and may write only to the ASEAN Secretariat until it is",
                starter.name
            ),
        });
    }
    let subject = match check_subject(&request.subject) {
        Ok(subject) => subject,
        Err(problem) => return Ok(Err(ThreadProblem::Field(problem))),
    };
    let body = match check_body(&request.body) {
        Ok(body) => body,
        Err(problem) => return Ok(Err(ThreadProblem::Field(problem))),
    };
    let kind = if all.len() == 2 {
        ThreadKind::Direct
    } else {
        ThreadKind::Group
    };

    let draft = ThreadDraft {
        author_id: author.id,
        organisation_id: request.organisation_id,
        kind,
        subject: &subject,
        body: &body,
        participants: &all,
    };
    insert(db, feed, draft).await
}

/// Sends one announcement thread from the Secretariat to every accredited entity and every
/// centre. Only members of the Secretariat organisation may.
pub async fn send_announcement(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    subject: &str,
    body: &str,
) -> ThreadOutcome {
    let author = actor.user().ok_or(DomainError::Unauthenticated)?;
    let mut conn = db.conn().await?;
    let secretariat = organisation_queries::ids(
        &mut conn,
        &OrganisationFilter {
            kinds: Some(vec![OrganisationKind::Secretariat.as_str().to_owned()]),
            ..OrganisationFilter::default()
        },
    )
    .await?;
    let Some(secretariat) = secretariat
        .into_iter()
        .find(|id| actor.role_in(*id).is_some())
    else {
        return Err(DomainError::Forbidden);
    };
    let mut recipients = organisation_queries::ids(
        &mut conn,
        &OrganisationFilter {
            kinds: Some(vec![OrganisationKind::Centre.as_str().to_owned()]),
            ..OrganisationFilter::default()
        },
    )
    .await?;
    recipients.extend(
        organisation_queries::ids(
            &mut conn,
            &OrganisationFilter {
                kinds: Some(vec![OrganisationKind::Entity.as_str().to_owned()]),
                accreditation_statuses: Some(vec![
                    AccreditationStatus::Accredited.as_str().to_owned(),
                ]),
                ..OrganisationFilter::default()
            },
        )
        .await?,
    );
    drop(conn);
    recipients.push(secretariat);
    let subject = match check_subject(subject) {
        Ok(subject) => subject,
        Err(problem) => return Ok(Err(ThreadProblem::Field(problem))),
    };
    let body = match check_body(body) {
        Ok(body) => body,
        Err(problem) => return Ok(Err(ThreadProblem::Field(problem))),
    };

    let draft = ThreadDraft {
        author_id: author.id,
        organisation_id: secretariat,
        kind: ThreadKind::Announcement,
        subject: &subject,
        body: &body,
        participants: &recipients,
    };
    insert(db, feed, draft).await
}

/// A thread checked and ready to write, with its first message.
struct ThreadDraft<'a> {
    author_id: i64,
    /// The organisation the first message is written for.
    organisation_id: i64,
    kind: ThreadKind,
    subject: &'a str,
    body: &'a str,
    participants: &'a [i64],
}

async fn insert(db: &Database, feed: &ConversationFeed, draft: ThreadDraft<'_>) -> ThreadOutcome {
    let now = db::now();
    let thread = NewThread {
        kind: draft.kind.as_str(),
        subject: draft.subject,
        started_by: draft.author_id,
        created_at: now,
        last_activity_at: now,
    };
    let message = NewMessage {
        thread_id: 0,
        author_id: draft.author_id,
        organisation_id: draft.organisation_id,
        body: draft.body,
        sent_at: now,
    };
    let mut conn = db.conn().await?;
    let window_start = now - TimeDelta::minutes(1);
    let sent = queries::insert_with_message(
        &mut conn,
        &thread,
        draft.participants,
        &message,
        MESSAGES_PER_MINUTE,
        window_start,
    )
    .await?;
    let Sent::Sent(row) = sent else {
        return Ok(Err(ThreadProblem::RateLimited));
    };
    let message = Message::from(row);
    let thread = threads_by_ids(&mut conn, &[message.thread_id])
        .await?
        .remove(&message.thread_id)
        .ok_or_else(|| DomainError::Internal("a new thread vanished".into()))?;
    drop(conn);
    feed.dispatch_after_commit().await;

    Ok(Ok((thread, message)))
}

fn check_subject(subject: &str) -> Result<String, FieldProblem> {
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_LENGTH || subject.contains('\0')
    {
        return Err(FieldProblem::new(
            "subject",
            "must be 1 to 200 characters long",
        ));
    }
    Ok(subject.to_owned())
}

/// The threads with these ids, with their participants, by id, whoever may see them.
pub(crate) async fn threads_by_ids(
    conn: &mut db::DbConn,
    ids: &[i64],
) -> Result<HashMap<i64, Thread>, DomainError> {
    let rows = queries::by_ids(conn, ids).await?;
    let mut participants = queries::participants_of(conn, ids).await?;

    rows.into_iter()
        .map(|row| {
            let ids = participants.remove(&row.id).unwrap_or_default();
            Ok((row.id, Thread::from_row(row, ids)?))
        })
        .collect()
}

/// The threads with these ids that the actor may see, by id.
pub async fn visible_threads(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Thread>, DomainError> {
    let mut conn = db.conn().await?;
    let mut threads = threads_by_ids(&mut conn, ids).await?;
    threads.retain(|_, thread| thread.is_visible_to(actor));

    Ok(threads)
}

/// Which threads of the actor's inbox to list.
#[derive(Clone, Copy, Debug, Default)]
pub struct InboxFilter {
    pub unread_only: bool,
    /// Only the threads of this one of the actor's organisations.
    pub organisation_id: Option<i64>,
}

fn inbox_query(actor: &Actor, filter: InboxFilter) -> Result<InboxQuery, DomainError> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let organisation_ids = match filter.organisation_id {
        Some(id) if actor.role_in(id).is_some() => vec![id],
        Some(_) => Vec::new(),
        None => actor.organisation_ids(),
    };
    Ok(InboxQuery {
        organisation_ids,
        unread_by: filter.unread_only.then_some(user.id),
        after: None,
        before: None,
        limit: 0,
        from_end: false,
    })
}

/// One page of the actor's threads, most recent activity first.
pub async fn inbox(
    db: &Database,
    actor: &Actor,
    filter: InboxFilter,
    args: &PageArgs,
) -> Result<Page<Thread>, DomainError> {
    let window = args.window()?;
    let mut query = inbox_query(actor, filter)?;
    query.after = args
        .after
        .as_deref()
        .map(|c| decode_cursor("after", c))
        .transpose()?;
    query.before = args
        .before
        .as_deref()
        .map(|c| decode_cursor("before", c))
        .transpose()?;
    query.limit = window.limit;
    query.from_end = window.from_end;

    let mut conn = db.conn().await?;
    let rows = queries::inbox_page(&mut conn, &query).await?;
    let ids: Vec<i64> = rows.rows.iter().map(|row| row.id).collect();
    let mut participants = queries::participants_of(&mut conn, &ids).await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|row| {
            let cursor = encode_cursor(&row);
            let ids = participants.remove(&row.id).unwrap_or_default();
            Ok((cursor, Thread::from_row(row, ids)?))
        })
        .collect::<Result<Vec<_>, DomainError>>()?;

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// How many threads the actor's inbox holds with this filter.
pub async fn count_inbox(
    db: &Database,
    actor: &Actor,
    filter: InboxFilter,
) -> Result<i64, DomainError> {
    let query = inbox_query(actor, filter)?;
    let mut conn = db.conn().await?;

    Ok(queries::inbox_count(&mut conn, &query).await?)
}

/// How many unread messages each of these threads holds for the actor.
pub async fn unread_counts(
    db: &Database,
    actor: &Actor,
    thread_ids: &[i64],
) -> Result<HashMap<i64, i64>, DomainError> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let mut conn = db.conn().await?;

    Ok(queries::unread_counts(&mut conn, user.id, thread_ids).await?)
}

fn encode_cursor(row: &ThreadRow) -> String {
    let micros = row.last_activity_at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("t:{}:{micros}", row.id))
}

fn decode_cursor(
    argument: &str,
    cursor: &str,
) -> Result<(chrono::NaiveDateTime, i64), DomainError> {
    let malformed = || DomainError::invalid(format!("`{argument}` is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (id, micros) = plain
        .strip_prefix("t:")
        .and_then(|rest| rest.split_once(':'))
        .ok_or_else(malformed)?;
    let id: i64 = id.parse().map_err(|_| malformed())?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(malformed)?;
    Ok((at.naive_utc(), id))
}
