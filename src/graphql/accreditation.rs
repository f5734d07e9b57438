//! Accreditation in the graph: the `AccreditationApplication` type and its history,
//! `registerApplicant`, the applicant's and the Secretariat's mutations, and the
//! Secretariat's work queue.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::accreditation_document::{self, AccreditationDocument};
use super::connection::{Connection, TotalCount, selects_in_nodes};
use super::directory::OrderDirection;
use super::directory_management::field_error;
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::{AccreditationStatus, Country, EntityCategory, Organisation};
use super::scalars::{Date, DateTime};
use super::thread::Thread;
use super::user::User;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::db::accreditation::ApplicationSort;
use crate::domain::accreditation::{
    self as model, Action, ApplicationForm, ApplicationScope, DecisionOutcome, DecisionRequest,
    QueueFilter, StepOutcome, StepProblem, StepRequest,
};
use crate::domain::accreditation_feed::AccreditationFeed;
use crate::domain::conversation_feed::ConversationFeed;
use crate::domain::directory_management::NewProfile;
use crate::domain::organisation::OrganisationKind;
use crate::domain::pagination::PageArgs;
use crate::domain::token::TokenKeys;
use crate::domain::user::Actor;

/// Where an application for accreditation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::ApplicationStatus")]
pub enum AccreditationApplicationStatus {
    /// Being written by the applicant; the Secretariat does not see it yet as work.
    Draft,
    /// Sent to the Secretary-General; waiting for the Secretariat to take it up.
    Submitted,
    /// The Secretariat is checking it and its documents.
    UnderReview,
    /// The Secretariat asked the applicant to revise it; the applicant submits it again.
    RevisionRequested,
    /// With the Committee of Permanent Representatives for a decision.
    ForwardedToCpr,
    /// Approved by the CPR: the entity is accredited. Final.
    Approved,
    /// Rejected by the CPR. Final.
    Rejected,
    /// Deferred by the CPR; the Secretariat forwards it again.
    Deferred,
    /// Withdrawn by the applicant. Final.
    Withdrawn,
}

/// A step of the accreditation process, as the history records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::Action")]
pub enum AccreditationAction {
    /// The applicant opened the application.
    Create,
    /// The applicant changed what the application says.
    Edit,
    /// The applicant submitted it, first or after a revision.
    Submit,
    /// A Secretariat officer took it into review.
    TakeIntoReview,
    /// The Secretariat asked for a revision.
    RequestRevision,
    /// The Secretariat recorded an endorsement by a sectoral body or a Member State.
    RecordEndorsement,
    /// The Secretariat admin forwarded it to the CPR.
    ForwardToCpr,
    /// The CPR's approval was recorded.
    Approve,
    /// The CPR's rejection was recorded.
    Reject,
    /// The CPR's deferral was recorded.
    Defer,
    /// The applicant withdrew it.
    Withdraw,
}

/// What the CPR decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum CprDecision {
    /// Accredit the entity.
    Approved,
    /// Refuse accreditation.
    Rejected,
    /// Decide later; the Secretariat forwards the application again.
    Deferred,
}

impl From<CprDecision> for DecisionOutcome {
    fn from(decision: CprDecision) -> Self {
        match decision {
            CprDecision::Approved => Self::Approved,
            CprDecision::Rejected => Self::Rejected,
            CprDecision::Deferred => Self::Deferred,
        }
    }
}

/// An entity's application for accreditation. Visible to the members of the applying
/// organisation and to the Secretariat; to anyone else it does not exist.
#[derive(Clone, Debug)]
pub struct AccreditationApplication(pub model::Application);

