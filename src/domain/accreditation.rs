//! Accreditation of entities: an entity applies, the Secretariat reviews, the CPR decides.
//!
//! The process is a table: which action leads from which status to which, and who may take
//! it ([`next_status`], [`may_take`]). Every step is written with the version of the
//! application its actor saw; a stale one changes nothing. Every step is recorded in the
//! application's history, which is never edited.
//!
//! | action             | from                            | to                 | who         |
//! |--------------------|---------------------------------|--------------------|-------------|
//! | edit               | draft, revision requested       | (same)             | applicant   |
//! | submit             | draft                           | submitted          | applicant   |
//! | submit             | revision requested              | under review       | applicant   |
//! | take into review   | submitted                       | under review       | officer, SA |
//! | request revision   | under review                    | revision requested | officer, SA |
//! | record endorsement | submitted … forwarded, deferred | (same)             | officer, SA |
//! | forward to the CPR | under review, deferred          | forwarded to CPR   | SA (1)      |
//! | approve, reject    | forwarded to CPR                | approved, rejected | SA          |
//! | defer              | forwarded to CPR                | deferred           | SA          |
//! | withdraw           | any open status                 | withdrawn          | applicant   |
//!
//! (1) Only once every required document ([`documents::REQUIRED_KINDS`]) is satisfactory.
//!
//! "Applicant" is an owner or admin of the applying organisation; its other members may
//! read the application but not act on it. "SA" is a `SECRETARIAT_ADMIN`, who may do all an
//! officer may. Nobody else knows the application exists.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::conversation_feed::ConversationFeed;
use super::directory_management::{NewProfile, checked_new_organisation};
use super::documents::{self, DocumentKind};
use super::membership::MemberRole;
use super::organisation::{
    AccreditationStatus, EntityCategory, Organisation, OrganisationKind, OrganisationProfile,
};
use super::pagination::{
    Page, PageArgs, decode_cursor, decode_id_cursor, encode_cursor, encode_id_cursor,
};
use super::password;
use super::text_enum::text_enum;
use super::token::{IssuedToken, TokenKeys};
use super::user::{Actor, PlatformRole};
use super::validation::{
    FieldProblem, check_name, check_new_password, normalise_email, optional_text,
};
use super::{DomainError, directory};
use crate::db::accreditation::Registered;
use crate::db::accreditation::{
    self as queries, Accreditation, ApplicationContent, ApplicationFilter, ApplicationRow,
    ApplicationSort, HistoryRow, NewApplication, NewHistory, NewStatusChange, Position,
    StatusChange, StatusChangeRow,
};
use crate::db::memberships::NewMembership;
use crate::db::messages::NewMessage;
use crate::db::organisations::Keyset;
use crate::db::organisations::{self as organisation_queries, OrganisationFilter};
use crate::db::threads::NewThread;
use crate::db::users::{self, NewUser};
use crate::db::{self, Database};

const MAX_ANSWER_LENGTH: usize = 10_000;
const MAX_COMMENT_LENGTH: usize = 5_000;
const MAX_CONTACT_LENGTH: usize = 200;

text_enum! {
    /// Where an application stands.
    pub enum ApplicationStatus {
        Draft => "DRAFT",
        Submitted => "SUBMITTED",
        UnderReview => "UNDER_REVIEW",
        RevisionRequested => "REVISION_REQUESTED",
        ForwardedToCpr => "FORWARDED_TO_CPR",
        Approved => "APPROVED",
        Rejected => "REJECTED",
        Deferred => "DEFERRED",
        Withdrawn => "WITHDRAWN",
    }
}

impl ApplicationStatus {
    /// Whether the application is still open: not decided for good, nor withdrawn.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Approved | Self::Rejected | Self::Withdrawn)
    }
}

text_enum! {
    /// A step of the process, as the history records it.
    pub enum Action {
        Create => "CREATE",
        Edit => "EDIT",
        Submit => "SUBMIT",
        TakeIntoReview => "TAKE_INTO_REVIEW",
        RequestRevision => "REQUEST_REVISION",
        RecordEndorsement => "RECORD_ENDORSEMENT",
        ForwardToCpr => "FORWARD_TO_CPR",
        Approve => "APPROVE",
        Reject => "REJECT",
        Defer => "DEFER",
        Withdraw => "WITHDRAW",
    }
}

impl Action {
    /// Every action taken on an existing application.
    pub const ON_APPLICATIONS: [Self; 10] = [
        Self::Edit,
        Self::Submit,
        Self::TakeIntoReview,
        Self::RequestRevision,
        Self::RecordEndorsement,
        Self::ForwardToCpr,
        Self::Approve,
        Self::Reject,
        Self::Defer,
        Self::Withdraw,
    ];
}

/// How an actor stands towards one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Standing {
    /// An owner or admin of the applying organisation.
    Applicant,
    /// Another member of the applying organisation: reads, does not act.
    ApplicantMember,
    SecretariatOfficer,
    SecretariatAdmin,
    /// Anyone else, signed in or not: does not know the application exists.
    Outsider,
}

impl Standing {
    /// Every standing, for tables.
    pub const ALL: [Self; 5] = [
        Self::Applicant,
        Self::ApplicantMember,
        Self::SecretariatOfficer,
        Self::SecretariatAdmin,
        Self::Outsider,
    ];

