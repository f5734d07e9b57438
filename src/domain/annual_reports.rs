//! Annual reports: every accredited entity sends the CPR, through the Secretariat, a summary
//! of its activities and a financial statement for each calendar year.
//!
//! A report for a year is owed by an entity that is accredited or suspended, from the first
//! full year after its accreditation to the last year that has ended. It is due on a day of
//! the following year ([`ReportSchedule`], 31 March by default) and overdue once a grace
//! period after that day has passed (30 days by default). Only what people did is stored:
//! a report's row appears with its first upload, and `SUBMITTED` and `ACKNOWLEDGED` are
//! times on it. `DUE` and `OVERDUE` follow from the date.
//!
//! The entity's owners and admins upload the documents and submit; the Secretariat's
//! officers and admins acknowledge. The entity's members and the Secretariat read the
//! reports; nobody else knows they exist.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc};

use super::accreditation::Standing;
use super::documents::{Download, UploadProblem, check_upload};
use super::organisation::{AccreditationStatus, OrganisationProfile};
use super::pagination::{Page, PageArgs, encode_id_cursor};
use super::text_enum::text_enum;
use super::user::{Actor, PlatformRole};
use super::validation::{FieldProblem, optional_text};
use super::{DomainError, directory};
use crate::db::annual_reports::{
    self as queries, NewReportDocument, ReportDocumentRow, ReportRow, Submission, YearFilter,
};
use crate::db::{self, Database};

const MAX_NOTE_LENGTH: usize = 5_000;
/// The first year a report can be for: ASEAN was founded in 1967.
const FIRST_YEAR: i32 = 1967;

/// When reports fall due: on a day of the year after the one they cover, and how long
/// after that day they become overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportSchedule {
    pub due_month: u32,
    pub due_day: u32,
    pub grace_days: u32,
}

impl Default for ReportSchedule {
    fn default() -> Self {
        Self {
            due_month: 3,
            due_day: 31,
            grace_days: 30,
        }
    }
}

impl ReportSchedule {
    /// A schedule due on `due` (`MM-DD`, a day every year has) plus `grace_days`.
    pub fn parse(due: &str, grace_days: u32) -> Result<Self, String> {
        let problem = || format!("`{due}` is not a day of the year as MM-DD, such as 03-31");
        let (month, day) = due.split_once('-').ok_or_else(problem)?;
        let (due_month, due_day) = (
            month.parse().map_err(|_| problem())?,
            day.parse().map_err(|_| problem())?,
        );
        // 2001 is not a leap year: 29 February is refused, as most years lack it.
        NaiveDate::from_ymd_opt(2001, due_month, due_day).ok_or_else(problem)?;
        Ok(Self {
            due_month,
            due_day,
            grace_days,
        })
    }

    /// The day the report for `year` is due.
    pub fn due_on(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year + 1, self.due_month, self.due_day).unwrap_or(NaiveDate::MAX)
    }

    /// The last day of grace for the report for `year`: after it, the report is overdue.
    pub fn overdue_after(self, year: i32) -> NaiveDate {
        self.due_on(year) + TimeDelta::days(i64::from(self.grace_days))
    }

    /// What an unsubmitted report for `year` is on `today`.
    fn unsubmitted_status(self, year: i32, today: NaiveDate) -> ReportStatus {
        if today > self.overdue_after(year) {
            ReportStatus::Overdue
        } else {
            ReportStatus::Due
        }
    }
}

text_enum! {
    /// Where an annual report stands.
    pub enum ReportStatus {
        Due => "DUE",
        Submitted => "SUBMITTED",
        Acknowledged => "ACKNOWLEDGED",
        Overdue => "OVERDUE",
    }
}

text_enum! {
    /// The documents of an annual report; both are required.
    pub enum ReportDocumentKind {
        ActivitySummary => "ACTIVITY_SUMMARY",
        FinancialStatement => "FINANCIAL_STATEMENT",
    }
}

/// One entity's report for one year.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnualReport {
    pub organisation_id: i64,
    pub year: i32,
    pub status: ReportStatus,
    pub due_on: NaiveDate,
    pub overdue_after: NaiveDate,
    /// What was done on it; `None` until its first upload.
    pub record: Option<ReportRecord>,
}

/// What was done on a report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRecord {
    pub id: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<i64>,
    pub acknowledgement_note: Option<String>,
}