/// An entity's application for accreditation, from its draft to the CPR's decision.
/// Visible to the members of the applying organisation and to the Secretariat; to anyone
/// else it does not exist.
#[Object]
impl AccreditationApplication {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::AccreditationApplication(self.0.id).encode()
    }

    /// Where it stands.
    async fn status(&self) -> AccreditationApplicationStatus {
        self.0.status.into()
    }

    /// Its version: pass it with every change, which is refused with `CONFLICT` if someone
    /// changed the application since.
    async fn version(&self) -> i32 {
        i32::try_from(self.0.version).unwrap_or(i32::MAX)
    }

    /// The applying entity.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let organisation = loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        organisation.map(Into::into).ok_or(ApiError::Internal)
    }

    /// The Annex 2 category the entity asks to be accredited in.
    async fn requested_category(&self) -> EntityCategory {
        self.0.requested_category.into()
    }

    /// How the entity supports the purposes and principles of ASEAN.
    async fn supports_asean_purposes(&self) -> &str {
        &self.0.supports_asean_purposes
    }

    /// How the entity is non-profit.
    async fn non_profit(&self) -> &str {
        &self.0.non_profit
    }

    /// Its proven existence in ASEAN: at least two years.
    async fn existence_in_asean(&self) -> &str {
        &self.0.existence_in_asean
    }

    /// Its membership: generally ASEAN nationals, spread across Member States.
    async fn membership(&self) -> &str {
        &self.0.membership
    }

    /// Its sources of funding.
    async fn funding(&self) -> &str {
        &self.0.funding
    }

    /// Its registered office in a Member State.
    async fn registered_office(&self) -> &str {
        &self.0.registered_office
    }

    /// Whom the Secretariat contacts about it.
    async fn contact(&self) -> AccreditationContact {
        AccreditationContact {
            name: self.0.contact_name.clone(),
            email: self.0.contact_email.clone(),
            phone: self.0.contact_phone.clone(),
        }
    }

    /// The correspondence about it between the entity and the Secretariat: a thread
    /// between the two organisations, for their members.
    async fn thread(&self, ctx: &Context<'_>) -> ApiResult<Option<Thread>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .threads
            .load_one(self.0.thread_id)
            .await?
            .map(Thread))
    }

    /// When it was opened.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// When it was first submitted; null for a draft.
    async fn submitted_at(&self) -> Option<DateTime> {
        self.0.submitted_at.map(DateTime)
    }

    /// The CPR's decision, once recorded; null before. A deferral is replaced by the next
    /// decision; the history keeps both.
    async fn decision(&self) -> Option<AccreditationDecision> {
        self.0.decision.clone().map(AccreditationDecision)
    }

    /// Its documents, oldest first: the current one of each kind, and with
    /// `includeReplaced` the earlier uploads too.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = false,
            desc = "Also list uploads that a newer one of their kind replaced."
        )]
        include_replaced: bool,
    ) -> ApiResult<Vec<AccreditationDocument>> {
        accreditation_document::of_application(ctx, self.0.id, include_replaced).await
    }

    /// Every step taken on it, oldest first. Never edited: what happened stays recorded.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<AccreditationStep>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let steps = loaders.accreditation_histories.load_one(self.0.id).await?;
        Ok(steps
            .unwrap_or_default()
            .into_iter()
            .map(AccreditationStep)
            .collect())
    }
}

/// Whom the Secretariat contacts about an application.
#[derive(Clone, Debug, SimpleObject)]
pub struct AccreditationContact {
    /// Their name.
    name: String,
    /// Their e-mail address.
    email: String,
    /// Their telephone number, if given.
    phone: Option<String>,
}

/// The CPR's decision on an application and the Secretary-General's letter notifying it.
#[derive(Clone, Debug)]
pub struct AccreditationDecision(model::Decision);

/// The CPR's decision on an application and the Secretary-General's letter notifying it.
#[Object]
impl AccreditationDecision {
    /// The category the entity is accredited in, for an approval: it may differ from the
    /// one requested.
    async fn category(&self) -> Option<EntityCategory> {
        self.0.category.map(Into::into)
    }

    /// The day the CPR decided.
    async fn cpr_decision_date(&self) -> Date {
        Date(self.0.cpr_decision_date)
    }

    /// The date of the Secretary-General's letter notifying the decision.
    async fn letter_date(&self) -> Option<Date> {
        self.0.letter_date.map(Date)
    }

    /// The reference of the Secretary-General's letter.
    async fn letter_reference(&self) -> Option<&str> {
        self.0.letter_reference.as_deref()
    }
}

/// One recorded step of an application.
#[derive(Clone, Debug)]
pub struct AccreditationStep(model::Step);

/// One recorded step of an application: who did what, when, from which status to which.
#[Object]
impl AccreditationStep {
    /// What was done.
    async fn action(&self) -> AccreditationAction {
        self.0.action.into()
    }

    /// Who did it; null if you may not see that user.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .users
            .load_one(self.0.actor_id)
            .await?
            .map(User::new))
    }

    /// When.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The status before; null for the first step.
    async fn from_status(&self) -> Option<AccreditationApplicationStatus> {
        self.0.from_status.map(Into::into)
    }

    /// The status after.
    async fn to_status(&self) -> AccreditationApplicationStatus {
        self.0.to_status.into()
    }

    /// What the actor wrote with it.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
}