    /// How `actor` stands towards the applications of `organisation_id`. A Secretariat
    /// role outranks a membership.
    pub fn of(actor: &Actor, organisation_id: i64) -> Self {
        match (actor.platform_role(), actor.role_in(organisation_id)) {
            (Some(PlatformRole::SecretariatAdmin), _) => Self::SecretariatAdmin,
            (Some(PlatformRole::SecretariatOfficer), _) => Self::SecretariatOfficer,
            (None, Some(role)) if role.is_admin() => Self::Applicant,
            (None, Some(_)) => Self::ApplicantMember,
            (None, None) => Self::Outsider,
        }
    }

    /// Whether it may read the application at all.
    pub fn may_read(self) -> bool {
        self != Self::Outsider
    }
}

/// The status `action` leads to from `status`, or `None` where it does not apply.
pub fn next_status(status: ApplicationStatus, action: Action) -> Option<ApplicationStatus> {
    use ApplicationStatus as S;
    match (action, status) {
        (Action::Edit, S::Draft | S::RevisionRequested) => Some(status),
        (Action::Submit, S::Draft) => Some(S::Submitted),
        (Action::Submit, S::RevisionRequested) => Some(S::UnderReview),
        (Action::TakeIntoReview, S::Submitted) => Some(S::UnderReview),
        (Action::RequestRevision, S::UnderReview) => Some(S::RevisionRequested),
        (
            Action::RecordEndorsement,
            S::Submitted | S::UnderReview | S::RevisionRequested | S::ForwardedToCpr | S::Deferred,
        ) => Some(status),
        (Action::ForwardToCpr, S::UnderReview | S::Deferred) => Some(S::ForwardedToCpr),
        (Action::Approve, S::ForwardedToCpr) => Some(S::Approved),
        (Action::Reject, S::ForwardedToCpr) => Some(S::Rejected),
        (Action::Defer, S::ForwardedToCpr) => Some(S::Deferred),
        (Action::Withdraw, _) if status.is_open() => Some(S::Withdrawn),
        _ => None,
    }
}

/// Whether someone of `standing` may take `action` at all (in some status).
pub fn may_take(standing: Standing, action: Action) -> bool {
    match action {
        Action::Create | Action::Edit | Action::Submit | Action::Withdraw => {
            standing == Standing::Applicant
        }
        Action::TakeIntoReview | Action::RequestRevision | Action::RecordEndorsement => matches!(
            standing,
            Standing::SecretariatOfficer | Standing::SecretariatAdmin
        ),
        Action::ForwardToCpr | Action::Approve | Action::Reject | Action::Defer => {
            standing == Standing::SecretariatAdmin
        }
    }
}

/// What the applicant writes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplicationForm {
    pub requested_category: Option<EntityCategory>,
    pub supports_asean_purposes: String,
    pub non_profit: String,
    pub existence_in_asean: String,
    pub membership: String,
    pub funding: String,
    pub registered_office: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
}

/// An application for accreditation, as it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Application {
    pub id: i64,
    pub organisation_id: i64,
    pub status: ApplicationStatus,
    pub requested_category: EntityCategory,
    pub supports_asean_purposes: String,
    pub non_profit: String,
    pub existence_in_asean: String,
    pub membership: String,
    pub funding: String,
    pub registered_office: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub thread_id: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decision: Option<Decision>,
}

/// The CPR's decision on an application, and the Secretary-General's letter notifying it.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The category accredited in, for an approval; it may differ from the one requested.
    pub category: Option<EntityCategory>,
    pub cpr_decision_date: NaiveDate,
    pub letter_date: Option<NaiveDate>,
    pub letter_reference: Option<String>,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = DomainError;

    fn try_from(row: ApplicationRow) -> Result<Self, DomainError> {
        let corrupt = |column: &str| {
            DomainError::Internal(format!("application {} has a bad {column}", row.id))
        };
        let decision = match row.cpr_decision_date {
            Some(cpr_decision_date) => Some(Decision {
                category: match row.decided_category.as_deref() {
                    Some(category) => {
                        Some(EntityCategory::parse(category).ok_or_else(|| corrupt("category"))?)
                    }
                    None => None,
                },
                cpr_decision_date,
                letter_date: row.sg_letter_date,
                letter_reference: row.sg_letter_reference,
            }),
            None => None,
        };
        Ok(Self {
            id: row.id,
            organisation_id: row.organisation_id,
            status: ApplicationStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            requested_category: EntityCategory::parse(&row.requested_category)
                .ok_or_else(|| corrupt("requested_category"))?,
            supports_asean_purposes: row.supports_asean_purposes,
            non_profit: row.non_profit,
            existence_in_asean: row.existence_in_asean,
            membership: row.membership,
            funding: row.funding,
            registered_office: row.registered_office,
            contact_name: row.contact_name,
            contact_email: row.contact_email,
            contact_phone: row.contact_phone,
            thread_id: row.thread_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            submitted_at: row.submitted_at.map(|at| at.and_utc()),
            decision,
        })
    }
}

/// One recorded step of an application's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: i64,
    pub application_id: i64,
    pub actor_id: i64,
    pub at: DateTime<Utc>,
    pub action: Action,
    pub from_status: Option<ApplicationStatus>,
    pub to_status: ApplicationStatus,
    pub comment: Option<String>,
}

impl TryFrom<HistoryRow> for Step {
    type Error = DomainError;

