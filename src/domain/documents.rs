//! The documents of an accreditation application: uploaded by the applicant, reviewed one
//! by one by the Secretariat, read by nobody else.
//!
//! The type of a file is read from its first bytes, never taken from the client: PDF,
//! PNG, JPEG, GIF, WebP, and office documents (Word, Excel and PowerPoint, current and
//! legacy). Every upload is kept; a new one of a kind replaces the current one for review.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

use super::DomainError;
use super::accreditation::{
    Action, Application, ApplicationStatus, Standing, applications_by_ids, may_take, next_status,
    readable,
};
use super::text_enum::text_enum;
use super::user::Actor;
use super::validation::{FieldProblem, optional_text};
use crate::db::documents::{self as queries, DocumentRow, NewDocument};
use crate::db::{self, Database};

const MAX_FILENAME_LENGTH: usize = 200;
const MAX_NOTE_LENGTH: usize = 5_000;

text_enum! {
    /// What a document is, after the Guidelines on Accreditation.
    pub enum DocumentKind {
        NatureAndPurpose => "NATURE_AND_PURPOSE",
        ActivitiesEvidence => "ACTIVITIES_EVIDENCE",
        Constitution => "CONSTITUTION",
        RegistrationPapers => "REGISTRATION_PAPERS",
        MembershipList => "MEMBERSHIP_LIST",
        KeyOfficials => "KEY_OFFICIALS",
        FundingSources => "FUNDING_SOURCES",
        Other => "OTHER",
    }
}

/// The documents every request must contain: the nature and purpose of the entity, its
/// activities supporting the ASEAN Community with evidence, and its constitution.
pub const REQUIRED_KINDS: [DocumentKind; 3] = [
    DocumentKind::NatureAndPurpose,
    DocumentKind::ActivitiesEvidence,
    DocumentKind::Constitution,
];

text_enum! {
    /// What the Secretariat found.
    pub enum DocumentReview {
        Pending => "PENDING",
        Satisfactory => "SATISFACTORY",
        NeedsRevision => "NEEDS_REVISION",
    }
}

/// A stored document, without its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub id: i64,
    pub application_id: i64,
    pub kind: DocumentKind,
    pub filename: String,
    pub media_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: DateTime<Utc>,
    /// When a newer upload of its kind replaced it; null while it is the one under review.
    pub replaced_at: Option<DateTime<Utc>>,
    pub review: DocumentReview,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl TryFrom<DocumentRow> for Document {
    type Error = DomainError;

    fn try_from(row: DocumentRow) -> Result<Self, DomainError> {
        let corrupt = || DomainError::Internal(format!("document {} is corrupt", row.id));
        Ok(Self {
            id: row.id,
            application_id: row.application_id,
            kind: DocumentKind::parse(&row.kind).ok_or_else(corrupt)?,
            filename: row.filename,
            media_type: row.media_type,
            byte_size: row.byte_size,
            sha256: row.sha256,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at.and_utc(),
            replaced_at: row.replaced_at.map(|at| at.and_utc()),
            review: DocumentReview::parse(&row.review).ok_or_else(corrupt)?,
            review_note: row.review_note,
            reviewed_at: row.reviewed_at.map(|at| at.and_utc()),
        })
    }
}

/// Why a document could not be stored or reviewed, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentProblem {
    Field(FieldProblem),
    Upload(UploadProblem),
    /// The application's status does not allow this now.
    WrongStatus(ApplicationStatus),
    /// A newer upload replaced the document meanwhile.
    Replaced,
}

/// The outcome of a write: the document, or what the user must fix.
pub type DocumentOutcome = Result<Result<Document, DocumentProblem>, DomainError>;