/// What to sort applications by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[expect(
    clippy::enum_variant_names,
    reason = "named for the fields they sort by, as clients read them"
)]
pub enum AccreditationApplicationOrderField {
    /// When the application was opened.
    CreatedAt,
    /// When it was first submitted: `ASC` is first come, first served.
    SubmittedAt,
    /// When it last changed.
    UpdatedAt,
}

impl AccreditationApplicationOrder {
    fn into_domain(self) -> model::ApplicationOrder {
        let sort = match self.field {
            AccreditationApplicationOrderField::CreatedAt => ApplicationSort::Opened,
            AccreditationApplicationOrderField::SubmittedAt => ApplicationSort::Submitted,
            AccreditationApplicationOrderField::UpdatedAt => ApplicationSort::Updated,
        };
        model::ApplicationOrder {
            sort,
            ascending: self.direction == OrderDirection::Asc,
        }
    }
}

/// How to sort the work queue.
#[derive(Clone, Copy, Debug, InputObject)]
pub struct AccreditationApplicationOrder {
    /// The field to sort by.
    field: AccreditationApplicationOrderField,
    /// Which way; `ASC` is the oldest first, as a queue is worked through.
    #[graphql(default_with = "OrderDirection::Desc")]
    direction: OrderDirection,
}

/// How many applications of the queue stand in one status.
#[derive(Clone, Debug, SimpleObject)]
pub struct AccreditationStatusCount {
    /// The status.
    status: AccreditationApplicationStatus,
    /// How many applications stand in it.
    count: i64,
}

/// Which applications the Secretariat's queue lists. Fields combine with AND.
#[derive(Clone, Debug, Default, InputObject)]
pub struct AccreditationApplicationFilter {
    /// Only applications in these statuses.
    statuses: Option<Vec<AccreditationApplicationStatus>>,
    /// Only applications requesting these categories.
    categories: Option<Vec<EntityCategory>>,
    /// Only applications first submitted in this period.
    submitted_between: Option<SubmittedBetween>,
}

/// A period of submission: from `from` (included) to `to` (excluded).
#[derive(Clone, Debug, InputObject)]
pub struct SubmittedBetween {
    /// The start, included; unbounded when left out.
    from: Option<DateTime>,
    /// The end, excluded; unbounded when left out.
    to: Option<DateTime>,
}

impl AccreditationApplicationFilter {
    fn into_domain(self) -> QueueFilter {
        let (from, to) = self
            .submitted_between
            .map_or((None, None), |period| (period.from, period.to));
        QueueFilter {
            statuses: self
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            categories: self
                .categories
                .map(|categories| categories.into_iter().map(Into::into).collect()),
            submitted_from: from.map(|at| at.0),
            submitted_to: to.map(|at| at.0),
        }
    }
}

/// `Organisation.accreditationApplications`: its applications, newest first; null unless
/// the actor is a member or works for the Secretariat.
pub async fn of_organisation(
    ctx: &Context<'_>,
    organisation_id: i64,
    args: PageArgs,
) -> ApiResult<Option<Connection<AccreditationApplication>>> {
    let actor = ctx.data_unchecked::<Actor>();
    if !model::Standing::of(actor, organisation_id).may_read() {
        return Ok(None);
    }
    list(
        ctx,
        ApplicationScope::Organisation(organisation_id),
        args,
        model::ApplicationOrder::default(),
    )
    .await
    .map(Some)
}

async fn list(
    ctx: &Context<'_>,
    scope: ApplicationScope,
    args: PageArgs,
    order: model::ApplicationOrder,
) -> ApiResult<Connection<AccreditationApplication>> {
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();

    let page = model::applications(db, actor, &scope, &args, order).await?;
    preload(ctx, page.edges.iter().map(|(_, application)| application)).await?;

    Ok(Connection::new(
        page,
        TotalCount::AccreditationApplications(scope),
        AccreditationApplication,
    ))
}