    fn try_from(row: HistoryRow) -> Result<Self, DomainError> {
        let corrupt = || DomainError::Internal(format!("history step {} is corrupt", row.id));
        Ok(Self {
            id: row.id,
            application_id: row.application_id,
            actor_id: row.actor_id,
            at: row.at.and_utc(),
            action: Action::parse(&row.action).ok_or_else(corrupt)?,
            from_status: match row.from_status.as_deref() {
                Some(status) => Some(ApplicationStatus::parse(status).ok_or_else(corrupt)?),
                None => None,
            },
            to_status: ApplicationStatus::parse(&row.to_status).ok_or_else(corrupt)?,
            comment: row.comment,
        })
    }
}

/// Why a step could not be taken, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepProblem {
    Field(FieldProblem),
    /// The application's status does not allow this action.
    WrongStatus(ApplicationStatus),
    /// The application changed since the version the actor saw.
    Conflict,
    /// The organisation already has an open application.
    AlreadyOpen,
    /// A required document is missing or not found satisfactory, so the application cannot
    /// go to the CPR.
    DocumentNotSatisfactory(DocumentKind),
}

/// The outcome of a write: the application, or what the user must fix.
pub type StepOutcome = Result<Result<Application, StepProblem>, DomainError>;

/// What an actor adds to a step: the version they saw and a comment.
#[derive(Clone, Debug, Default)]
pub struct StepRequest {
    pub version: i64,
    pub comment: Option<String>,
}

/// The CPR's decision to record.
#[derive(Clone, Debug)]
pub struct DecisionRequest {
    pub outcome: DecisionOutcome,
    pub category: Option<EntityCategory>,
    pub cpr_decision_date: NaiveDate,
    pub letter_date: Option<NaiveDate>,
    pub letter_reference: Option<String>,
}

/// What the CPR decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionOutcome {
    Approved,
    Rejected,
    Deferred,
}

impl DecisionOutcome {
    fn action(self) -> Action {
        match self {
            Self::Approved => Action::Approve,
            Self::Rejected => Action::Reject,
            Self::Deferred => Action::Defer,
        }
    }
}

/// The first user of a new applicant, when they have no account yet.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// A registered applicant, and the new owner's token when the account was created with it.
#[derive(Clone, Debug)]
pub struct Registration {
    pub organisation: Organisation,
    pub token: Option<IssuedToken>,
}

/// Registers a new applicant entity with its first user as its owner: the signed-in actor,
/// or, for a visitor, a new account created with it. All of it is written, or nothing.
pub async fn register_applicant(
    db: &Database,
    keys: &TokenKeys,
    actor: &Actor,
    mut profile: NewProfile,
    account: Option<NewAccount>,
) -> Result<Result<Registration, FieldProblem>, DomainError> {
    let signed_in = actor.user().map(|user| user.id);
    let account = match (signed_in, account) {
        (Some(_), Some(_)) => {
            let problem = FieldProblem::new("account", "must be left out when signed in");
            return Ok(Err(problem));
        }
        (None, None) => {
            let problem = FieldProblem::new("account", "is required unless you are signed in");
            return Ok(Err(problem));
        }
        (_, account) => account,
    };
    profile.kind = OrganisationKind::Entity;
    profile.accreditation_status = Some(AccreditationStatus::Applicant);
    profile.first_owner_email = None;
    if profile.category.is_none() {
        return Ok(Err(FieldProblem::new("category", "is required")));
    }
    if profile.country.is_none() {
        let problem = FieldProblem::new("country", "is required: the Member State of the seat");
        return Ok(Err(problem));
    }
    let row = match checked_new_organisation(&profile) {
        Ok(row) => row,
        Err(problem) => return Ok(Err(problem)),
    };
    let now = db::now();
    let account = match account.as_ref().map(checked_account).transpose() {
        Ok(account) => account,
        Err(problem) => return Ok(Err(problem)),
    };
    let password_hash = match &account {
        Some((_, _, password)) => Some(password::hash(password).await?),
        None => None,
    };
    let new_owner =
        account
            .as_ref()
            .zip(password_hash.as_deref())
            .map(|((email, name, _), hash)| NewUser {
                email,
                display_name: name,
                password_hash: hash,
                platform_role: None,
                disabled: false,
                created_at: now,
            });
    let owner = NewMembership {
        organisation_id: 0,
        user_id: signed_in.unwrap_or_default(),
        role: MemberRole::Owner.as_str(),
        created_at: now,
    };

    let mut conn = db.conn().await?;
    let registered =
        queries::insert_applicant(&mut conn, &row, &owner, new_owner.as_ref(), now).await?;
    let (id, owner_id) = match registered {
        Registered::Created {
            organisation_id,
            owner_id,
        } => (organisation_id, owner_id),
        Registered::SlugTaken => {
            let taken = FieldProblem {
                taken: true,
                ..FieldProblem::new("slug", "is taken")
            };
            return Ok(Err(taken));
        }
        Registered::EmailTaken => {
            let taken = FieldProblem {
                taken: true,
                ..FieldProblem::new("account.email", "already has an account: sign in first")
            };
            return Ok(Err(taken));
        }
    };
    let token = match new_owner {
        Some(_) => {
            users::record_sign_in(&mut conn, owner_id, now).await?;
            Some(keys.issue(owner_id, now.and_utc())?)
        }
        None => None,
    };
    drop(conn);
    let organisation = directory::organisations_by_ids(db, &[id])
        .await?
        .remove(&id)
        .ok_or_else(|| DomainError::Internal(format!("organisation {id} vanished")))?;
    Ok(Ok(Registration {
        organisation,
        token,
    }))
}

