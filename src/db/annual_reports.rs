//! Queries over the annual reports of accredited entities and their documents.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::{
    BoolExpressionMethods as _, ExpressionMethods as _, Insertable, JoinOnDsl as _,
    NullableExpressionMethods as _, OptionalExtension as _, QueryDsl as _, Queryable, Selectable,
    SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::schema::{
    annual_report_document_contents as contents, annual_report_documents as documents,
    annual_reports as reports, organisations,
};
use super::{DbConn, DbError, PageRows};

/// One row of `annual_reports`: a report someone has started.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub organisation_id: i64,
    pub year: i32,
    pub created_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i64>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<i64>,
    pub acknowledgement_note: Option<String>,
}

/// One row of `annual_report_documents`: a document's metadata, not its bytes.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct ReportDocumentRow {
    pub id: i64,
    pub report_id: i64,
    pub kind: String,
    pub filename: String,
    pub media_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
    pub replaced_at: Option<NaiveDateTime>,
}

/// A document to store; the report it belongs to is found or started with it.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = documents)]
pub struct NewReportDocument<'a> {
    pub report_id: i64,
    pub kind: &'a str,
    pub filename: &'a str,
    pub media_type: &'a str,
    pub byte_size: i64,
    pub sha256: &'a str,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

/// Which of one year's reports to list, by where they stand. The statuses `DUE` and
/// `OVERDUE` are one here: every report not submitted for a year is the one or the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearFilter {
    pub year: i32,
    pub not_submitted: bool,
    pub submitted: bool,
    pub acknowledged: bool,
}

/// The reports of these organisations, oldest year first.
pub async fn of_organisations(
    conn: &mut DbConn,
    organisation_ids: &[i64],
) -> Result<Vec<ReportRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        reports::table
            .filter(reports::organisation_id.eq_any(organisation_ids))
            .order_by((reports::organisation_id, reports::year))
            .select(ReportRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The reports with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<ReportRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        reports::table
            .filter(reports::id.eq_any(ids))
            .select(ReportRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Stores a document, starting the report if it has none yet, and replacing the current
/// document of its kind, all in one transaction. `None`, with nothing written, when the
/// report was submitted already.
pub async fn attach(
    conn: &mut DbConn,
    (organisation_id, year): (i64, i32),
    document: NewReportDocument<'_>,
    bytes: &[u8],
) -> Result<Option<ReportDocumentRow>, DbError> {
    let row = crate::write_transaction!(conn, |c| {
        diesel::insert_into(reports::table)
            .values((
                reports::organisation_id.eq(organisation_id),
                reports::year.eq(year),
                reports::created_at.eq(document.uploaded_at),
            ))
            .on_conflict((reports::organisation_id, reports::year))
            .do_nothing()
            .execute(c)
            .await?;
        // An update locks the row, so a submission at the same time waits for this upload
        // or this upload sees it.
        let report_id: Option<i64> = diesel::update(
            reports::table
                .filter(reports::organisation_id.eq(organisation_id))
                .filter(reports::year.eq(year))
                .filter(reports::submitted_at.is_null()),
        )
        .set(reports::organisation_id.eq(organisation_id))
        .returning(reports::id)
        .get_result(c)
        .await
        .optional()?;
        let Some(report_id) = report_id else {
            return Ok(None);
        };

        diesel::update(
            documents::table
                .filter(documents::report_id.eq(report_id))
                .filter(documents::kind.eq(document.kind))
                .filter(documents::replaced_at.is_null()),
        )
        .set(documents::replaced_at.eq(document.uploaded_at))
        .execute(c)
        .await?;
        let document = NewReportDocument {
            report_id,
            ..document
        };
        let row: ReportDocumentRow = diesel::insert_into(documents::table)
            .values(&document)
            .returning(ReportDocumentRow::as_returning())
            .get_result(c)
            .await?;
        diesel::insert_into(contents::table)
            .values((contents::document_id.eq(row.id), contents::bytes.eq(bytes)))
            .execute(c)
            .await?;
        Ok::<_, diesel::result::Error>(Some(row))
    })?;

    Ok(row)
}

/// What became of a submission.
#[derive(Clone, Debug, PartialEq)]
pub enum Submission {
    Submitted(ReportRow),
    /// It was submitted already, or does not exist.
    NotOpen,
    /// These kinds have no current document.
    Missing(Vec<String>),
}

/// Submits a report if every kind in `required` has a current document, in one
/// transaction.
pub async fn submit(
    conn: &mut DbConn,
    report_id: i64,
    required: &[&str],
    by: i64,
    at: NaiveDateTime,
) -> Result<Submission, DbError> {
    let submission = crate::write_transaction!(conn, |c| {
        // Lock the report first, so that no upload slips in between the check and the
        // submission.
        let open: Option<i64> = diesel::update(
            reports::table
                .find(report_id)
                .filter(reports::submitted_at.is_null()),
        )
        .set(reports::submitted_at.eq(None::<NaiveDateTime>))
        .returning(reports::id)
        .get_result(c)
        .await
        .optional()?;
        if open.is_none() {
            return Ok(Submission::NotOpen);
        }
        let present: Vec<String> = documents::table
            .filter(documents::report_id.eq(report_id))
            .filter(documents::replaced_at.is_null())
            .select(documents::kind)
            .load(c)
            .await?;
        let missing: Vec<String> = required
            .iter()
            .filter(|kind| !present.iter().any(|present| present == *kind))
            .map(|kind| (*kind).to_owned())
            .collect();
        if !missing.is_empty() {
            return Ok(Submission::Missing(missing));
        }

        let row = diesel::update(reports::table.find(report_id))
            .set((reports::submitted_at.eq(at), reports::submitted_by.eq(by)))
            .returning(ReportRow::as_returning())
            .get_result(c)
            .await?;
        Ok::<_, diesel::result::Error>(Submission::Submitted(row))
    })?;

    Ok(submission)
}

/// Records the Secretariat's acknowledgement of a submitted report; `None` when it is not
/// submitted or acknowledged already.
pub async fn acknowledge(
    conn: &mut DbConn,
    report_id: i64,
    note: Option<&str>,
    by: i64,
    at: NaiveDateTime,
) -> Result<Option<ReportRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        diesel::update(
            reports::table
                .find(report_id)
                .filter(reports::submitted_at.is_not_null())
                .filter(reports::acknowledged_at.is_null()),
        )
        .set((
            reports::acknowledged_at.eq(at),
            reports::acknowledged_by.eq(by),
            reports::acknowledgement_note.eq(note),
        ))
        .returning(ReportRow::as_returning())
        .get_result(c)
        .await
        .optional()
    })?;

    Ok(row)
}