/// Loads what the selection under a page of applications asks for, one statement per kind
/// for the whole page, so that the count does not depend on batching timing (see
/// `membership::preload`).
async fn preload<'a>(
    ctx: &Context<'_>,
    applications: impl Iterator<Item = &'a model::Application> + Clone,
) -> ApiResult<()> {
    let selects = |path: &[&str]| selects_in_nodes(ctx, path);
    let loaders = ctx.data_unchecked::<Loaders>();
    let ids = applications.clone().map(|application| application.id);

    if selects(&["organisation"]) {
        let organisations = applications.clone().map(|a| a.organisation_id);
        loaders.organisations.load_many(organisations).await?;
    }
    if selects(&["thread"]) {
        let threads = applications.clone().map(|a| a.thread_id);
        loaders.threads.load_many(threads).await?;
    }
    if selects(&["history"]) {
        let steps = loaders
            .accreditation_histories
            .load_many(ids.clone())
            .await?;
        if selects(&["history", "actor"]) {
            let actors: Vec<i64> = steps.values().flatten().map(|s| s.actor_id).collect();
            loaders.users.load_many(actors).await?;
        }
    }
    if selects(&["documents"]) {
        let documents = loaders.accreditation_documents.load_many(ids).await?;
        if selects(&["documents", "uploadedBy"]) {
            let uploaders: Vec<i64> = documents
                .values()
                .flatten()
                .map(|d| d.uploaded_by)
                .collect();
            loaders.users.load_many(uploaders).await?;
        }
    }
    Ok(())
}

/// Accreditation on `Query`.
#[derive(Default)]
pub struct AccreditationQuery;

#[Object]
impl AccreditationQuery {
    /// The Secretariat's work queue: applications, newest first unless `orderBy` says
    /// otherwise. Only for the Secretariat's officers and admins.
    #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus filter and order"
    )]
    async fn accreditation_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which applications; all when left out.")] filter: Option<
            AccreditationApplicationFilter,
        >,
        #[graphql(desc = "The order; newest first when left out.")] order_by: Option<
            AccreditationApplicationOrder,
        >,
        #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the application with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
        last: Option<i32>,
        #[graphql(desc = "End before the application with this cursor.")] before: Option<String>,
    ) -> ApiResult<Connection<AccreditationApplication>> {
        let filter = filter.unwrap_or_default().into_domain();
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let order = order_by.map(AccreditationApplicationOrder::into_domain);
        let scope = ApplicationScope::Queue(filter);
        list(ctx, scope, args, order.unwrap_or_default()).await
    }

    /// How many applications of the work queue stand in each status, every status listed
    /// in the order of the process. `filter.statuses` is ignored. Only for the Secretariat.
    async fn accreditation_status_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which applications to count; all when left out.")] filter: Option<
            AccreditationApplicationFilter,
        >,
    ) -> ApiResult<Vec<AccreditationStatusCount>> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let filter = filter.unwrap_or_default().into_domain();

        let counts = model::counts_by_status(db, actor, &filter).await?;
        Ok(counts
            .into_iter()
            .map(|(status, count)| AccreditationStatusCount {
                status: status.into(),
                count,
            })
            .collect())
    }
}

/// Loads the applications the request's actor may read, by id.
pub struct ApplicationLoader(pub Database, pub Actor);