/// A new account's e-mail address, name and password, checked.
fn checked_account(account: &NewAccount) -> Result<(String, String, String), FieldProblem> {
    let email = normalise_email(&account.email)
        .map_err(|problem| FieldProblem::new("account.email", problem))?;
    let name = check_name(&account.display_name)
        .map_err(|problem| FieldProblem::new("account.displayName", problem))?;
    check_new_password(&account.password)
        .map_err(|problem| FieldProblem::new("account.password", problem))?;
    Ok((email, name, account.password.clone()))
}

/// Opens a draft application for an entity, with its correspondence thread with the
/// Secretariat.
pub async fn create_application(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    organisation_id: i64,
    form: &ApplicationForm,
) -> StepOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let organisation = directory::organisations_by_ids(db, &[organisation_id])
        .await?
        .remove(&organisation_id)
        .ok_or(DomainError::NotFound)?;
    if !may_take(Standing::of(actor, organisation_id), Action::Create) {
        return Err(DomainError::Forbidden);
    }
    check_may_apply(&organisation)?;
    let requested = form.requested_category.or(match organisation.profile {
        OrganisationProfile::Entity { category, .. } => Some(category),
        _ => None,
    });
    let content = match checked_content(form, requested) {
        Ok(content) => content,
        Err(problem) => return Ok(Err(StepProblem::Field(problem))),
    };
    let secretariat = secretariat_id(db).await?;

    let now = db::now();
    let subject = format!("Accreditation of {}", organisation.name);
    let thread = NewThread {
        kind: "DIRECT",
        subject: &subject,
        started_by: user.id,
        created_at: now,
        last_activity_at: now,
    };
    let body = format!(
        "{} opened an application for accreditation. Correspondence about it with the ASEAN \
         Secretariat takes place in this thread.",
        organisation.name
    );
    let first_message = NewMessage {
        thread_id: 0,
        author_id: user.id,
        organisation_id,
        body: &body,
        sent_at: now,
    };
    let new = NewApplication {
        organisation_id,
        content: &content,
        created_by: user.id,
        now,
        thread: &thread,
        participants: &[organisation_id, secretariat],
        first_message: &first_message,
        status: ApplicationStatus::Draft.as_str(),
        action: Action::Create.as_str(),
    };
    let mut conn = db.conn().await?;
    let Some(row) = queries::insert_application(&mut conn, &new).await? else {
        return Ok(Err(StepProblem::AlreadyOpen));
    };
    drop(conn);
    feed.dispatch_after_commit().await;

    Ok(Ok(Application::try_from(row)?))
}

/// Replaces what the applicant wrote, while the application is a draft or awaits revision.
pub async fn edit_application(
    db: &Database,
    actor: &Actor,
    id: i64,
    version: i64,
    form: &ApplicationForm,
) -> StepOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let application = readable(db, actor, id).await?;
    if let Err(refusal) = check_step(actor, &application, version, Action::Edit) {
        return refusal.into_outcome();
    }
    let requested = form
        .requested_category
        .or(Some(application.requested_category));
    let content = match checked_content(form, requested) {
        Ok(content) => content,
        Err(problem) => return Ok(Err(StepProblem::Field(problem))),
    };
    let step = NewHistory {
        application_id: id,
        actor_id: user.id,
        at: db::now(),
        action: Action::Edit.as_str(),
        from_status: Some(application.status.as_str()),
        to_status: application.status.as_str(),
        comment: None,
    };

    let mut conn = db.conn().await?;
    match queries::update_content(&mut conn, id, version, &content, &step).await? {
        Some(row) => Ok(Ok(Application::try_from(row)?)),
        None => Ok(Err(StepProblem::Conflict)),
    }
}

/// Takes a step that changes the status or records an endorsement: `action` is any of
/// [`Action::ON_APPLICATIONS`] but editing and the CPR's decisions.
pub async fn take_step(
    db: &Database,
    feed: &ConversationFeed,
    actor: &Actor,
    id: i64,
    action: Action,
    request: &StepRequest,
) -> StepOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let application = readable(db, actor, id).await?;
    let to = match check_step(actor, &application, request.version, action) {
        Ok(to) => to,
        Err(refusal) => return refusal.into_outcome(),
    };
    let comment = match optional_text("comment", request.comment.as_deref(), MAX_COMMENT_LENGTH) {
        Ok(comment) => comment,
        Err(problem) => return Ok(Err(StepProblem::Field(problem))),
    };
    if matches!(action, Action::RequestRevision | Action::RecordEndorsement) && comment.is_none() {
        let problem = match action {
            Action::RequestRevision => "must say what to revise",
            _ => "must say who endorsed the application",
        };
        return Ok(Err(StepProblem::Field(FieldProblem::new(
            "comment", problem,
        ))));
    }
    if action == Action::Submit
        && let Err(problem) = check_complete(&application)
    {
        return Ok(Err(StepProblem::Field(problem)));
    }
    if action == Action::ForwardToCpr
        && let Some(kind) = documents::unsatisfied_required(db, id)
            .await?
            .into_iter()
            .next()
    {
        return Ok(Err(StepProblem::DocumentNotSatisfactory(kind)));
    }

    let now = db::now();
    let change = StatusChange {
        status: to.as_str(),
        // Left out, it stays: only the first submission sets it.
        submitted_at: (action == Action::Submit && application.submitted_at.is_none())
            .then_some(now),
        ..StatusChange::default()
    };
    let step = NewHistory {
        application_id: id,
        actor_id: user.id,
        at: now,
        action: action.as_str(),
        from_status: Some(application.status.as_str()),
        to_status: to.as_str(),
        comment: comment.as_deref(),
    };
    // What to revise goes to the applicant in the correspondence too.
    let secretariat = match action {
        Action::RequestRevision => Some(secretariat_id(db).await?),
        _ => None,
    };
    let note = secretariat
        .zip(comment.as_deref())
        .map(|(secretariat, body)| NewMessage {
            thread_id: application.thread_id,
            author_id: user.id,
            organisation_id: secretariat,
            body,
            sent_at: now,
        });
    let outcome = write_step(db, &application, &change, &step, note.as_ref(), None).await;
    if note.is_some() {
        feed.dispatch_after_commit().await;
    }
    outcome
}