impl From<ReportRow> for ReportRecord {
    fn from(row: ReportRow) -> Self {
        Self {
            id: row.id,
            submitted_at: row.submitted_at.map(|at| at.and_utc()),
            submitted_by: row.submitted_by,
            acknowledged_at: row.acknowledged_at.map(|at| at.and_utc()),
            acknowledged_by: row.acknowledged_by,
            acknowledgement_note: row.acknowledgement_note,
        }
    }
}

impl AnnualReport {
    fn new(
        schedule: ReportSchedule,
        today: NaiveDate,
        (organisation_id, year): (i64, i32),
        record: Option<ReportRecord>,
    ) -> Self {
        let status = match &record {
            Some(record) if record.acknowledged_at.is_some() => ReportStatus::Acknowledged,
            Some(record) if record.submitted_at.is_some() => ReportStatus::Submitted,
            _ => schedule.unsubmitted_status(year, today),
        };
        Self {
            organisation_id,
            year,
            status,
            due_on: schedule.due_on(year),
            overdue_after: schedule.overdue_after(year),
            record,
        }
    }

    /// Whether the entity may still upload to it and submit it.
    fn is_open(&self) -> bool {
        matches!(self.status, ReportStatus::Due | ReportStatus::Overdue)
    }
}

/// A document of an annual report, without its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportDocument {
    pub id: i64,
    pub report_id: i64,
    pub kind: ReportDocumentKind,
    pub filename: String,
    pub media_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: DateTime<Utc>,
    /// When a newer upload of its kind replaced it; null while it is current.
    pub replaced_at: Option<DateTime<Utc>>,
}

impl TryFrom<ReportDocumentRow> for ReportDocument {
    type Error = DomainError;

    fn try_from(row: ReportDocumentRow) -> Result<Self, DomainError> {
        let kind = ReportDocumentKind::parse(&row.kind).ok_or_else(|| {
            DomainError::Internal(format!("report document {} is corrupt", row.id))
        })?;
        Ok(Self {
            id: row.id,
            report_id: row.report_id,
            kind,
            filename: row.filename,
            media_type: row.media_type,
            byte_size: row.byte_size,
            sha256: row.sha256,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at.and_utc(),
            replaced_at: row.replaced_at.map(|at| at.and_utc()),
        })
    }
}

/// Why a report could not be changed, when the user can do something about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportProblem {
    Field(FieldProblem),
    Upload(UploadProblem),
    /// The report's status does not allow this now.
    WrongStatus(ReportStatus),
    /// The entity is no longer accredited, so it reports no more.
    NotReporting,
    /// These documents are missing.
    Missing(Vec<ReportDocumentKind>),
}

/// The outcome of a change: its result, or what the user must fix.
pub type ReportOutcome<T> = Result<Result<T, ReportProblem>, DomainError>;

