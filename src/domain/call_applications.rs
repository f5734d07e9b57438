//! Answering calls for applications: an organisation applies, once, while the call is open;
//! the publisher shortlists, accepts or declines; the applicant may withdraw.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::pagination::{Page, PageArgs, encode_id_cursor};
use super::post::{Post, PostKind};
use super::posts::{may_read, posts_by_ids};
use super::text_enum::text_enum;
use super::user::Actor;
use super::validation::{FieldProblem, optional_text};
use super::{DomainError, permissions};
use crate::db::call_applications::{
    self as queries, ApplicationScope, CallApplicationRow, NewCallApplication,
};
use crate::db::posts as post_queries;
use crate::db::{self, Database};

const MAX_STATEMENT_LENGTH: usize = 10_000;

text_enum! {
    /// Where an application stands.
    pub enum ApplicationStatus {
        Submitted => "SUBMITTED",
        Shortlisted => "SHORTLISTED",
        Accepted => "ACCEPTED",
        Declined => "DECLINED",
        Withdrawn => "WITHDRAWN",
    }
}

impl ApplicationStatus {
    /// Whether the publisher may still move it to `decision`: a submitted application to any
    /// decision, a shortlisted one to a final one. Final decisions stay.
    fn may_become(self, decision: Self) -> bool {
        match self {
            Self::Submitted => matches!(
                decision,
                Self::Shortlisted | Self::Accepted | Self::Declined
            ),
            Self::Shortlisted => matches!(decision, Self::Accepted | Self::Declined),
            _ => false,
        }
    }
}