/// Records the CPR's decision on an application forwarded to it.
pub async fn record_decision(
    db: &Database,
    actor: &Actor,
    id: i64,
    version: i64,
    comment: Option<&str>,
    decision: &DecisionRequest,
) -> StepOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let application = readable(db, actor, id).await?;
    let action = decision.outcome.action();
    let to = match check_step(actor, &application, version, action) {
        Ok(to) => to,
        Err(refusal) => return refusal.into_outcome(),
    };
    let comment = match optional_text("comment", comment, MAX_COMMENT_LENGTH) {
        Ok(comment) => comment,
        Err(problem) => return Ok(Err(StepProblem::Field(problem))),
    };
    let reference = match optional_text(
        "letterReference",
        decision.letter_reference.as_deref(),
        MAX_CONTACT_LENGTH,
    ) {
        Ok(reference) => reference,
        Err(problem) => return Ok(Err(StepProblem::Field(problem))),
    };
    // The Secretary-General notifies approvals and rejections by letter.
    if decision.outcome != DecisionOutcome::Deferred {
        if decision.letter_date.is_none() {
            let problem = FieldProblem::new("letterDate", "is required for this decision");
            return Ok(Err(StepProblem::Field(problem)));
        }
        if reference.is_none() {
            let problem = FieldProblem::new("letterReference", "is required for this decision");
            return Ok(Err(StepProblem::Field(problem)));
        }
    }
    if decision
        .letter_date
        .is_some_and(|letter| letter < decision.cpr_decision_date)
    {
        let problem = FieldProblem::new("letterDate", "must not be before the CPR's decision");
        return Ok(Err(StepProblem::Field(problem)));
    }
    let category = match decision.outcome {
        DecisionOutcome::Approved => {
            Some(decision.category.unwrap_or(application.requested_category))
        }
        _ => None,
    };

    let change = StatusChange {
        status: to.as_str(),
        decided_category: category.map(EntityCategory::as_str),
        cpr_decision_date: Some(decision.cpr_decision_date),
        sg_letter_date: decision.letter_date,
        sg_letter_reference: reference.as_deref(),
        ..StatusChange::default()
    };
    let step = NewHistory {
        application_id: id,
        actor_id: user.id,
        at: db::now(),
        action: action.as_str(),
        from_status: Some(application.status.as_str()),
        to_status: to.as_str(),
        comment: comment.as_deref(),
    };
    let reason = format!(
        "Approved by the CPR on {}; Secretary-General's letter {}",
        decision.cpr_decision_date,
        reference.as_deref().unwrap_or_default()
    );
    let accreditation = category.map(|category| Accreditation {
        organisation_id: application.organisation_id,
        category: category.as_str(),
        accredited_on: decision.cpr_decision_date,
        reason: &reason,
    });
    write_step(db, &application, &change, &step, None, accreditation).await
}

/// Writes a checked step at the version in `application`.
async fn write_step(
    db: &Database,
    application: &Application,
    change: &StatusChange<'_>,
    step: &NewHistory<'_>,
    note: Option<&NewMessage<'_>>,
    accreditation: Option<Accreditation<'_>>,
) -> StepOutcome {
    let mut conn = db.conn().await?;
    let row = queries::change_status(
        &mut conn,
        application.id,
        application.version,
        change,
        step,
        note,
        accreditation,
    )
    .await?;

    match row {
        Some(row) => Ok(Ok(Application::try_from(row)?)),
        None => Ok(Err(StepProblem::Conflict)),
    }
}

/// Checks that the actor may take `action` on the application as it stands at `version`;
/// the status it leads to, or the refusal to return.
fn check_step(
    actor: &Actor,
    application: &Application,
    version: i64,
    action: Action,
) -> Result<ApplicationStatus, Refusal> {
    if !may_take(Standing::of(actor, application.organisation_id), action) {
        return Err(Refusal::Denied(DomainError::Forbidden));
    }
    // What the actor saw is out of date: its status may be too, so that is the answer.
    if version != application.version {
        return Err(Refusal::Problem(StepProblem::Conflict));
    }
    next_status(application.status, action).ok_or(Refusal::Problem(StepProblem::WrongStatus(
        application.status,
    )))
}

/// Why [`check_step`] refused a step.
enum Refusal {
    Denied(DomainError),
    Problem(StepProblem),
}