/// The documents of these reports, oldest first; replaced ones too.
pub async fn documents_of(
    conn: &mut DbConn,
    report_ids: &[i64],
) -> Result<Vec<ReportDocumentRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        documents::table
            .filter(documents::report_id.eq_any(report_ids))
            .order_by((documents::report_id, documents::id))
            .select(ReportDocumentRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The documents with these ids; unknown ids are skipped.
pub async fn documents_by_ids(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<Vec<ReportDocumentRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        documents::table
            .filter(documents::id.eq_any(ids))
            .select(ReportDocumentRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// One document's bytes.
pub async fn content(conn: &mut DbConn, id: i64) -> Result<Option<Vec<u8>>, DbError> {
    let bytes = crate::on_conn!(conn, |c| {
        contents::table
            .find(id)
            .select(contents::bytes)
            .first::<Vec<u8>>(c)
            .await
            .optional()
    })?;

    Ok(bytes)
}

/// The organisations that owe a report for a year (accredited or suspended, accredited
/// before it began) or have one for it, with that report if started: the query behind the
/// Secretariat's list, and its count.
macro_rules! year_query {
    ($filter:expr) => {{
        let filter: &YearFilter = $filter;
        let year_start = NaiveDate::from_ymd_opt(filter.year, 1, 1).unwrap_or(NaiveDate::MIN);
        let mut query = organisations::table
            .left_join(
                reports::table.on(reports::organisation_id
                    .eq(organisations::id)
                    .and(reports::year.eq(filter.year))),
            )
            .filter(
                organisations::accredited_on
                    .lt(year_start)
                    .and(organisations::accreditation_status.eq_any(["ACCREDITED", "SUSPENDED"]))
                    .or(reports::id.is_not_null().nullable()),
            )
            .into_boxed();
        let submitted = reports::submitted_at.is_not_null();
        let acknowledged = reports::acknowledged_at.is_not_null();
        query = match (filter.not_submitted, filter.submitted, filter.acknowledged) {
            (true, true, true) | (false, false, false) => query,
            (true, false, false) => query.filter(reports::submitted_at.is_null()),
            (false, true, false) => query.filter(submitted.and(reports::acknowledged_at.is_null())),
            (false, false, true) => query.filter(acknowledged),
            (true, true, false) => query.filter(reports::acknowledged_at.is_null()),
            (false, true, true) => query.filter(submitted),
            (true, false, true) => query.filter(reports::submitted_at.is_null().or(acknowledged)),
        };
        query
    }};
}

/// One page of a year's reports by organisation id, with each organisation's report row
/// where one exists.
pub async fn year_page(
    conn: &mut DbConn,
    filter: &YearFilter,
    (after, before): (Option<i64>, Option<i64>),
    limit: i64,
    from_end: bool,
) -> Result<PageRows<(i64, Option<ReportRow>)>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        let mut query = year_query!(filter);
        if let Some(after) = after {
            query = query.filter(organisations::id.gt(after));
        }
        if let Some(before) = before {
            query = query.filter(organisations::id.lt(before));
        }
        let query = if from_end {
            query.order_by(organisations::id.desc())
        } else {
            query.order_by(organisations::id.asc())
        };
        query
            .select((organisations::id, reports::all_columns.nullable()))
            .limit(limit + 1)
            .load(c)
            .await
    })?;

    Ok(PageRows::from_extra_row(rows, limit, from_end))
}

/// How many reports a year's list holds with `filter`.
pub async fn year_count(conn: &mut DbConn, filter: &YearFilter) -> Result<i64, DbError> {
    let total = crate::on_conn!(conn, |c| {
        year_query!(filter).select(count_star()).get_result(c).await
    })?;

    Ok(total)
}