impl Loader<i64> for ApplicationLoader {
    type Value = model::Application;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, model::Application>, ApiError> {
        Ok(model::applications_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Loads the histories of applications already read through [`ApplicationLoader`].
pub struct HistoryLoader(pub Database);

impl Loader<i64> for HistoryLoader {
    type Value = Vec<model::Step>;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<model::Step>>, ApiError> {
        Ok(model::histories(&self.0, ids).await?)
    }
}

/// A new applicant entity, registered by its first user.
#[derive(Debug, InputObject)]
pub struct RegisterApplicantInput {
    /// Its slug: 2 to 64 lower-case letters, digits and single hyphens; unique.
    slug: String,
    /// Full name, 1 to 200 characters.
    name: String,
    /// Usual abbreviation, at most 30 characters.
    acronym: Option<String>,
    /// What it does, at most 5,000 characters.
    description: Option<String>,
    /// Its website: an `http://` or `https://` address.
    website: Option<String>,
    /// The Member State of its registered office.
    country: Country,
    /// The city of its seat.
    city: Option<String>,
    /// When it was founded.
    established_on: Option<Date>,
    /// The Annex 2 category it belongs to.
    category: EntityCategory,
    /// The account of its first user, for a visitor who has none; leave it out when
    /// signed in.
    account: Option<NewAccountInput>,
}

/// A new account for the first user of a new applicant.
#[derive(Debug, InputObject)]
pub struct NewAccountInput {
    /// Their e-mail address; it must not have an account yet.
    email: String,
    /// Their name as others see it, 1 to 200 characters.
    display_name: String,
    /// At least 12 characters.
    password: String,
}

/// What `registerApplicant` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct RegisterApplicantPayload {
    /// The new entity, status `APPLICANT`, with its first user as its owner; null on
    /// failure.
    organisation: Option<Organisation>,
    /// For a new account: its access token, to send as `Authorization: Bearer <token>`.
    token: Option<String>,
    /// When that token stops working.
    expires_at: Option<DateTime>,
    /// What is wrong with the input; empty on success, and then nothing was written.
    user_errors: Vec<UserError>,
}

/// What an application says: the answers to the criteria and the contact.
#[derive(Debug, InputObject)]
pub struct AccreditationFormInput {
    /// The category requested; the entity's own when left out.
    requested_category: Option<EntityCategory>,
    /// How the entity supports the purposes and principles of ASEAN.
    #[graphql(default)]
    supports_asean_purposes: String,
    /// How the entity is non-profit.
    #[graphql(default)]
    non_profit: String,
    /// Its proven existence in ASEAN: at least two years.
    #[graphql(default)]
    existence_in_asean: String,
    /// Its membership: generally ASEAN nationals, spread across Member States.
    #[graphql(default)]
    membership: String,
    /// Its sources of funding.
    #[graphql(default)]
    funding: String,
    /// Its registered office in a Member State.
    #[graphql(default)]
    registered_office: String,
    /// The contact's name.
    #[graphql(default)]
    contact_name: String,
    /// The contact's e-mail address.
    #[graphql(default)]
    contact_email: String,
    /// The contact's telephone number.
    contact_phone: Option<String>,
}

impl From<AccreditationFormInput> for ApplicationForm {
    fn from(input: AccreditationFormInput) -> Self {
        Self {
            requested_category: input.requested_category.map(Into::into),
            supports_asean_purposes: input.supports_asean_purposes,
            non_profit: input.non_profit,
            existence_in_asean: input.existence_in_asean,
            membership: input.membership,
            funding: input.funding,
            registered_office: input.registered_office,
            contact_name: input.contact_name,
            contact_email: input.contact_email,
            contact_phone: input.contact_phone,
        }
    }
}

/// A new application. Answers may be left empty in a draft; all are required to submit.
#[derive(Debug, InputObject)]
pub struct CreateAccreditationApplicationInput {
    /// The applying entity, as read from `Organisation.id`; you must be its owner or admin.
    organisation_id: ID,
    /// What the application says.
    form: AccreditationFormInput,
}

/// New content for an application in `DRAFT` or `REVISION_REQUESTED`.
#[derive(Debug, InputObject)]
pub struct UpdateAccreditationApplicationInput {
    /// The application, as read from `AccreditationApplication.id`.
    application_id: ID,
    /// The `version` you read.
    version: i32,
    /// What the application now says, as a whole.
    form: AccreditationFormInput,
}

/// A step on an application.
#[derive(Debug, InputObject)]
pub struct AccreditationStepInput {
    /// The application, as read from `AccreditationApplication.id`.
    application_id: ID,
    /// The `version` you read.
    version: i32,
    /// A comment recorded in the history; required to request a revision (what to revise)
    /// and to record an endorsement (by whom).
    comment: Option<String>,
}

/// The CPR's decision on an application forwarded to it.
#[derive(Debug, InputObject)]
pub struct RecordAccreditationDecisionInput {
    /// The application, as read from `AccreditationApplication.id`.
    application_id: ID,
    /// The `version` you read.
    version: i32,
    /// What the CPR decided.
    decision: CprDecision,
    /// For an approval, the category accredited in; the requested one when left out.
    category: Option<EntityCategory>,
    /// The day the CPR decided.
    cpr_decision_date: Date,
    /// The date of the Secretary-General's letter; required unless deferred.
    letter_date: Option<Date>,
    /// The letter's reference; required unless deferred.
    letter_reference: Option<String>,
    /// A comment recorded in the history.
    comment: Option<String>,
}

/// What the accreditation mutations return.
#[derive(Debug, Default, SimpleObject)]
pub struct AccreditationApplicationPayload {
    /// The application as it now stands; null on failure.
    application: Option<AccreditationApplication>,
    /// What is wrong; empty on success, and then the step is recorded.
    user_errors: Vec<UserError>,
}

/// A change of an entity's accreditation status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::StatusAction")]
pub enum AccreditationStatusAction {
    /// Accredited, following the CPR's approval of its application.
    Accredit,
    /// Suspended by the Secretariat.
    Suspend,
    /// Reinstated after a suspension.
    Reinstate,
    /// Revoked: no longer accredited.
    Revoke,
}

/// What the Secretariat admin may do to an entity's accreditation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum EntityStatusAction {
    /// Suspend an accredited entity.
    Suspend,
    /// Reinstate a suspended entity.
    Reinstate,
    /// Revoke the accreditation of an accredited or suspended entity.
    Revoke,
}

impl From<EntityStatusAction> for model::StatusAction {
    fn from(action: EntityStatusAction) -> Self {
        match action {
            EntityStatusAction::Suspend => Self::Suspend,
            EntityStatusAction::Reinstate => Self::Reinstate,
            EntityStatusAction::Revoke => Self::Revoke,
        }
    }
}

/// A recorded change of an entity's accreditation status.
#[derive(Clone, Debug)]
pub struct AccreditationStatusChange(model::EntityStatusChange);

/// A recorded change of an entity's accreditation status: never edited.
#[Object]
impl AccreditationStatusChange {
    /// What was done.
    async fn action(&self) -> AccreditationStatusAction {
        self.0.action.into()
    }

