//! GraphQL over HTTP: GET for queries, POST for everything, per the GraphQL-over-HTTP
//! specification (media types, status codes, 405 for a mutation over GET).

use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::OperationType;
use async_graphql::{ParseRequestError, ServerError, Value as ConstValue, Variables};
use async_graphql_axum::GraphQLProtocol;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{FromRequest as _, Query, State};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt as _;
use http::header::{ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

use super::media::{ResponseMedia, negotiate};
use super::{AppState, websocket};
use crate::domain::accounts;
use crate::domain::user::Actor;
use crate::graphql::{
    ApiError, CachedDocument, DocumentCache, Loaders, check_aliases, restore_field_order,
    selected_operation,
};

/// The operation a request ran, for the access log.
#[derive(Clone, Debug)]
pub struct OperationName(pub String);

/// The parameters of a GET request, from the query string.
#[derive(Debug, Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    /// JSON-encoded, as the specification has it.
    variables: Option<String>,
    /// JSON-encoded too; only `persistedQuery` is read.
    extensions: Option<String>,
}

/// The body of a POST request. `query` may be left out when `extensions` names a persisted
/// query.
#[derive(Debug, Deserialize)]
struct PostBody {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

/// `GET /graphql`: queries only; mutations answer 405. A WebSocket upgrade goes to
/// [`websocket::upgrade`].
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    protocol: Result<GraphQLProtocol, StatusCode>,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    if let Ok(upgrade) = upgrade {
        return match protocol {
            Ok(protocol) => websocket::upgrade(state, upgrade, protocol),
            Err(_) => {
                let message = "ask for the graphql-transport-ws or graphql-ws subprotocol";
                request_error(StatusCode::BAD_REQUEST, ResponseMedia::Json, message)
            }
        };
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let Ok(Query(params)) = params else {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            "the query string is malformed",
        );
    };
    let json = |name: &str, text: Option<&str>| match text.map(serde_json::from_str::<Value>) {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(_)) => Err(format!("`{name}` is not JSON")),
    };
    let parameters = json("variables", params.variables.as_deref())
        .and_then(|variables| Ok((variables, json("extensions", params.extensions.as_deref())?)));
    let (variables, extensions) = match parameters {
        Ok(parameters) => parameters,
        Err(message) => return request_error(StatusCode::BAD_REQUEST, media, &message),
    };
    let document = match document(&state, params.query, extensions) {
        Ok(document) => document,
        Err(refusal) => return refusal.into_response(media),
    };

    let request = match build_request(&document, params.operation_name, variables) {
        Ok(request) => request,
        Err(problem) => return request_error(StatusCode::BAD_REQUEST, media, problem),
    };
    execute(state, media, &headers, true, request, document, None).await
}

/// `POST /graphql` with a JSON body, or a GraphQL multipart request carrying uploads.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    if has_media_type(&headers, "multipart/form-data") {
        return multipart(state, media, &headers, request).await;
    }
    if !has_media_type(&headers, "application/json") {
        let mut response = request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as `Content-Type: application/json` (or `multipart/form-data` \
             to upload files)",
        );
        response.headers_mut().insert(
            "accept-post",
            HeaderValue::from_static("application/json, multipart/form-data"),
        );
        return response;
    }
    // Read through the extractor, so that the body limit applies.
    let body = match Bytes::from_request(request, &state).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_response(),
    };
    let body: PostBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            let message = format!("the body is not a GraphQL request: {error}");
            return request_error(StatusCode::BAD_REQUEST, media, &message);
        }
    };

    let document = match document(&state, body.query, body.extensions) {
        Ok(document) => document,
        Err(refusal) => return refusal.into_response(media),
    };

    let request = match build_request(&document, body.operation_name, body.variables) {
        Ok(request) => request,
        Err(problem) => return request_error(StatusCode::BAD_REQUEST, media, problem),
    };
    execute(state, media, &headers, false, request, document, None).await
}

/// A GraphQL multipart request (files with the operation that uses them). Only for a
/// signed-in user: a cross-site form cannot set `Authorization`, so this also keeps
/// uploads safe from forged forms.
async fn multipart(
    state: AppState,
    media: ResponseMedia,
    headers: &HeaderMap,
    request: axum::extract::Request,
) -> Response {
    if headers.get(AUTHORIZATION).is_none() {
        return unauthenticated("uploads need `Authorization: Bearer <token>`");
    }
    let actor = match authenticate(&state, headers).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let limits = state.limits;
    let too_large = || {
        let message = format!("a file may have at most {} bytes", limits.upload);
        request_error(StatusCode::PAYLOAD_TOO_LARGE, media, &message)
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_UPLOADS * limits.upload + limits.json) {
        return too_large();
    }
    // Held until the request has run: its files stay in memory until then.
    let Ok(_permit) = state.uploads.clone().acquire_owned().await else {
        return request_error(StatusCode::SERVICE_UNAVAILABLE, media, "uploads are closed");
    };
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = request
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other)
        .into_async_read();
    // Every part, `operations` included, is held to the file limit; the whole stream to
    // that many files.
    let options = MultipartOptions::default()
        .max_file_size(limits.upload)
        .max_num_files(MAX_UPLOADS);
    let request = match async_graphql::http::receive_body(content_type, body, options).await {
        Ok(request) => request,
        Err(ParseRequestError::PayloadTooLarge) => return too_large(),
        Err(error) => {
            let message = format!("the multipart request is malformed: {error}");
            return request_error(StatusCode::BAD_REQUEST, media, &message);
        }
    };
    if request.query.len() > limits.json {
        let message = format!("the query may have at most {} bytes", limits.json);
        return request_error(StatusCode::PAYLOAD_TOO_LARGE, media, &message);
    }
    let document = match state.documents.parse(&request.query) {
        Ok(document) => document,
        Err(error) => return graphql_request_errors(media, vec![error], "GRAPHQL_PARSE_FAILED"),
    };

    execute(state, media, headers, false, request, document, Some(actor)).await
}