impl Refusal {
    fn into_outcome(self) -> StepOutcome {
        match self {
            Self::Denied(error) => Err(error),
            Self::Problem(problem) => Ok(Err(problem)),
        }
    }
}

/// The application, if the actor may read it; otherwise exactly as if it did not exist.
pub(super) async fn readable(
    db: &Database,
    actor: &Actor,
    id: i64,
) -> Result<Application, DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    applications_by_ids(db, actor, &[id])
        .await?
        .remove(&id)
        .ok_or(DomainError::NotFound)
}

/// Refuses, saying why, an organisation that may not apply: only entities, and not while
/// accredited or suspended.
fn check_may_apply(organisation: &Organisation) -> Result<(), DomainError> {
    let OrganisationProfile::Entity {
        accreditation_status,
        ..
    } = organisation.profile
    else {
        return Err(DomainError::Refused {
            reason: "NOT_AN_ENTITY",
            message: format!(
                "{} is not an entity; only entities apply",
                organisation.name
            ),
        });
    };
    match accreditation_status {
        AccreditationStatus::Accredited | AccreditationStatus::Suspended => {
            Err(DomainError::Refused {
                reason: "ALREADY_ACCREDITED",
                message: format!(
                    "{} is {} already; the Secretariat reinstates a suspended entity",
                    organisation.name,
                    accreditation_status.as_str().to_lowercase()
                ),
            })
        }
        _ => Ok(()),
    }
}

/// The form, trimmed and checked, as stored. Answers may stay empty in a draft;
/// [`check_complete`] requires them at submission.
fn checked_content(
    form: &ApplicationForm,
    requested: Option<EntityCategory>,
) -> Result<ApplicationContent, FieldProblem> {
    let answer = |field: &'static str, text: &str| {
        optional_text(field, Some(text), MAX_ANSWER_LENGTH).map(Option::unwrap_or_default)
    };
    let contact = |field: &'static str, text: &str| {
        optional_text(field, Some(text), MAX_CONTACT_LENGTH).map(Option::unwrap_or_default)
    };
    let requested =
        requested.ok_or_else(|| FieldProblem::new("requestedCategory", "is required"))?;
    let contact_email = match form.contact_email.trim() {
        "" => String::new(),
        email => normalise_email(email).map_err(|p| FieldProblem::new("contactEmail", p))?,
    };
    Ok(ApplicationContent {
        requested_category: requested.as_str().to_owned(),
        supports_asean_purposes: answer("supportsAseanPurposes", &form.supports_asean_purposes)?,
        non_profit: answer("nonProfit", &form.non_profit)?,
        existence_in_asean: answer("existenceInAsean", &form.existence_in_asean)?,
        membership: answer("membership", &form.membership)?,
        funding: answer("funding", &form.funding)?,
        registered_office: answer("registeredOffice", &form.registered_office)?,
        contact_name: contact("contactName", &form.contact_name)?,
        contact_email,
        contact_phone: optional_text(
            "contactPhone",
            form.contact_phone.as_deref(),
            MAX_CONTACT_LENGTH,
        )?,
    })
}

/// Requires an answer to every criterion and a contact before submission.
fn check_complete(application: &Application) -> Result<(), FieldProblem> {
    let required = [
        (
            "supportsAseanPurposes",
            &application.supports_asean_purposes,
        ),
        ("nonProfit", &application.non_profit),
        ("existenceInAsean", &application.existence_in_asean),
        ("membership", &application.membership),
        ("funding", &application.funding),
        ("registeredOffice", &application.registered_office),
        ("contactName", &application.contact_name),
        ("contactEmail", &application.contact_email),
    ];
    match required.into_iter().find(|(_, value)| value.is_empty()) {
        Some((field, _)) => Err(FieldProblem::new(
            field,
            "must be answered before the application is submitted",
        )),
        None => Ok(()),
    }
}

/// The ASEAN Secretariat's organisation, which every application corresponds with.
async fn secretariat_id(db: &Database) -> Result<i64, DomainError> {
    let mut conn = db.conn().await?;
    let filter = OrganisationFilter {
        kinds: Some(vec![OrganisationKind::Secretariat.as_str().to_owned()]),
        ..OrganisationFilter::default()
    };
    organisation_queries::ids(&mut conn, &filter)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DomainError::Internal("the directory has no Secretariat".into()))
}

/// The applications with these ids that the actor may read, by id.
pub async fn applications_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Application>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;

    let mut applications = HashMap::with_capacity(rows.len());
    for row in rows {
        if Standing::of(actor, row.organisation_id).may_read() {
            let application = Application::try_from(row)?;
            applications.insert(application.id, application);
        }
    }
    Ok(applications)
}

/// The histories of these applications, oldest step first, by application. The caller has
/// checked that the actor may read the applications.
pub async fn histories(
    db: &Database,
    application_ids: &[i64],
) -> Result<HashMap<i64, Vec<Step>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::history_of(&mut conn, application_ids).await?;

    let mut histories: HashMap<i64, Vec<Step>> = HashMap::new();
    for row in rows {
        let step = Step::try_from(row)?;
        histories.entry(step.application_id).or_default().push(step);
    }
    Ok(histories)
}

