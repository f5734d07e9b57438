//! Queries over the documents of accreditation applications and their contents.

use chrono::NaiveDateTime;
use diesel::{
    ExpressionMethods as _, Insertable, OptionalExtension as _, QueryDsl as _, Queryable,
    Selectable, SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::events::APPLICATION_UPDATED;
use super::schema::{application_documents as documents, document_contents as contents};
use super::{DbConn, DbError};

/// One row of `application_documents`: a document's metadata, not its bytes.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub filename: String,
    pub media_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
    pub replaced_at: Option<NaiveDateTime>,
    pub review: String,
    pub review_note: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
}

/// A document to store.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocument<'a> {
    pub application_id: i64,
    pub kind: &'a str,
    pub filename: &'a str,
    pub media_type: &'a str,
    pub byte_size: i64,
    pub sha256: &'a str,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
    pub review: &'a str,
}

/// Stores a document and its bytes, replacing for review the current document of its kind,
/// in one transaction.
pub async fn insert(
    conn: &mut DbConn,
    document: &NewDocument<'_>,
    bytes: &[u8],
) -> Result<DocumentRow, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let row = crate::write_transaction!(conn, |c| {
        diesel::update(
            documents::table
                .filter(documents::application_id.eq(document.application_id))
                .filter(documents::kind.eq(document.kind))
                .filter(documents::replaced_at.is_null()),
        )
        .set(documents::replaced_at.eq(document.uploaded_at))
        .execute(c)
        .await?;
        let row: DocumentRow = diesel::insert_into(documents::table)
            .values(document)
            .returning(DocumentRow::as_returning())
            .get_result(c)
            .await?;
        diesel::insert_into(contents::table)
            .values((contents::document_id.eq(row.id), contents::bytes.eq(bytes)))
            .execute(c)
            .await?;
        let (application, at) = (document.application_id, document.uploaded_at);
        crate::append_event!(c, pg, APPLICATION_UPDATED, application, at);
        Ok::<_, diesel::result::Error>(row)
    })?;

    Ok(row)
}

/// The documents of these applications, oldest first; replaced ones too if asked.
pub async fn of_applications(
    conn: &mut DbConn,
    application_ids: &[i64],
) -> Result<Vec<DocumentRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        documents::table
            .filter(documents::application_id.eq_any(application_ids))
            .order_by((documents::application_id, documents::id))
            .select(DocumentRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// The documents with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<DocumentRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        documents::table
            .filter(documents::id.eq_any(ids))
            .select(DocumentRow::as_select())
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

/// Records the review of a document that is still current, and the event of its
/// application, in one transaction; `None` when it was replaced meanwhile.
pub async fn review(
    conn: &mut DbConn,
    id: i64,
    review: &str,
    note: Option<&str>,
    reviewer: i64,
    at: NaiveDateTime,
) -> Result<Option<DocumentRow>, DbError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let row = crate::write_transaction!(conn, |c| {
        let row: Option<DocumentRow> = diesel::update(
            documents::table
                .find(id)
                .filter(documents::replaced_at.is_null()),
        )
        .set((
            documents::review.eq(review),
            documents::review_note.eq(note),
            documents::reviewed_by.eq(reviewer),
            documents::reviewed_at.eq(at),
        ))
        .returning(DocumentRow::as_returning())
        .get_result(c)
        .await
        .optional()?;
        if let Some(row) = &row {
            crate::append_event!(c, pg, APPLICATION_UPDATED, row.application_id, at);
        }
        Ok::<_, diesel::result::Error>(row)
    })?;

    Ok(row)
}
