//! The documents of accreditation applications in the graph: the `AccreditationDocument`
//! type, `attachAccreditationDocument` (a GraphQL multipart upload) and
//! `reviewAccreditationDocument`.

use std::collections::HashMap;
use std::io::Read as _;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};

use super::directory_management::field_error;
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::scalars::DateTime;
use super::user::User;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::accreditation_feed::AccreditationFeed;
use crate::domain::documents::{self as model, DocumentOutcome, DocumentProblem, UploadProblem};
use crate::domain::user::Actor;

/// What a document is, after the Guidelines on Accreditation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::DocumentKind")]
pub enum AccreditationDocumentKind {
    /// The nature and purpose of the entity. Required.
    NatureAndPurpose,
    /// Its activities supporting the ASEAN Community, with evidence. Required.
    ActivitiesEvidence,
    /// Its constitution or statutes. Required.
    Constitution,
    /// Its registration papers.
    RegistrationPapers,
    /// Its membership.
    MembershipList,
    /// Its key officials.
    KeyOfficials,
    /// Its sources of funding.
    FundingSources,
    /// Anything else.
    Other,
}

/// What the Secretariat found in a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::DocumentReview")]
pub enum AccreditationDocumentReview {
    /// Not reviewed yet.
    Pending,
    /// Found satisfactory.
    Satisfactory,
    /// To be revised: the note says how; the applicant uploads a new version.
    NeedsRevision,
}

/// A document of an application, for the applicant's members and the Secretariat only.
#[derive(Clone, Debug)]
pub struct AccreditationDocument(pub model::Document);

/// A document of an accreditation application, uploaded by the applicant and reviewed by
/// the Secretariat. Only the applicant's members and the Secretariat see it.
#[Object]
impl AccreditationDocument {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::Document(self.0.id).encode()
    }

    /// What it is.
    async fn kind(&self) -> AccreditationDocumentKind {
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
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .users
            .load_one(self.0.uploaded_by)
            .await?
            .map(User::new))
    }

    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime {
        DateTime(self.0.uploaded_at)
    }

    /// When a newer upload of its kind replaced it; null while it is the one under review.
    async fn replaced_at(&self) -> Option<DateTime> {
        self.0.replaced_at.map(DateTime)
    }

    /// What the Secretariat found.
    async fn review(&self) -> AccreditationDocumentReview {
        self.0.review.into()
    }

    /// The Secretariat's note with its review.
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }

    /// When it was reviewed.
    async fn reviewed_at(&self) -> Option<DateTime> {
        self.0.reviewed_at.map(DateTime)
    }

    /// Where to download it: `GET` with the same `Authorization` header as for `/graphql`.
    async fn download_path(&self) -> String {
        format!("/documents/{}", NodeId::Document(self.0.id).encode().0)
    }
}

/// `AccreditationApplication.documents`: its documents, oldest first.
pub async fn of_application(
    ctx: &Context<'_>,
    application_id: i64,
    include_replaced: bool,
) -> ApiResult<Vec<AccreditationDocument>> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let documents = loaders
        .accreditation_documents
        .load_one(application_id)
        .await?
        .unwrap_or_default();

    Ok(documents
        .into_iter()
        .filter(|document| include_replaced || document.replaced_at.is_none())
        .map(AccreditationDocument)
        .collect())
}

/// Loads the documents of applications already read through the application loader.
pub struct DocumentLoader(pub Database);

impl Loader<i64> for DocumentLoader {
    type Value = Vec<model::Document>;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<model::Document>>, ApiError> {
        Ok(model::of_applications(&self.0, ids).await?)
    }
}

/// Loads the documents the request's actor may read, by id.
pub struct DocumentByIdLoader(pub Database, pub Actor);

