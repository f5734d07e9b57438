//! Annual reports in the graph: `AnnualReport` and its documents, `Entity.annualReports`,
//! the Secretariat's `annualReports(year:)`, and the mutations that upload, submit and
//! acknowledge.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};

use super::accreditation_document::{read_upload, upload_error};
use super::connection::{Connection, TotalCount};
use super::directory_management::field_error;
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::Organisation;
use super::scalars::{Date, DateTime};
use super::user::User;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::accreditation::Standing;
use crate::domain::annual_reports::{
    self as model, ReportOutcome, ReportProblem, ReportRecord, ReportSchedule, YearQuery,
};
use crate::domain::organisation::OrganisationProfile;
use crate::domain::pagination::PageArgs;
use crate::domain::user::Actor;

/// Where an annual report stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::ReportStatus")]
pub enum AnnualReportStatus {
    /// Owed and not submitted, and the grace period after its due date has not passed.
    Due,
    /// Submitted by the entity, not yet acknowledged by the Secretariat.
    Submitted,
    /// Received by the Secretariat.
    Acknowledged,
    /// Owed and not submitted, with the grace period after its due date passed.
    Overdue,
}

/// The documents of an annual report; both are required to submit it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::ReportDocumentKind")]
pub enum AnnualReportDocumentKind {
    /// A summary of the year's activities.
    ActivitySummary,
    /// The financial statement of the year.
    FinancialStatement,
}

/// An accredited entity's report to the CPR, through the Secretariat, on one calendar year.
#[derive(Clone, Debug)]
pub struct AnnualReport(pub model::AnnualReport);

/// An accredited entity's annual report to the CPR, sent through the Secretariat: a summary
/// of the year's activities and its financial statement. Only the entity's members and the
/// Secretariat see it.
#[Object]
impl AnnualReport {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::AnnualReport(self.0.organisation_id, self.0.year).encode()
    }

    /// The entity that reports.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let organisation = loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        Ok(organisation.map(Organisation::from))
    }

    /// The calendar year it covers.
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// Where it stands.
    async fn status(&self) -> AnnualReportStatus {
        self.0.status.into()
    }

    /// The day it is due.
    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }

    /// The last day of grace: a report not submitted by the end of it is overdue.
    async fn overdue_after(&self) -> Date {
        Date(self.0.overdue_after)
    }

    /// When it was submitted.
    async fn submitted_at(&self) -> Option<DateTime> {
        self.record()
            .and_then(|record| record.submitted_at)
            .map(DateTime)
    }

    /// Who submitted it; null if not submitted, or if you may not see that user.
    async fn submitted_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.record().and_then(|record| record.submitted_by)).await
    }

    /// When the Secretariat acknowledged it.
    async fn acknowledged_at(&self) -> Option<DateTime> {
        self.record()
            .and_then(|record| record.acknowledged_at)
            .map(DateTime)
    }

    /// Who acknowledged it; null if not acknowledged, or if you may not see that user.
    async fn acknowledged_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.record().and_then(|record| record.acknowledged_by)).await
    }

    /// The Secretariat's note with its acknowledgement.
    async fn acknowledgement_note(&self) -> Option<&str> {
        self.record()
            .and_then(|record| record.acknowledgement_note.as_deref())
    }

    /// Its documents, oldest first: only the current one of each kind unless
    /// `includeReplaced`.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = false,
            desc = "Also the uploads that newer ones of their kind replaced."
        )]
        include_replaced: bool,
    ) -> ApiResult<Vec<AnnualReportDocument>> {
        let Some(record) = self.record() else {
            return Ok(Vec::new());
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        let documents = loaders
            .annual_report_documents
            .load_one(record.id)
            .await?
            .unwrap_or_default();
        Ok(documents
            .into_iter()
            .filter(|document| include_replaced || document.replaced_at.is_none())
            .map(AnnualReportDocument)
            .collect())
    }
}

impl AnnualReport {
    fn record(&self) -> Option<&ReportRecord> {
        self.0.record.as_ref()
    }
}

async fn user(ctx: &Context<'_>, id: Option<i64>) -> ApiResult<Option<User>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let loaders = ctx.data_unchecked::<Loaders>();
    Ok(loaders.users.load_one(id).await?.map(User::new))
}

/// A document of an annual report.
#[derive(Clone, Debug)]
pub struct AnnualReportDocument(pub model::ReportDocument);

