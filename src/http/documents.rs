//! `GET /documents/{id}`: the bytes of a document of an accreditation application or an
//! annual report, for the entity's members and the Secretariat, signed in with the same
//! `Authorization` header as for `/graphql`. To anyone else a document does not exist.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::graphql::{authenticate, unauthenticated};
use crate::domain::{DomainError, annual_reports, documents};
use crate::graphql::{DocumentKey, document_key};

/// The download route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/documents/{id}", get(download))
}

async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let actor = match authenticate(&state, &headers).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    if actor.user().is_none() {
        return unauthenticated("documents need `Authorization: Bearer <token>`");
    }
    let Some(key) = document_key(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };

    let download = match key {
        DocumentKey::Application(id) => documents::download(&state.db, &actor, id).await,
        DocumentKey::AnnualReport(id) => annual_reports::download(&state.db, &actor, id).await,
    };
    match download {
        Ok(document) => {
            let disposition = format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                ascii_fallback(&document.filename),
                percent_encoded(&document.filename)
            );
            let headers = [
                (header::CONTENT_TYPE, document.media_type),
                (header::CONTENT_DISPOSITION, disposition),
                (header::ETAG, format!("\"{}\"", document.sha256)),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
            ];
            let mut response = (StatusCode::OK, document.bytes).into_response();
            for (name, value) in headers {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Err(DomainError::NotFound | DomainError::Unauthenticated) => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(DomainError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(error) => {
            tracing::error!(%error, "a document could not be served");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The name with anything but printable ASCII (and quotes and backslashes) replaced.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect()
}

/// The name percent-encoded for `filename*` (RFC 8187).
fn percent_encoded(name: &str) -> String {
    name.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