/// The years an entity owes reports for on `today`; empty unless it is accredited or
/// suspended.
fn owed_years(profile: &OrganisationProfile, today: NaiveDate) -> RangeInclusive<i32> {
    match profile {
        OrganisationProfile::Entity {
            accreditation_status: AccreditationStatus::Accredited | AccreditationStatus::Suspended,
            accredited_on: Some(accredited_on),
            ..
        } => (accredited_on.year() + 1)..=(today.year() - 1),
        #[expect(clippy::reversed_empty_ranges, reason = "an empty range of years")]
        _ => 1..=0,
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// An entity's reports, newest year first: one for every year it owes, and those it sent
/// before it stopped owing them.
pub fn reports_of(
    schedule: ReportSchedule,
    organisation_id: i64,
    profile: &OrganisationProfile,
    records: Vec<(i32, ReportRecord)>,
) -> Vec<AnnualReport> {
    let today = today();
    let mut records: HashMap<i32, ReportRecord> = records.into_iter().collect();
    let mut years: Vec<i32> = owed_years(profile, today).collect();
    years.extend(records.keys().copied());
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    years
        .into_iter()
        .map(|year| {
            let record = records.remove(&year);
            AnnualReport::new(schedule, today, (organisation_id, year), record)
        })
        .collect()
}

/// The records of these organisations' reports, by organisation, with their years. The
/// caller has checked that the actor may read them.
pub async fn records_of(
    db: &Database,
    organisation_ids: &[i64],
) -> Result<HashMap<i64, Vec<(i32, ReportRecord)>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::of_organisations(&mut conn, organisation_ids).await?;

    let mut records: HashMap<i64, Vec<(i32, ReportRecord)>> = HashMap::new();
    for row in rows {
        records
            .entry(row.organisation_id)
            .or_default()
            .push((row.year, ReportRecord::from(row)));
    }
    Ok(records)
}

/// The reports with these keys (organisation, year) that exist and that the actor may
/// read.
pub async fn reports_by_keys(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    keys: &[(i64, i32)],
) -> Result<HashMap<(i64, i32), AnnualReport>, DomainError> {
    let mut organisation_ids: Vec<i64> = keys
        .iter()
        .map(|(organisation_id, _)| *organisation_id)
        .filter(|organisation_id| Standing::of(actor, *organisation_id).may_read())
        .collect();
    organisation_ids.sort_unstable();
    organisation_ids.dedup();
    if organisation_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let organisations = directory::organisations_by_ids(db, &organisation_ids).await?;
    let mut records = records_of(db, &organisation_ids).await?;

    let mut reports = HashMap::new();
    for (organisation_id, organisation) in organisations {
        let records = records.remove(&organisation_id).unwrap_or_default();
        for report in reports_of(schedule, organisation_id, &organisation.profile, records) {
            let key = (organisation_id, report.year);
            if keys.contains(&key) {
                reports.insert(key, report);
            }
        }
    }
    Ok(reports)
}

/// A report the actor may read, and whether its entity still reports.
async fn readable_report(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    (organisation_id, year): (i64, i32),
) -> Result<(AnnualReport, bool), DomainError> {
    if !Standing::of(actor, organisation_id).may_read() {
        return Err(DomainError::NotFound);
    }
    let organisation = directory::organisations_by_ids(db, &[organisation_id])
        .await?
        .remove(&organisation_id)
        .ok_or(DomainError::NotFound)?;
    let records = records_of(db, &[organisation_id])
        .await?
        .remove(&organisation_id)
        .unwrap_or_default();
    let report = reports_of(schedule, organisation_id, &organisation.profile, records)
        .into_iter()
        .find(|report| report.year == year)
        .ok_or(DomainError::NotFound)?;
    let reporting = !owed_years(&organisation.profile, today()).is_empty();
    Ok((report, reporting))
}

/// A report its entity's owners and admins may change now, or why not.
async fn open_report(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    key: (i64, i32),
) -> Result<Result<AnnualReport, ReportProblem>, DomainError> {
    let (report, reporting) = readable_report(db, schedule, actor, key).await?;
    if Standing::of(actor, key.0) != Standing::Applicant {
        return Err(DomainError::Forbidden);
    }
    if !report.is_open() {
        return Ok(Err(ReportProblem::WrongStatus(report.status)));
    }
    if !reporting {
        return Ok(Err(ReportProblem::NotReporting));
    }
    Ok(Ok(report))
}

/// Stores a document of a report that is due or overdue, for the entity's owners and
/// admins. A new upload of a kind replaces the current one; the old one is kept.
pub async fn attach(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    key: (i64, i32),
    kind: ReportDocumentKind,
    filename: &str,
    bytes: Vec<u8>,
) -> ReportOutcome<ReportDocument> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    if let Err(problem) = open_report(db, schedule, actor, key).await? {
        return Ok(Err(problem));
    }
    let file = match check_upload(filename, bytes).await? {
        Ok(file) => file,
        Err(problem) => return Ok(Err(ReportProblem::Upload(problem))),
    };

    let document = NewReportDocument {
        // Set by the query, once the report is found or started.
        report_id: 0,
        kind: kind.as_str(),
        filename: &file.filename,
        media_type: file.media_type,
        byte_size: file.byte_size(),
        sha256: &file.sha256,
        uploaded_by: user.id,
        uploaded_at: db::now(),
    };
    let mut conn = db.conn().await?;
    match queries::attach(&mut conn, key, document, &file.bytes).await? {
        Some(row) => Ok(Ok(ReportDocument::try_from(row)?)),
        None => Ok(Err(ReportProblem::WrongStatus(ReportStatus::Submitted))),
    }
}