/// How many files one multipart request may carry.
const MAX_UPLOADS: usize = 4;

/// What a multipart request puts in a variable in place of a file.
const UPLOAD_MARKER: &str = "#__graphql_file__:";

/// Whether the request names an upload it does not carry. async-graphql trusts these
/// markers and would fail hard on a forged one, so they are refused up front.
fn forges_uploads(request: &async_graphql::Request) -> bool {
    fn forged(value: &ConstValue, uploads: usize) -> bool {
        match value {
            ConstValue::String(text) => text.strip_prefix(UPLOAD_MARKER).is_some_and(|index| {
                index
                    .parse::<usize>()
                    .map_or(true, |index| index >= uploads)
            }),
            ConstValue::List(values) => values.iter().any(|value| forged(value, uploads)),
            ConstValue::Object(fields) => fields.values().any(|value| forged(value, uploads)),
            _ => false,
        }
    }
    request.query.contains(UPLOAD_MARKER.trim_end_matches(':'))
        || request
            .variables
            .iter()
            .any(|(_, value)| forged(value, request.uploads.len()))
}

fn has_media_type(headers: &HeaderMap, media_type: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(media_type))
}

/// The parsed document a GET or a JSON POST asks to run: the `query` it sends, or the one
/// its persisted query's hash names (automatic persisted queries, version 1). A client
/// that sends only a hash the server does not know gets `PERSISTED_QUERY_NOT_FOUND`, and
/// sends the hash again with the query.
fn document(
    state: &AppState,
    query: Option<String>,
    extensions: Option<Value>,
) -> Result<Arc<CachedDocument>, Refusal> {
    let query = query.filter(|query| !query.trim().is_empty());
    let persisted = extensions
        .as_ref()
        .and_then(|extensions| extensions.get("persistedQuery"));
    let Some(persisted) = persisted else {
        let query = query.ok_or(Refusal::QueryMissing)?;
        return state.documents.parse(&query).map_err(Refusal::Unparsable);
    };
    let hash = match (persisted.get("version"), persisted.get("sha256Hash")) {
        (Some(version), Some(Value::String(hash))) if version == 1 => hash,
        _ => return Err(Refusal::MalformedPersistedQuery),
    };
    match query {
        Some(query) if DocumentCache::hash_matches(&query, hash) => {
            state.documents.parse(&query).map_err(Refusal::Unparsable)
        }
        Some(_) => Err(Refusal::HashMismatch),
        None => state
            .documents
            .persisted(hash)
            .ok_or(Refusal::PersistedQueryNotFound),
    }
}

/// Why a request names no document to run.
enum Refusal {
    QueryMissing,
    MalformedPersistedQuery,
    HashMismatch,
    PersistedQueryNotFound,
    Unparsable(ServerError),
}