impl Loader<i64> for DocumentByIdLoader {
    type Value = model::Document;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, model::Document>, ApiError> {
        Ok(model::documents_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// A document to add to an application, sent as a GraphQL multipart request.
#[derive(InputObject)]
pub struct AttachAccreditationDocumentInput {
    /// The application, as read from `AccreditationApplication.id`.
    application_id: ID,
    /// What the document is. It replaces, for review, the current document of that kind.
    kind: AccreditationDocumentKind,
    /// The file: PDF, PNG, JPEG, GIF, WebP or an office document (Word, Excel, PowerPoint).
    file: Upload,
}

/// The Secretariat's review of a document.
#[derive(Debug, InputObject)]
pub struct ReviewAccreditationDocumentInput {
    /// The document, as read from `AccreditationDocument.id`.
    document_id: ID,
    /// What the Secretariat found.
    review: AccreditationDocumentReview,
    /// A note; required with `NEEDS_REVISION` (what to revise).
    note: Option<String>,
}

/// What the document mutations return.
#[derive(Debug, Default, SimpleObject)]
pub struct AccreditationDocumentPayload {
    /// The document as it now stands; null on failure.
    document: Option<AccreditationDocument>,
    /// What is wrong; empty on success, and then it is stored.
    user_errors: Vec<UserError>,
}

/// Documents on `Mutation`.
#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Adds a document to an application in `DRAFT` or `REVISION_REQUESTED`, for the
    /// entity's owners and admins. Send it as a GraphQL multipart request (at most
    /// `HUB_MAX_UPLOAD_BYTES`, 20 MiB by default, with an `Authorization` header).
    async fn attach_accreditation_document(
        &self,
        ctx: &Context<'_>,
        input: AttachAccreditationDocumentInput,
    ) -> ApiResult<AccreditationDocumentPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let application_id = match NodeId::decode(&input.application_id)? {
            NodeId::AccreditationApplication(id) => id,
            _ => {
                let message = "`applicationId` is not an accreditation application";
                return Err(ApiError::BadUserInput(message.into()));
            }
        };
        let (filename, bytes) = read_upload(ctx, &input.file)?;

        let kind = input.kind.into();
        payload(
            ctx,
            model::attach(db, actor, application_id, kind, &filename, bytes).await,
        )
        .await
    }

    /// Records what the Secretariat found in the current document of an application under
    /// review. For Secretariat officers and admins.
    async fn review_accreditation_document(
        &self,
        ctx: &Context<'_>,
        input: ReviewAccreditationDocumentInput,
    ) -> ApiResult<AccreditationDocumentPayload> {
        let db = ctx.data_unchecked::<Database>();
        let actor = ctx.data_unchecked::<Actor>();
        let document_id = match NodeId::decode(&input.document_id)? {
            NodeId::Document(id) => id,
            _ => {
                return Err(ApiError::BadUserInput(
                    "`documentId` is not a document".into(),
                ));
            }
        };

        let review = input.review.into();
        let note = input.note.as_deref();
        payload(
            ctx,
            model::review(db, actor, document_id, review, note).await,
        )
        .await
    }
}

/// The payload of a change, once it went out on the live feed of its application.
async fn payload(
    ctx: &Context<'_>,
    outcome: DocumentOutcome,
) -> ApiResult<AccreditationDocumentPayload> {
    if matches!(outcome, Ok(Ok(_))) {
        ctx.data_unchecked::<AccreditationFeed>()
            .dispatch_after_commit()
            .await;
    }
    Ok(match outcome? {
        Ok(document) => AccreditationDocumentPayload {
            document: Some(AccreditationDocument(document)),
            user_errors: Vec::new(),
        },
        Err(problem) => AccreditationDocumentPayload {
            document: None,
            user_errors: vec![user_error(problem)],
        },
    })
}

/// The name and the bytes of an uploaded file, which the multipart layer has kept.
pub fn read_upload(ctx: &Context<'_>, file: &Upload) -> ApiResult<(String, Vec<u8>)> {
    let unreadable = |error: std::io::Error| {
        tracing::error!(%error, "an upload could not be read");
        ApiError::Internal
    };
    let upload = file.value(ctx).map_err(unreadable)?;
    let filename = upload.filename.clone();
    let mut bytes = Vec::new();
    upload
        .into_read()
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    Ok((filename, bytes))
}

/// What to tell the user about a file the platform did not take.
pub fn upload_error(problem: UploadProblem) -> UserError {
    match problem {
        UploadProblem::Empty => UserError::on_input("file", UserErrorCode::Invalid, "is empty"),
        UploadProblem::UnsupportedType => UserError::on_input(
            "file",
            UserErrorCode::UnsupportedMediaType,
            "is not a PDF, an image (PNG, JPEG, GIF, WebP) or an office document",
        ),
    }
}

fn user_error(problem: DocumentProblem) -> UserError {
    match problem {
        DocumentProblem::Field(problem) => field_error(problem),
        DocumentProblem::Upload(problem) => upload_error(problem),
        DocumentProblem::WrongStatus(status) => UserError::on_input(
            "applicationId",
            UserErrorCode::WrongStatus,
            &format!(
                "is {} and does not take this now",
                status.as_str().to_lowercase().replace('_', " ")
            ),
        ),
        DocumentProblem::Replaced => UserError::on_input(
            "documentId",
            UserErrorCode::Conflict,
            "was replaced by a newer upload; review that one",
        ),
    }
}