/// Submits a report once both its documents are uploaded, for the entity's owners and
/// admins.
pub async fn submit(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    key: (i64, i32),
) -> ReportOutcome<AnnualReport> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let report = match open_report(db, schedule, actor, key).await? {
        Ok(report) => report,
        Err(problem) => return Ok(Err(problem)),
    };
    let Some(record) = report.record else {
        return Ok(Err(ReportProblem::Missing(
            ReportDocumentKind::ALL.to_vec(),
        )));
    };

    let required: Vec<&str> = ReportDocumentKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect();
    let mut conn = db.conn().await?;
    match queries::submit(&mut conn, record.id, &required, user.id, db::now()).await? {
        Submission::Submitted(row) => Ok(Ok(AnnualReport::new(
            schedule,
            today(),
            key,
            Some(row.into()),
        ))),
        Submission::NotOpen => Ok(Err(ReportProblem::WrongStatus(ReportStatus::Submitted))),
        Submission::Missing(kinds) => Ok(Err(ReportProblem::Missing(
            kinds
                .iter()
                .filter_map(|kind| ReportDocumentKind::parse(kind))
                .collect(),
        ))),
    }
}

/// Records that the Secretariat received a submitted report, with an optional note. For
/// the Secretariat's officers and admins.
pub async fn acknowledge(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    key: (i64, i32),
    note: Option<&str>,
) -> ReportOutcome<AnnualReport> {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let (report, _) = readable_report(db, schedule, actor, key).await?;
    if !matches!(
        Standing::of(actor, key.0),
        Standing::SecretariatOfficer | Standing::SecretariatAdmin
    ) {
        return Err(DomainError::Forbidden);
    }
    let note = match optional_text("note", note, MAX_NOTE_LENGTH) {
        Ok(note) => note,
        Err(problem) => return Ok(Err(ReportProblem::Field(problem))),
    };
    let (ReportStatus::Submitted, Some(record)) = (report.status, &report.record) else {
        return Ok(Err(ReportProblem::WrongStatus(report.status)));
    };

    let mut conn = db.conn().await?;
    let row =
        queries::acknowledge(&mut conn, record.id, note.as_deref(), user.id, db::now()).await?;
    match row {
        Some(row) => Ok(Ok(AnnualReport::new(
            schedule,
            today(),
            key,
            Some(row.into()),
        ))),
        // Another officer was quicker.
        None => Ok(Err(ReportProblem::WrongStatus(ReportStatus::Acknowledged))),
    }
}

/// The Secretariat's view of one year's reports: which of them to list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearQuery {
    pub year: i32,
    /// Only reports in these statuses; all when `None`.
    pub statuses: Option<Vec<ReportStatus>>,
}

impl YearQuery {
    /// The filter for the database; `None` when no report can match.
    fn filter(
        &self,
        schedule: ReportSchedule,
        actor: &Actor,
    ) -> Result<Option<YearFilter>, DomainError> {
        if !matches!(
            actor.platform_role(),
            Some(PlatformRole::SecretariatOfficer | PlatformRole::SecretariatAdmin)
        ) {
            return Err(DomainError::Forbidden);
        }
        let today = today();
        if !(FIRST_YEAR..today.year()).contains(&self.year) {
            return Err(DomainError::invalid(format!(
                "`year` must be a year that has ended, from {FIRST_YEAR} to {}",
                today.year() - 1
            )));
        }
        let Some(statuses) = &self.statuses else {
            return Ok(Some(YearFilter {
                year: self.year,
                not_submitted: true,
                submitted: true,
                acknowledged: true,
            }));
        };
        let filter = YearFilter {
            year: self.year,
            not_submitted: statuses.contains(&schedule.unsubmitted_status(self.year, today)),
            submitted: statuses.contains(&ReportStatus::Submitted),
            acknowledged: statuses.contains(&ReportStatus::Acknowledged),
        };
        Ok((filter.not_submitted || filter.submitted || filter.acknowledged).then_some(filter))
    }
}

/// One page of a year's reports, by entity, for the Secretariat.
pub async fn year_page(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    query: &YearQuery,
    args: &PageArgs,
) -> Result<Page<AnnualReport>, DomainError> {
    let window = args.window()?;
    let bounds = args.id_bounds()?;
    let Some(filter) = query.filter(schedule, actor)? else {
        return Ok(Page::new(Vec::new(), args, window, false));
    };

    let mut conn = db.conn().await?;
    let rows =
        queries::year_page(&mut conn, &filter, bounds, window.limit, window.from_end).await?;
    let today = today();
    let edges = rows
        .rows
        .into_iter()
        .map(|(organisation_id, row)| {
            let key = (organisation_id, query.year);
            let report = AnnualReport::new(schedule, today, key, row.map(ReportRecord::from));
            (encode_id_cursor(organisation_id), report)
        })
        .collect();
    Ok(Page::new(edges, args, window, rows.has_more))
}