    /// Who did it; null if you may not see that user.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .users
            .load_one(self.0.actor_id)
            .await?
            .map(User::new))
    }

    /// When.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The status before.
    async fn from_status(&self) -> AccreditationStatus {
        self.0.from_status.into()
    }

    /// The status after.
    async fn to_status(&self) -> AccreditationStatus {
        self.0.to_status.into()
    }

    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// `Entity.accreditationHistory`: null unless the actor is a member or works for the
/// Secretariat.
pub async fn status_history(
    ctx: &Context<'_>,
    organisation_id: i64,
) -> ApiResult<Option<Vec<AccreditationStatusChange>>> {
    let actor = ctx.data_unchecked::<Actor>();
    if !model::Standing::of(actor, organisation_id).may_read() {
        return Ok(None);
    }
    let loaders = ctx.data_unchecked::<Loaders>();
    let changes = loaders
        .accreditation_status_changes
        .load_one(organisation_id)
        .await?
        .unwrap_or_default();
    Ok(Some(
        changes.into_iter().map(AccreditationStatusChange).collect(),
    ))
}

/// Loads the accreditation status changes of organisations.
pub struct StatusChangeLoader(pub Database);

impl Loader<i64> for StatusChangeLoader {
    type Value = Vec<model::EntityStatusChange>;
    type Error = ApiError;

    async fn load(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<model::EntityStatusChange>>, ApiError> {
        Ok(model::status_changes(&self.0, ids).await?)
    }
}

/// A change of an entity's accreditation status.
#[derive(Debug, InputObject)]
pub struct ChangeAccreditationStatusInput {
    /// The entity, as read from `Organisation.id`.
    organisation_id: ID,
    /// What to do.
    action: EntityStatusAction,
    /// Why, recorded in the entity's accreditation history; required.
    reason: String,
}

/// What `changeAccreditationStatus` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct ChangeAccreditationStatusPayload {
    /// The entity as it now stands; null on failure.
    organisation: Option<Organisation>,
    /// What is wrong; empty on success, and then the change is recorded.
    user_errors: Vec<UserError>,
}

/// Accreditation on `Mutation`.
#[derive(Default)]
pub struct AccreditationMutation;

#[Object]
impl AccreditationMutation {
    /// Registers a new entity as an applicant for accreditation, with its first user as
    /// its owner: you when signed in, or else a new account created with it (`account`),
    /// signed in at once.
    async fn register_applicant(
        &self,
        ctx: &Context<'_>,
        input: RegisterApplicantInput,
    ) -> ApiResult<RegisterApplicantPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let keys = ctx.data_unchecked::<TokenKeys>();
        let account = input.account.map(|account| model::NewAccount {
            email: account.email,
            display_name: account.display_name,
            password: account.password,
        });
        let profile = NewProfile {
            kind: OrganisationKind::Entity,
            slug: input.slug,
            name: input.name,
            acronym: input.acronym,
            description: input.description,
            website: input.website,
            country: Some(input.country.into()),
            city: input.city,
            established_on: input.established_on.map(|date| date.0),
            category: Some(input.category.into()),
            accreditation_status: None,
            first_owner_email: None,
        };