/// Which applications the Secretariat's work queue lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct QueueFilter {
    pub statuses: Option<Vec<ApplicationStatus>>,
    pub categories: Option<Vec<EntityCategory>>,
    pub submitted_from: Option<DateTime<Utc>>,
    pub submitted_to: Option<DateTime<Utc>>,
}

impl QueueFilter {
    fn to_query(&self, organisation_id: Option<i64>) -> ApplicationFilter {
        ApplicationFilter {
            organisation_id,
            // The queue holds what was sent to the Secretariat, not what is being written.
            submitted_only: organisation_id.is_none(),
            statuses: self
                .statuses
                .as_ref()
                .map(|statuses| statuses.iter().map(|s| s.as_str().to_owned()).collect()),
            categories: self
                .categories
                .as_ref()
                .map(|categories| categories.iter().map(|c| c.as_str().to_owned()).collect()),
            submitted_from: self.submitted_from.map(|at| at.naive_utc()),
            submitted_to: self.submitted_to.map(|at| at.naive_utc()),
        }
    }
}

/// Where a list of applications comes from: one organisation's, or the Secretariat's queue.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ApplicationScope {
    Organisation(i64),
    Queue(QueueFilter),
}

impl ApplicationScope {
    /// The rows it selects; refused unless the actor may read them.
    fn query(&self, actor: &Actor) -> Result<ApplicationFilter, DomainError> {
        match self {
            Self::Organisation(id) if Standing::of(actor, *id).may_read() => {
                Ok(QueueFilter::default().to_query(Some(*id)))
            }
            Self::Queue(filter) if actor.is_secretariat() => Ok(filter.to_query(None)),
            _ if actor.user().is_none() => Err(DomainError::Unauthenticated),
            _ => Err(DomainError::Forbidden),
        }
    }
}

/// How a list of applications is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ApplicationOrder {
    pub sort: ApplicationSort,
    pub ascending: bool,
}

impl ApplicationOrder {
    /// Where `cursor` points in this order; `argument` names it in the error.
    fn position(self, argument: &str, cursor: &str) -> Result<Position, DomainError> {
        if self.sort == ApplicationSort::Opened {
            let id = decode_id_cursor(argument, cursor)?;
            return Ok(Position { at: None, id });
        }
        match decode_cursor(argument, cursor)? {
            Keyset::CreatedAt(at, id) => Ok(Position { at: Some(at), id }),
            _ => Err(DomainError::invalid(format!(
                "`{argument}` is not a cursor of this order"
            ))),
        }
    }

    /// The cursor of `row` in this order.
    fn cursor(self, row: &ApplicationRow) -> String {
        let at = match self.sort {
            ApplicationSort::Opened => return encode_id_cursor(row.id),
            ApplicationSort::Submitted => row.submitted_at.unwrap_or(row.created_at),
            ApplicationSort::Updated => row.updated_at,
        };
        encode_cursor(&Keyset::CreatedAt(at, row.id))
    }
}

/// One page of applications in `order`.
pub async fn applications(
    db: &Database,
    actor: &Actor,
    scope: &ApplicationScope,
    args: &PageArgs,
    order: ApplicationOrder,
) -> Result<Page<Application>, DomainError> {
    let filter = scope.query(actor)?;
    if order.sort == ApplicationSort::Submitted && !filter.submitted_only {
        return Err(DomainError::invalid(
            "only the Secretariat's queue sorts by submission",
        ));
    }
    let window = args.window()?;
    let read = |argument: &str, cursor: &Option<String>| {
        cursor
            .as_deref()
            .map(|cursor| order.position(argument, cursor))
            .transpose()
    };
    let bounds = (read("after", &args.after)?, read("before", &args.before)?);

    let mut conn = db.conn().await?;
    let rows = queries::page(
        &mut conn,
        &filter,
        (order.sort, order.ascending),
        bounds,
        window.limit,
        window.from_end,
    )
    .await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|row| Ok((order.cursor(&row), Application::try_from(row)?)))
        .collect::<Result<Vec<_>, DomainError>>()?;

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// How many applications a scope holds.
pub async fn count_applications(
    db: &Database,
    actor: &Actor,
    scope: &ApplicationScope,
) -> Result<i64, DomainError> {
    let filter = scope.query(actor)?;
    let mut conn = db.conn().await?;

    Ok(queries::count(&mut conn, &filter).await?)
}

/// How many applications of the queue stand in each status (statuses filter aside), every
/// status listed, in the order of the process.
pub async fn counts_by_status(
    db: &Database,
    actor: &Actor,
    filter: &QueueFilter,
) -> Result<Vec<(ApplicationStatus, i64)>, DomainError> {
    let query = ApplicationScope::Queue(filter.clone()).query(actor)?;
    let mut conn = db.conn().await?;
    let counted: HashMap<String, i64> = queries::counts_by_status(&mut conn, &query)
        .await?
        .into_iter()
        .collect();

    Ok(ApplicationStatus::ALL
        .iter()
        .copied()
        .map(|status| (status, counted.get(status.as_str()).copied().unwrap_or(0)))
        .collect())
}

text_enum! {
    /// A change of an entity's accreditation status.
    pub enum StatusAction {
        /// The CPR approved its application.
        Accredit => "ACCREDIT",
        Suspend => "SUSPEND",
        Reinstate => "REINSTATE",
        Revoke => "REVOKE",
    }
}