/// How many reports a year's list holds.
pub async fn count_year(
    db: &Database,
    schedule: ReportSchedule,
    actor: &Actor,
    query: &YearQuery,
) -> Result<i64, DomainError> {
    let Some(filter) = query.filter(schedule, actor)? else {
        return Ok(0);
    };
    let mut conn = db.conn().await?;
    Ok(queries::year_count(&mut conn, &filter).await?)
}

/// The documents of these reports, oldest first, by report. The caller has checked that
/// the actor may read the reports.
pub async fn documents_of(
    db: &Database,
    report_ids: &[i64],
) -> Result<HashMap<i64, Vec<ReportDocument>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::documents_of(&mut conn, report_ids).await?;

    let mut documents: HashMap<i64, Vec<ReportDocument>> = HashMap::new();
    for row in rows {
        let document = ReportDocument::try_from(row)?;
        documents
            .entry(document.report_id)
            .or_default()
            .push(document);
    }
    Ok(documents)
}

/// The documents with these ids that the actor may read (those of its own entity's reports,
/// or any for the Secretariat), by id.
pub async fn documents_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, ReportDocument>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::documents_by_ids(&mut conn, ids).await?;
    let report_ids: Vec<i64> = rows.iter().map(|row| row.report_id).collect();
    let readable: Vec<i64> = queries::by_ids(&mut conn, &report_ids)
        .await?
        .into_iter()
        .filter(|report| Standing::of(actor, report.organisation_id).may_read())
        .map(|report| report.id)
        .collect();

    rows.into_iter()
        .filter(|row| readable.contains(&row.report_id))
        .map(|row| ReportDocument::try_from(row).map(|document| (document.id, document)))
        .collect()
}

/// A report document's bytes, for the entity's members and the Secretariat; for anyone
/// else, exactly as if it did not exist.
pub async fn download(
    db: &Database,
    actor: &Actor,
    document_id: i64,
) -> Result<Download, DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    let document = documents_by_ids(db, actor, &[document_id])
        .await?
        .remove(&document_id)
        .ok_or(DomainError::NotFound)?;
    let mut conn = db.conn().await?;
    let bytes = queries::content(&mut conn, document_id)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("document {document_id} has no bytes")))?;

    Ok(Download {
        filename: document.filename,
        media_type: document.media_type,
        sha256: document.sha256,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_due_then_overdue_after_the_grace_period() {
        let schedule = ReportSchedule::default();
        assert_eq!(
            schedule.due_on(2025),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
        let last_day = NaiveDate::from_ymd_opt(2026, 4, 30).unwrap();
        assert_eq!(schedule.overdue_after(2025), last_day);
        assert_eq!(
            schedule.unsubmitted_status(2025, last_day),
            ReportStatus::Due
        );
        let late = last_day.succ_opt().unwrap();
        assert_eq!(
            schedule.unsubmitted_status(2025, late),
            ReportStatus::Overdue
        );
    }

    #[test]
    fn the_due_day_must_exist_every_year() {
        assert!(ReportSchedule::parse("12-31", 0).is_ok());
        assert!(ReportSchedule::parse("02-29", 0).is_err());
        assert!(ReportSchedule::parse("13-01", 0).is_err());
        assert!(ReportSchedule::parse("march", 0).is_err());
    }

    #[test]
    fn reports_are_owed_from_the_first_full_year_after_accreditation() {
        let profile = |status, on| OrganisationProfile::Entity {
            category: super::super::organisation::EntityCategory::CivilSocietyOrganisation,
            accreditation_status: status,
            accredited_on: NaiveDate::from_ymd_opt(on, 6, 1),
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let owed = owed_years(&profile(AccreditationStatus::Accredited, 2022), today);
        assert_eq!(owed, 2023..=2025);
        let suspended = owed_years(&profile(AccreditationStatus::Suspended, 2022), today);
        assert_eq!(suspended, 2023..=2025);
        assert!(owed_years(&profile(AccreditationStatus::Revoked, 2022), today).is_empty());
        assert!(owed_years(&profile(AccreditationStatus::Accredited, 2025), today).is_empty());
    }
}