/// Stores a document for an application in `DRAFT` or `REVISION_REQUESTED`, for the
/// applicant's owners and admins.
pub async fn attach(
    db: &Database,
    actor: &Actor,
    application_id: i64,
    kind: DocumentKind,
    filename: &str,
    bytes: Vec<u8>,
) -> DocumentOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let application = readable(db, actor, application_id).await?;
    // Documents are part of what the applicant writes: they change when the answers may.
    let standing = Standing::of(actor, application.organisation_id);
    if !may_take(standing, Action::Edit) {
        return Err(DomainError::Forbidden);
    }
    if next_status(application.status, Action::Edit).is_none() {
        return Ok(Err(DocumentProblem::WrongStatus(application.status)));
    }
    let file = match check_upload(filename, bytes).await? {
        Ok(file) => file,
        Err(problem) => return Ok(Err(DocumentProblem::Upload(problem))),
    };

    let document = NewDocument {
        application_id,
        kind: kind.as_str(),
        filename: &file.filename,
        media_type: file.media_type,
        byte_size: file.byte_size(),
        sha256: &file.sha256,
        uploaded_by: user.id,
        uploaded_at: db::now(),
        review: DocumentReview::Pending.as_str(),
    };
    let mut conn = db.conn().await?;
    let row = queries::insert(&mut conn, &document, &file.bytes).await?;

    Ok(Ok(Document::try_from(row)?))
}

/// Records the Secretariat's review of a current document of an application under review.
pub async fn review(
    db: &Database,
    actor: &Actor,
    document_id: i64,
    review: DocumentReview,
    note: Option<&str>,
) -> DocumentOutcome {
    let user = actor.user().ok_or(DomainError::Unauthenticated)?;
    let (document, application) = readable_document(db, actor, document_id).await?;
    let standing = Standing::of(actor, application.organisation_id);
    // Reviewing a document belongs with asking for a revision: the same people, the same
    // status.
    if !may_take(standing, Action::RequestRevision) {
        return Err(DomainError::Forbidden);
    }
    if next_status(application.status, Action::RequestRevision).is_none() {
        return Ok(Err(DocumentProblem::WrongStatus(application.status)));
    }
    let note = match optional_text("note", note, MAX_NOTE_LENGTH) {
        Ok(note) => note,
        Err(problem) => return Ok(Err(DocumentProblem::Field(problem))),
    };
    if review == DocumentReview::NeedsRevision && note.is_none() {
        let problem = FieldProblem::new("note", "must say what to revise");
        return Ok(Err(DocumentProblem::Field(problem)));
    }
    if document.replaced_at.is_some() {
        return Ok(Err(DocumentProblem::Replaced));
    }

    let mut conn = db.conn().await?;
    let row = queries::review(
        &mut conn,
        document_id,
        review.as_str(),
        note.as_deref(),
        user.id,
        db::now(),
    )
    .await?;
    match row {
        Some(row) => Ok(Ok(Document::try_from(row)?)),
        None => Ok(Err(DocumentProblem::Replaced)),
    }
}

/// A document's bytes, for the applicant's members and the Secretariat; for anyone else,
/// exactly as if it did not exist.
pub async fn download(
    db: &Database,
    actor: &Actor,
    document_id: i64,
) -> Result<Download, DomainError> {
    let (document, _) = readable_document(db, actor, document_id).await?;
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

/// The documents of these applications, oldest first, by application. The caller has
/// checked that the actor may read the applications.
pub async fn of_applications(
    db: &Database,
    application_ids: &[i64],
) -> Result<HashMap<i64, Vec<Document>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::of_applications(&mut conn, application_ids).await?;

    let mut documents: HashMap<i64, Vec<Document>> = HashMap::new();
    for row in rows {
        let document = Document::try_from(row)?;
        documents
            .entry(document.application_id)
            .or_default()
            .push(document);
    }
    Ok(documents)
}

/// The required kinds whose current document is missing or not found satisfactory.
pub async fn unsatisfied_required(
    db: &Database,
    application_id: i64,
) -> Result<Vec<DocumentKind>, DomainError> {
    let documents = of_applications(db, &[application_id])
        .await?
        .remove(&application_id)
        .unwrap_or_default();
    Ok(REQUIRED_KINDS
        .into_iter()
        .filter(|kind| {
            !documents.iter().any(|document| {
                document.kind == *kind
                    && document.replaced_at.is_none()
                    && document.review == DocumentReview::Satisfactory
            })
        })
        .collect())
}

async fn readable_document(
    db: &Database,
    actor: &Actor,
    document_id: i64,
) -> Result<(Document, Application), DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    let document = documents_by_ids(db, actor, &[document_id])
        .await?
        .remove(&document_id)
        .ok_or(DomainError::NotFound)?;
    let application = readable(db, actor, document.application_id).await?;
    Ok((document, application))
}