impl Refusal {
    fn into_response(self, media: ResponseMedia) -> Response {
        let request_errors = |message: &str, code| {
            graphql_request_errors(media, vec![ServerError::new(message, None)], code)
        };
        match self {
            Refusal::QueryMissing => {
                request_error(StatusCode::BAD_REQUEST, media, "`query` is missing")
            }
            Refusal::MalformedPersistedQuery => {
                let message = "`persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"…\"}";
                request_error(StatusCode::BAD_REQUEST, media, message)
            }
            Refusal::HashMismatch => request_errors(
                "provided sha does not match query",
                "PERSISTED_QUERY_HASH_MISMATCH",
            ),
            // The message is the one Apollo's clients look for.
            Refusal::PersistedQueryNotFound => {
                request_errors("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            }
            Refusal::Unparsable(error) => {
                graphql_request_errors(media, vec![error], "GRAPHQL_PARSE_FAILED")
            }
        }
    }
}

/// The request of a GET or a JSON POST, or what is wrong with it.
fn build_request(
    document: &CachedDocument,
    operation_name: Option<String>,
    variables: Option<Value>,
) -> Result<async_graphql::Request, &'static str> {
    let variables = match variables {
        None | Some(Value::Null) => Variables::default(),
        Some(variables @ Value::Object(_)) => Variables::from_json(variables),
        Some(_) => return Err("`variables` must be an object"),
    };
    let mut request = async_graphql::Request::new(document.query.clone()).variables(variables);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    Ok(request)
}

/// Runs a request whose query parsed to `cached`, as the actor already authenticated if
/// given, else as the one its headers name.
async fn execute(
    state: AppState,
    media: ResponseMedia,
    headers: &HeaderMap,
    over_get: bool,
    mut request: async_graphql::Request,
    cached: Arc<CachedDocument>,
    actor: Option<Actor>,
) -> Response {
    if forges_uploads(&request) {
        let message = "the request names a file it does not carry";
        return request_error(StatusCode::BAD_REQUEST, media, message);
    }
    let operation_name = request.operation_name.clone();

    // Execution takes the document already parsed, and skips validation when the same
    // document, operation and variables passed it before.
    request.set_parsed_query(cached.document.clone());
    let document = &cached.document;
    let operation = selected_operation(document, operation_name.as_deref());
    let name = operation.and_then(|(name, _)| name).map(str::to_owned);
    if over_get && operation.is_some_and(|(_, operation)| operation.ty == OperationType::Mutation) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "mutations are sent with POST",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }

    let actor = match actor {
        Some(actor) => actor,
        None => match authenticate(&state, headers).await {
            Ok(actor) => actor,
            Err(response) => return response,
        },
    };
    if let Err(error) = check_aliases(cached.aliases, state.schemas.alias_limit) {
        return graphql_request_errors(media, vec![error], "GRAPHQL_VALIDATION_FAILED");
    }
    let request = request.data(Loaders::new(&state.db, &actor)).data(actor);
    // A request that passed every rule before runs with the limits checked alone.
    let key =
        state
            .documents
            .validation_key(&cached, operation_name.as_deref(), &request.variables);
    let validated = key
        .as_ref()
        .is_some_and(|key| state.documents.was_validated(key));
    let schema = if validated {
        &state.schemas.http_validated
    } else {
        &state.schemas.http
    };
    let mut response = schema.execute(request).await;
    restore_field_order(document, operation_name.as_deref(), &mut response.data);
    let is_request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    if let Some(key) = key.filter(|_| !validated && !is_request_error) {
        state.documents.remember_validated(key);
    }
    let mut http_response = if is_request_error {
        graphql_request_errors(media, response.errors, "GRAPHQL_VALIDATION_FAILED")
    } else {
        json_response(StatusCode::OK, media, &response)
    };
    if let Some(name) = name {
        http_response.extensions_mut().insert(OperationName(name));
    }

    http_response
}

/// The actor the request's `Authorization: Bearer` token names; anonymous without one. A
/// bad token is answered here, 401, rather than run as an anonymous request.
pub(super) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Actor, Response> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(Actor::anonymous());
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return Err(unauthenticated(
            "send the token as `Authorization: Bearer <token>`",
        ));
    };

    accounts::authenticate(&state.db, &state.tokens, token)
        .await
        .map_err(|error| match ApiError::from(error) {
            ApiError::Unauthenticated => {
                unauthenticated("the token is invalid or expired; sign in again")
            }
            error => {
                let status = match error {
                    ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                let code = error.code();
                let body = json!({ "errors": [{ "message": "cannot check the token now",
                                                "extensions": { "code": code } }] });
                json_response(status, ResponseMedia::Json, &body)
            }
        })
}

pub(super) fn unauthenticated(message: &str) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "UNAUTHENTICATED" } }] });
    let mut response = json_response(StatusCode::UNAUTHORIZED, ResponseMedia::Json, &body);
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// Errors that stopped the request before execution: no `data` in the body, and 400 when
/// the client reads `application/graphql-response+json` (200 for legacy `application/json`).
fn graphql_request_errors(media: ResponseMedia, errors: Vec<ServerError>, code: &str) -> Response {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|error| {
            let mut value = serde_json::to_value(&error).unwrap_or_else(|_| json!({}));
            if value.pointer("/extensions/code").is_none() {
                value["extensions"] = json!({ "code": code });
            }
            value
        })
        .collect();
    let status = match media {
        ResponseMedia::GraphqlResponse => StatusCode::BAD_REQUEST,
        ResponseMedia::Json => StatusCode::OK,
    };

    json_response(status, media, &json!({ "errors": errors }))
}

/// A request the server could not read as GraphQL at all.
fn request_error(status: StatusCode, media: ResponseMedia, message: &str) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
    json_response(status, media, &body)
}

fn not_acceptable() -> Response {
    let message = "accept application/graphql-response+json or application/json";
    request_error(StatusCode::NOT_ACCEPTABLE, ResponseMedia::Json, message)
}

fn json_response(
    status: StatusCode,
    media: ResponseMedia,
    body: &impl serde::Serialize,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static(media.content_type()))],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot serialise a GraphQL response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