        Ok(
            match model::register_applicant(db, keys, actor, profile, account).await? {
                Ok(registration) => RegisterApplicantPayload {
                    organisation: Some(registration.organisation.into()),
                    expires_at: registration.token.as_ref().map(|t| DateTime(t.expires_at)),
                    token: registration.token.map(|t| t.token),
                    user_errors: Vec::new(),
                },
                Err(problem) => RegisterApplicantPayload {
                    user_errors: vec![field_error(problem)],
                    ..RegisterApplicantPayload::default()
                },
            },
        )
    }

    /// Opens a draft application for an entity you are an owner or admin of, with its
    /// correspondence thread with the Secretariat. One open application per entity.
    async fn create_accreditation_application(
        &self,
        ctx: &Context<'_>,
        input: CreateAccreditationApplicationInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let feed = ctx.data_unchecked::<ConversationFeed>();
        let organisation_id = match NodeId::decode(&input.organisation_id)? {
            NodeId::Organisation(id) => id,
            _ => return Err(not_a("organisationId", "an organisation")),
        };

        let form = input.form.into();
        payload(
            ctx,
            model::create_application(db, feed, actor, organisation_id, &form).await,
        )
        .await
    }

    /// Replaces what an application in `DRAFT` or `REVISION_REQUESTED` says. For its
    /// entity's owners and admins.
    async fn update_accreditation_application(
        &self,
        ctx: &Context<'_>,
        input: UpdateAccreditationApplicationInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let id = application_id(&input.application_id)?;

        let form = input.form.into();
        let version = i64::from(input.version);
        payload(
            ctx,
            model::edit_application(db, actor, id, version, &form).await,
        )
        .await
    }

    /// Submits a draft (to `SUBMITTED`) or a revision (back to `UNDER_REVIEW`). For the
    /// entity's owners and admins; every criterion and the contact must be answered.
    async fn submit_accreditation_application(
        &self,
        ctx: &Context<'_>,
        input: AccreditationStepInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        step(ctx, input, Action::Submit).await
    }

    /// Takes a submitted application into review. For Secretariat officers and admins.
    async fn take_accreditation_application_into_review(
        &self,
        ctx: &Context<'_>,
        input: AccreditationStepInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        step(ctx, input, Action::TakeIntoReview).await
    }

    /// Asks the applicant to revise an application under review; `comment` says what, and
    /// is also sent into the application's thread on behalf of the Secretariat. For
    /// Secretariat officers and admins.
    async fn request_accreditation_revision(
        &self,
        ctx: &Context<'_>,
        input: AccreditationStepInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        step(ctx, input, Action::RequestRevision).await
    }

    /// Records an endorsement by a sectoral body or a Member State; `comment` says whose.
    /// For Secretariat officers and admins, on an open application past its draft.
    async fn record_accreditation_endorsement(
        &self,
        ctx: &Context<'_>,
        input: AccreditationStepInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        step(ctx, input, Action::RecordEndorsement).await
    }

    /// Forwards an application under review, or deferred, to the CPR. For Secretariat
    /// admins.
    async fn forward_accreditation_application_to_cpr(
        &self,
        ctx: &Context<'_>,
        input: AccreditationStepInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        step(ctx, input, Action::ForwardToCpr).await
    }

    /// Withdraws an open application. For the entity's owners and admins.
    async fn withdraw_accreditation_application(
        &self,
        ctx: &Context<'_>,
        input: AccreditationStepInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        step(ctx, input, Action::Withdraw).await
    }

    /// Suspends, reinstates or revokes an entity's accreditation, with a reason recorded in
    /// its accreditation history. For Secretariat admins.
    async fn change_accreditation_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeAccreditationStatusInput,
    ) -> ApiResult<ChangeAccreditationStatusPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let organisation_id = match NodeId::decode(&input.organisation_id)? {
            NodeId::Organisation(id) => id,
            _ => return Err(not_a("organisationId", "an organisation")),
        };

        let action = input.action.into();
        let outcome =
            model::change_entity_status(db, actor, organisation_id, action, &input.reason).await?;
        Ok(match outcome {
            Ok(organisation) => ChangeAccreditationStatusPayload {
                organisation: Some(organisation.into()),
                user_errors: Vec::new(),
            },
            Err(problem) => ChangeAccreditationStatusPayload {
                organisation: None,
                user_errors: vec![status_error(problem)],
            },
        })
    }

    /// Records the CPR's decision on an application forwarded to it, with the
    /// Secretary-General's letter. An approval accredits the entity in the decided category
    /// from the day of the decision. For Secretariat admins.
    async fn record_accreditation_decision(
        &self,
        ctx: &Context<'_>,
        input: RecordAccreditationDecisionInput,
    ) -> ApiResult<AccreditationApplicationPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let id = application_id(&input.application_id)?;
        let decision = DecisionRequest {
            outcome: input.decision.into(),
            category: input.category.map(Into::into),
            cpr_decision_date: input.cpr_decision_date.0,
            letter_date: input.letter_date.map(|date| date.0),
            letter_reference: input.letter_reference,
        };

        let version = i64::from(input.version);
        let comment = input.comment.as_deref();
        payload(
            ctx,
            model::record_decision(db, actor, id, version, comment, &decision).await,
        )
        .await
    }
}