/// A document of an annual report. Only the entity's members and the Secretariat see it.
#[Object]
impl AnnualReportDocument {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::AnnualReportDocument(self.0.id).encode()
    }

    /// What it is.
    async fn kind(&self) -> AnnualReportDocumentKind {
        self.0.kind.into()
    }

    /// The file's name, as uploaded (its last path component).
    async fn filename(&self) -> &str {
        &self.0.filename
    }

    /// Its media type, read from its content rather than taken from the upload.
    async fn media_type(&self) -> &str {
        &self.0.media_type
    }

    /// Its size in bytes (uploads are limited to far less than 2 GiB).
    async fn byte_size(&self) -> i32 {
        i32::try_from(self.0.byte_size).unwrap_or(i32::MAX)
    }

    /// The SHA-256 of its bytes, in hexadecimal.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// Who uploaded it; null if you may not see that user.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, Some(self.0.uploaded_by)).await
    }

    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime {
        DateTime(self.0.uploaded_at)
    }

    /// When a newer upload of its kind replaced it; null while it is current.
    async fn replaced_at(&self) -> Option<DateTime> {
        self.0.replaced_at.map(DateTime)
    }

    /// Where to download it: `GET` with the same `Authorization` header as for `/graphql`.
    async fn download_path(&self) -> String {
        format!(
            "/documents/{}",
            NodeId::AnnualReportDocument(self.0.id).encode().0
        )
    }
}

/// `Entity.annualReports`: null unless the actor is a member or works for the Secretariat.
pub async fn of_entity(
    ctx: &Context<'_>,
    organisation_id: i64,
    profile: &OrganisationProfile,
) -> ApiResult<Option<Vec<AnnualReport>>> {
    let actor = ctx.data_unchecked::<Actor>();
    if !Standing::of(actor, organisation_id).may_read() {
        return Ok(None);
    }
    let loaders = ctx.data_unchecked::<Loaders>();
    let schedule = *ctx.data_unchecked::<ReportSchedule>();
    let records = loaders
        .annual_report_records
        .load_one(organisation_id)
        .await?
        .unwrap_or_default();
    Ok(Some(
        model::reports_of(schedule, organisation_id, profile, records)
            .into_iter()
            .map(AnnualReport)
            .collect(),
    ))
}

/// Loads the report records of organisations whose reports the actor may read.
pub struct ReportRecordLoader(pub Database);

impl Loader<i64> for ReportRecordLoader {
    type Value = Vec<(i32, ReportRecord)>;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<(i32, ReportRecord)>>, ApiError> {
        Ok(model::records_of(&self.0, ids).await?)
    }
}

/// Loads the documents of reports already read, by report record.
pub struct ReportDocumentLoader(pub Database);

impl Loader<i64> for ReportDocumentLoader {
    type Value = Vec<model::ReportDocument>;
    type Error = ApiError;

    async fn load(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<model::ReportDocument>>, ApiError> {
        Ok(model::documents_of(&self.0, ids).await?)
    }
}

/// Loads the report documents the request's actor may read, by id.
pub struct ReportDocumentByIdLoader(pub Database, pub Actor);

impl Loader<i64> for ReportDocumentByIdLoader {
    type Value = model::ReportDocument;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, model::ReportDocument>, ApiError> {
        Ok(model::documents_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Annual reports on `Query`.
#[derive(Default)]
pub struct AnnualReportQuery;

#[Object]
impl AnnualReportQuery {
    /// The reports of one year that has ended, one per entity that owes it or sent it, by
    /// entity in the order they joined the platform. Only for the Secretariat's officers
    /// and admins.
    #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus year and statuses"
    )]
    async fn annual_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year the reports cover; one that has ended.")] year: i32,
        #[graphql(desc = "Only reports in these statuses; all when left out.")] statuses: Option<
            Vec<AnnualReportStatus>,
        >,
        #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the report with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
        last: Option<i32>,
        #[graphql(desc = "End before the report with this cursor.")] before: Option<String>,
    ) -> ApiResult<Connection<AnnualReport>> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let schedule = *ctx.data_unchecked::<ReportSchedule>();
        let query = YearQuery {
            year,
            statuses: statuses.map(|statuses| statuses.into_iter().map(Into::into).collect()),
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };

        let page = model::year_page(db, schedule, actor, &query, &args).await?;
        Ok(Connection::new(
            page,
            TotalCount::AnnualReports(query),
            AnnualReport,
        ))
    }
}

/// A document to add to an annual report, sent as a GraphQL multipart request.
#[derive(InputObject)]
pub struct AttachAnnualReportDocumentInput {
    /// The report, as read from `AnnualReport.id`.
    report_id: ID,
    /// What the document is. It replaces the current document of that kind.
    kind: AnnualReportDocumentKind,
    /// The file: PDF, PNG, JPEG, GIF, WebP or an office document (Word, Excel, PowerPoint).
    file: Upload,
}

/// A report to submit.
#[derive(Debug, InputObject)]
pub struct SubmitAnnualReportInput {
    /// The report, as read from `AnnualReport.id`.
    report_id: ID,
}