/// The documents with these ids that the actor may read (those of applications it may
/// read), by id.
pub async fn documents_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Document>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;
    drop(conn);
    let application_ids: Vec<i64> = rows.iter().map(|row| row.application_id).collect();
    let readable = applications_by_ids(db, actor, &application_ids).await?;

    rows.into_iter()
        .filter(|row| readable.contains_key(&row.application_id))
        .map(|row| Document::try_from(row).map(|document| (document.id, document)))
        .collect()
}

/// What is wrong with an uploaded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadProblem {
    Empty,
    /// The file is not of a type the platform takes.
    UnsupportedType,
}

/// An uploaded file, checked: its name cleaned, its type read from its bytes, its hash
/// taken.
#[derive(Clone, Debug)]
pub struct CheckedFile {
    pub filename: String,
    pub media_type: &'static str,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

impl CheckedFile {
    pub fn byte_size(&self) -> i64 {
        i64::try_from(self.bytes.len()).unwrap_or(i64::MAX)
    }
}

/// A stored file, to send to whoever may download it.
#[derive(Clone, Debug)]
pub struct Download {
    pub filename: String,
    pub media_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Checks an uploaded file: not empty, of a type the platform takes. The HTTP layer has
/// already refused files over the size limit.
pub async fn check_upload(
    filename: &str,
    bytes: Vec<u8>,
) -> Result<Result<CheckedFile, UploadProblem>, DomainError> {
    if bytes.is_empty() {
        return Ok(Err(UploadProblem::Empty));
    }
    let filename = clean_filename(filename);
    let lower = filename.to_lowercase();
    // Hashing and scanning megabytes is work for a blocking thread, not the runtime's.
    let (media_type, sha256, bytes) = tokio::task::spawn_blocking(move || {
        let media_type = sniff(&bytes, &lower);
        let sha256 = hex(&Sha256::digest(&bytes));
        (media_type, sha256, bytes)
    })
    .await
    .map_err(|error| DomainError::Internal(format!("checking an upload failed: {error}")))?;

    Ok(match media_type {
        Some(media_type) => Ok(CheckedFile {
            filename,
            media_type,
            sha256,
            bytes,
        }),
        None => Err(UploadProblem::UnsupportedType),
    })
}

/// The name to keep: the last path component, without control characters, at most
/// [`MAX_FILENAME_LENGTH`] characters; `document` when nothing is left.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILENAME_LENGTH)
        .collect();
    match cleaned.trim() {
        "" => "document".to_owned(),
        name => name.to_owned(),
    }
}

/// The media type of a file, read from its first bytes; `None` for a type the platform
/// does not take. `name` (lower-case) only tells the legacy office formats apart, which
/// share one container.
pub fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
    const OLE2: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // A ZIP archive is taken only as an Office Open XML document: its parts say which.
        if !contains(bytes, b"[Content_Types].xml") {
            return None;
        }
        let office = [
            (
                &b"word/"[..],
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                &b"xl/"[..],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                &b"ppt/"[..],
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
        ];
        return office
            .into_iter()
            .find(|(part, _)| contains(bytes, part))
            .map(|(_, media_type)| media_type);
    }
    if bytes.starts_with(&OLE2) {
        let legacy = [
            (".doc", "application/msword"),
            (".xls", "application/vnd.ms-excel"),
            (".ppt", "application/vnd.ms-powerpoint"),
        ];
        return legacy
            .into_iter()
            .find(|(extension, _)| name.ends_with(extension))
            .map(|(_, media_type)| media_type);
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_bytes_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n", "a.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest", "a.pdf"), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\x00", "a.pdf"), None, "a program");
        assert_eq!(sniff(b"<svg onload=alert(1)>", "a.svg"), None);
        assert_eq!(
            sniff(b"PK\x03\x04 some.jar", "a.docx"),
            None,
            "a ZIP, not Office"
        );
        let docx = b"PK\x03\x04...[Content_Types].xml...word/document.xml";
        assert_eq!(
            sniff(docx, "a.bin"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
    }

    #[test]
    fn filenames_keep_only_their_last_component() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\docs\\statutes.pdf"), "statutes.pdf");
        assert_eq!(clean_filename("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_filename("  "), "document");
    }
}