async fn step(
    ctx: &Context<'_>,
    input: AccreditationStepInput,
    action: Action,
) -> ApiResult<AccreditationApplicationPayload> {
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();
    let feed = ctx.data_unchecked::<ConversationFeed>();
    let id = application_id(&input.application_id)?;
    let request = StepRequest {
        version: i64::from(input.version),
        comment: input.comment,
    };

    payload(
        ctx,
        model::take_step(db, feed, actor, id, action, &request).await,
    )
    .await
}

fn application_id(id: &ID) -> ApiResult<i64> {
    match NodeId::decode(id)? {
        NodeId::AccreditationApplication(id) => Ok(id),
        _ => Err(not_a("applicationId", "an accreditation application")),
    }
}

fn not_a(argument: &str, what: &str) -> ApiError {
    ApiError::BadUserInput(format!("`{argument}` is not {what}"))
}

/// The payload of a step, once its change went out on the live feed.
async fn payload(
    ctx: &Context<'_>,
    outcome: StepOutcome,
) -> ApiResult<AccreditationApplicationPayload> {
    if matches!(outcome, Ok(Ok(_))) {
        ctx.data_unchecked::<AccreditationFeed>()
            .dispatch_after_commit()
            .await;
    }
    Ok(match outcome? {
        Ok(application) => AccreditationApplicationPayload {
            application: Some(AccreditationApplication(application)),
            user_errors: Vec::new(),
        },
        Err(problem) => AccreditationApplicationPayload {
            application: None,
            user_errors: vec![user_error(problem)],
        },
    })
}

fn status_error(problem: model::StatusProblem) -> UserError {
    match problem {
        model::StatusProblem::Field(problem) => field_error(problem),
        model::StatusProblem::WrongStatus(status) => UserError::on_input(
            "action",
            UserErrorCode::WrongStatus,
            &format!(
                "does not apply to an entity that is {}",
                status.as_str().to_lowercase()
            ),
        ),
        model::StatusProblem::Conflict => UserError::on_input(
            "organisationId",
            UserErrorCode::Conflict,
            "changed status meanwhile; read it again",
        ),
    }
}

fn user_error(problem: StepProblem) -> UserError {
    match problem {
        StepProblem::Field(problem) => field_error(problem),
        StepProblem::WrongStatus(status) => UserError::on_input(
            "applicationId",
            UserErrorCode::WrongStatus,
            &format!(
                "is {} and does not allow this step",
                status.as_str().to_lowercase().replace('_', " ")
            ),
        ),
        StepProblem::Conflict => UserError::on_input(
            "version",
            UserErrorCode::Conflict,
            "is not the application's current version: someone changed it meanwhile; read \
             it again",
        ),
        StepProblem::DocumentNotSatisfactory(kind) => UserError::on_input(
            "applicationId",
            UserErrorCode::DocumentsNotSatisfactory,
            &format!(
                "cannot go to the CPR: its {} document is missing or not yet found \
                 satisfactory",
                kind.as_str()
            ),
        ),
        StepProblem::AlreadyOpen => UserError::on_input(
            "organisationId",
            UserErrorCode::Taken,
            "already has an open application for accreditation",
        ),
    }
}