/// An organisation's answer to a call for applications.
#[derive(Clone, Debug, PartialEq)]
pub struct CallApplication {
    pub id: i64,
    pub call_id: i64,
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub statement: String,
    pub status: ApplicationStatus,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<CallApplicationRow> for CallApplication {
    type Error = DomainError;

    fn try_from(row: CallApplicationRow) -> Result<Self, DomainError> {
        let status = ApplicationStatus::parse(&row.status).ok_or_else(|| {
            DomainError::Internal(format!("call application {} has a bad status", row.id))
        })?;
        Ok(Self {
            id: row.id,
            call_id: row.call_id,
            organisation_id: row.organisation_id,
            submitted_by: row.submitted_by,
            statement: row.statement,
            status,
            submitted_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Why an application could not be made or changed, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationProblem {
    Field(FieldProblem),
    /// The call is not taking applications now.
    Closed,
    /// The organisation has already answered this call.
    AlreadyApplied,
    /// The organisation published the call itself.
    OwnCall,
    /// The application's status does not allow this.
    WrongStatus(ApplicationStatus),
    /// Someone else changed the application meanwhile.
    Changed,
}

/// The outcome of a write: the application, or what the user must fix.
pub type ApplicationOutcome = Result<Result<CallApplication, ApplicationProblem>, DomainError>;

/// Applies to a call on behalf of an organisation the actor writes for.
pub async fn apply_to_call(
    db: &Database,
    actor: &Actor,
    call_id: i64,
    organisation_id: i64,
    statement: &str,
) -> ApplicationOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let call = posts_by_ids(db, actor, &[call_id])
        .await?
        .remove(&call_id)
        .ok_or(DomainError::NotFound)?;
    if call.kind() != PostKind::CallForApplications {
        let problem = FieldProblem::new("callId", "is not a call for applications");
        return Ok(Err(ApplicationProblem::Field(problem)));
    }
    if !permissions::may_write_for(actor, organisation_id) {
        return Err(DomainError::Forbidden);
    }
    if organisation_id == call.organisation_id {
        return Ok(Err(ApplicationProblem::OwnCall));
    }
    let statement = match optional_text("statement", Some(statement), MAX_STATEMENT_LENGTH) {
        Ok(Some(statement)) => statement,
        Ok(None) => {
            let problem = FieldProblem::new("statement", "must not be empty");
            return Ok(Err(ApplicationProblem::Field(problem)));
        }
        Err(problem) => return Ok(Err(ApplicationProblem::Field(problem))),
    };
    if !call.is_open_call(Utc::now()) {
        return Ok(Err(ApplicationProblem::Closed));
    }

    let now = db::now();
    let application = NewCallApplication {
        call_id,
        organisation_id,
        submitted_by: user.id,
        statement: &statement,
        status: ApplicationStatus::Submitted.as_str(),
        created_at: now,
        updated_at: now,
    };
    let mut conn = db.conn().await?;
    match queries::insert(&mut conn, &application).await? {
        Some(row) => Ok(Ok(CallApplication::try_from(row)?)),
        None => Ok(Err(ApplicationProblem::AlreadyApplied)),
    }
}

/// Records the publisher's decision on an application.
pub async fn decide(
    db: &Database,
    actor: &Actor,
    id: i64,
    decision: ApplicationStatus,
) -> ApplicationOutcome {
    let (application, call) = application_and_call(db, actor, id).await?;
    if !permissions::may_write_for(actor, call.organisation_id) {
        return Err(if may_see(actor, &application, call.organisation_id) {
            DomainError::Forbidden
        } else {
            DomainError::NotFound
        });
    }
    if !application.status.may_become(decision) {
        return Ok(Err(ApplicationProblem::WrongStatus(application.status)));
    }

    move_to(db, &application, decision).await
}

/// Withdraws an application that has no final decision yet.
pub async fn withdraw(db: &Database, actor: &Actor, id: i64) -> ApplicationOutcome {
    let (application, call) = application_and_call(db, actor, id).await?;
    if !permissions::may_write_for(actor, application.organisation_id) {
        return Err(if may_see(actor, &application, call.organisation_id) {
            DomainError::Forbidden
        } else {
            DomainError::NotFound
        });
    }
    if !matches!(
        application.status,
        ApplicationStatus::Submitted | ApplicationStatus::Shortlisted
    ) {
        return Ok(Err(ApplicationProblem::WrongStatus(application.status)));
    }

    move_to(db, &application, ApplicationStatus::Withdrawn).await
}

async fn move_to(
    db: &Database,
    application: &CallApplication,
    status: ApplicationStatus,
) -> ApplicationOutcome {
    let mut conn = db.conn().await?;
    let row = queries::change_status(
        &mut conn,
        application.id,
        application.status.as_str(),
        status.as_str(),
        db::now(),
    )
    .await?;

    match row {
        Some(row) => Ok(Ok(CallApplication::try_from(row)?)),
        None => Ok(Err(ApplicationProblem::Changed)),
    }
}

async fn application_and_call(
    db: &Database,
    actor: &Actor,
    id: i64,
) -> Result<(CallApplication, Post), DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    let mut conn = db.conn().await?;
    let row = queries::by_ids(&mut conn, &[id])
        .await?
        .pop()
        .ok_or(DomainError::NotFound)?;
    let application = CallApplication::try_from(row)?;
    let call_row = post_queries::by_id(&mut conn, application.call_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let call = Post::from_row(call_row)?;
    if !may_read(actor, &call) {
        return Err(DomainError::NotFound);
    }
    Ok((application, call))
}

/// Whether the actor may see an application: its applicant's and its publisher's writers.
fn may_see(actor: &Actor, application: &CallApplication, publisher_id: i64) -> bool {
    permissions::may_write_for(actor, application.organisation_id)
        || permissions::may_write_for(actor, publisher_id)
}

/// One page of the applications to a call, oldest first; `None` unless the actor writes
/// for the publisher.
pub async fn applications_to_call(
    db: &Database,
    actor: &Actor,
    call: &Post,
    args: &PageArgs,
) -> Result<Option<Page<CallApplication>>, DomainError> {
    if !permissions::may_write_for(actor, call.organisation_id) {
        return Ok(None);
    }
    page(db, ApplicationScope::Call(call.id), args)
        .await
        .map(Some)
}

/// One page of an organisation's applications, oldest first; `None` unless the actor writes
/// for it.
pub async fn applications_of(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    args: &PageArgs,
) -> Result<Option<Page<CallApplication>>, DomainError> {
    if !permissions::may_write_for(actor, organisation_id) {
        return Ok(None);
    }
    page(db, ApplicationScope::Organisation(organisation_id), args)
        .await
        .map(Some)
}

async fn page(
    db: &Database,
    scope: ApplicationScope,
    args: &PageArgs,
) -> Result<Page<CallApplication>, DomainError> {
    let window = args.window()?;
    let (after, before) = args.id_bounds()?;

    let mut conn = db.conn().await?;
    let rows = queries::page(
        &mut conn,
        scope,
        after,
        before,
        window.limit,
        window.from_end,
    )
    .await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|row| Ok((encode_id_cursor(row.id), CallApplication::try_from(row)?)))
        .collect::<Result<Vec<_>, DomainError>>()?;

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// How many applications a call or an organisation has.
pub async fn count_applications(
    db: &Database,
    scope: ApplicationScope,
) -> Result<i64, DomainError> {
    let mut conn = db.conn().await?;

    Ok(queries::count(&mut conn, scope).await?)
}

/// The applications with these ids that the actor may see, by id.
pub async fn applications_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, CallApplication>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;
    let call_ids: Vec<i64> = rows.iter().map(|row| row.call_id).collect();
    let publishers: HashMap<i64, i64> = post_queries::by_ids(&mut conn, &call_ids)
        .await?
        .into_iter()
        .map(|call| (call.id, call.organisation_id))
        .collect();

    rows.into_iter()
        .map(CallApplication::try_from)
        .filter(|application| {
            application.as_ref().map_or(true, |application| {
                publishers
                    .get(&application.call_id)
                    .is_some_and(|publisher| may_see(actor, application, *publisher))
            })
        })
        .map(|application| application.map(|a| (a.id, a)))
        .collect()
}