impl StatusAction {
    /// The status this action leads to from `status`, where it applies. Only the
    /// Secretariat's actions: accreditation follows from an application.
    fn next(self, status: AccreditationStatus) -> Option<AccreditationStatus> {
        use AccreditationStatus as A;
        match (self, status) {
            (Self::Suspend, A::Accredited) => Some(A::Suspended),
            (Self::Reinstate, A::Suspended) => Some(A::Accredited),
            (Self::Revoke, A::Accredited | A::Suspended) => Some(A::Revoked),
            _ => None,
        }
    }
}

/// A recorded change of an entity's accreditation status.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityStatusChange {
    pub id: i64,
    pub organisation_id: i64,
    pub actor_id: i64,
    pub at: DateTime<Utc>,
    pub action: StatusAction,
    pub from_status: AccreditationStatus,
    pub to_status: AccreditationStatus,
    pub reason: String,
}

impl TryFrom<StatusChangeRow> for EntityStatusChange {
    type Error = DomainError;

    fn try_from(row: StatusChangeRow) -> Result<Self, DomainError> {
        let corrupt = || DomainError::Internal(format!("status change {} is corrupt", row.id));
        Ok(Self {
            id: row.id,
            organisation_id: row.organisation_id,
            actor_id: row.actor_id,
            at: row.at.and_utc(),
            action: StatusAction::parse(&row.action).ok_or_else(corrupt)?,
            from_status: AccreditationStatus::parse(&row.from_status).ok_or_else(corrupt)?,
            to_status: AccreditationStatus::parse(&row.to_status).ok_or_else(corrupt)?,
            reason: row.reason,
        })
    }
}

/// Why an entity's status could not be changed, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusProblem {
    Field(FieldProblem),
    /// The entity's status does not allow this action.
    WrongStatus(AccreditationStatus),
    /// The status changed meanwhile.
    Conflict,
}

/// Suspends, reinstates or revokes an entity, with a reason. For Secretariat admins.
pub async fn change_entity_status(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    action: StatusAction,
    reason: &str,
) -> Result<Result<Organisation, StatusProblem>, DomainError> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    if actor.platform_role() != Some(PlatformRole::SecretariatAdmin)
        || action == StatusAction::Accredit
    {
        return Err(DomainError::Forbidden);
    }
    let organisation = directory::organisations_by_ids(db, &[organisation_id])
        .await?
        .remove(&organisation_id)
        .ok_or(DomainError::NotFound)?;
    let OrganisationProfile::Entity {
        accreditation_status: from,
        ..
    } = organisation.profile
    else {
        let problem = FieldProblem::new("organisationId", "is not an entity");
        return Ok(Err(StatusProblem::Field(problem)));
    };
    let Some(to) = action.next(from) else {
        return Ok(Err(StatusProblem::WrongStatus(from)));
    };
    let reason = match optional_text("reason", Some(reason), MAX_COMMENT_LENGTH) {
        Ok(Some(reason)) => reason,
        Ok(None) => {
            let problem = FieldProblem::new("reason", "must say why");
            return Ok(Err(StatusProblem::Field(problem)));
        }
        Err(problem) => return Ok(Err(StatusProblem::Field(problem))),
    };

    let change = NewStatusChange {
        organisation_id,
        actor_id: user.id,
        at: db::now(),
        action: action.as_str(),
        from_status: from.as_str(),
        to_status: to.as_str(),
        reason: &reason,
    };
    let mut conn = db.conn().await?;
    if !queries::change_entity_status(&mut conn, &change).await? {
        return Ok(Err(StatusProblem::Conflict));
    }
    drop(conn);
    directory::organisations_by_ids(db, &[organisation_id])
        .await?
        .remove(&organisation_id)
        .map(Ok)
        .ok_or(DomainError::NotFound)
}

/// The accreditation status changes of these organisations, oldest first, by
/// organisation. The caller has checked that the actor may read them.
pub async fn status_changes(
    db: &Database,
    organisation_ids: &[i64],
) -> Result<HashMap<i64, Vec<EntityStatusChange>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::status_changes_of(&mut conn, organisation_ids).await?;

    let mut changes: HashMap<i64, Vec<EntityStatusChange>> = HashMap::new();
    for row in rows {
        let change = EntityStatusChange::try_from(row)?;
        changes
            .entry(change.organisation_id)
            .or_default()
            .push(change);
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_open_status_can_be_withdrawn_and_no_closed_one_can_change() {
        for &status in ApplicationStatus::ALL {
            let withdrawable = next_status(status, Action::Withdraw).is_some();
            assert_eq!(withdrawable, status.is_open(), "{status:?}");
            if !status.is_open() {
                for action in Action::ON_APPLICATIONS {
                    assert_eq!(next_status(status, action), None, "{status:?} {action:?}");
                }
            }
        }
    }

    #[test]
    fn a_deferred_application_goes_back_to_the_cpr() {
        let deferred = next_status(ApplicationStatus::ForwardedToCpr, Action::Defer);
        assert_eq!(deferred, Some(ApplicationStatus::Deferred));
        assert_eq!(
            next_status(ApplicationStatus::Deferred, Action::ForwardToCpr),
            Some(ApplicationStatus::ForwardedToCpr)
        );
    }

    #[test]
    fn only_the_secretariat_admin_decides() {
        for standing in Standing::ALL {
            let decides = may_take(standing, Action::Approve);
            assert_eq!(
                decides,
                standing == Standing::SecretariatAdmin,
                "{standing:?}"
            );
        }
    }
}