/// A report to acknowledge.
#[derive(Debug, InputObject)]
pub struct AcknowledgeAnnualReportInput {
    /// The report, as read from `AnnualReport.id`.
    report_id: ID,
    /// A note for the entity, kept with the acknowledgement.
    note: Option<String>,
}

/// What `attachAnnualReportDocument` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct AnnualReportDocumentPayload {
    /// The document as stored; null on failure.
    document: Option<AnnualReportDocument>,
    /// What is wrong; empty on success, and then it is stored.
    user_errors: Vec<UserError>,
}

/// What `submitAnnualReport` and `acknowledgeAnnualReport` return.
#[derive(Debug, Default, SimpleObject)]
pub struct AnnualReportPayload {
    /// The report as it now stands; null on failure.
    report: Option<AnnualReport>,
    /// What is wrong; empty on success, and then the change is recorded.
    user_errors: Vec<UserError>,
}

/// Annual reports on `Mutation`.
#[derive(Default)]
pub struct AnnualReportMutation;

#[Object]
impl AnnualReportMutation {
    /// Adds a document to a report that is due or overdue, for the entity's owners and
    /// admins. Send it as a GraphQL multipart request (at most `HUB_MAX_UPLOAD_BYTES`, 20 MiB
    /// by default, with an `Authorization` header).
    async fn attach_annual_report_document(
        &self,
        ctx: &Context<'_>,
        input: AttachAnnualReportDocumentInput,
    ) -> ApiResult<AnnualReportDocumentPayload> {
        let (db, actor, schedule) = parts(ctx);
        let key = report_key(&input.report_id)?;
        let (filename, bytes) = read_upload(ctx, &input.file)?;

        let kind = input.kind.into();
        let outcome = model::attach(db, schedule, actor, key, kind, &filename, bytes).await?;
        Ok(match outcome {
            Ok(document) => AnnualReportDocumentPayload {
                document: Some(AnnualReportDocument(document)),
                user_errors: Vec::new(),
            },
            Err(problem) => AnnualReportDocumentPayload {
                document: None,
                user_errors: vec![user_error(problem)],
            },
        })
    }

    /// Submits a report that is due or overdue once both its documents are uploaded, for
    /// the entity's owners and admins. It can no longer change afterwards.
    async fn submit_annual_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitAnnualReportInput,
    ) -> ApiResult<AnnualReportPayload> {
        let (db, actor, schedule) = parts(ctx);
        let key = report_key(&input.report_id)?;
        payload(model::submit(db, schedule, actor, key).await)
    }

    /// Records that the Secretariat received a submitted report. For the Secretariat's
    /// officers and admins.
    async fn acknowledge_annual_report(
        &self,
        ctx: &Context<'_>,
        input: AcknowledgeAnnualReportInput,
    ) -> ApiResult<AnnualReportPayload> {
        let (db, actor, schedule) = parts(ctx);
        let key = report_key(&input.report_id)?;
        let note = input.note.as_deref();
        payload(model::acknowledge(db, schedule, actor, key, note).await)
    }
}

fn parts<'a>(ctx: &Context<'a>) -> (&'a Database, &'a Actor, ReportSchedule) {
    (
        ctx.data_unchecked::<Database>(),
        ctx.data_unchecked::<Actor>(),
        *ctx.data_unchecked::<ReportSchedule>(),
    )
}

fn report_key(id: &ID) -> ApiResult<(i64, i32)> {
    match NodeId::decode(id)? {
        NodeId::AnnualReport(organisation_id, year) => Ok((organisation_id, year)),
        _ => Err(ApiError::BadUserInput(
            "`reportId` is not an annual report".into(),
        )),
    }
}

fn payload(outcome: ReportOutcome<model::AnnualReport>) -> ApiResult<AnnualReportPayload> {
    Ok(match outcome? {
        Ok(report) => AnnualReportPayload {
            report: Some(AnnualReport(report)),
            user_errors: Vec::new(),
        },
        Err(problem) => AnnualReportPayload {
            report: None,
            user_errors: vec![user_error(problem)],
        },
    })
}

fn user_error(problem: ReportProblem) -> UserError {
    match problem {
        ReportProblem::Field(problem) => field_error(problem),
        ReportProblem::Upload(problem) => upload_error(problem),
        ReportProblem::WrongStatus(status) => UserError::on_input(
            "reportId",
            UserErrorCode::WrongStatus,
            &format!(
                "is {} and does not take this now",
                status.as_str().to_lowercase()
            ),
        ),
        ReportProblem::NotReporting => UserError::on_input(
            "reportId",
            UserErrorCode::WrongStatus,
            "belongs to an entity that is no longer accredited",
        ),
        ReportProblem::Missing(kinds) => UserError::on_input(
            "reportId",
            UserErrorCode::DocumentsMissing,
            &format!(
                "cannot be submitted without its {} document",
                kinds
                    .iter()
                    .map(|kind| kind.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ),
    }
}
