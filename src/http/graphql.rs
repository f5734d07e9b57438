//! GraphQL over HTTP: GET for queries, POST for everything, per the GraphQL-over-HTTP
//! specification (media types, status codes, 405 for a mutation over GET).

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use async_graphql_axum::GraphQLProtocol;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::media::{ResponseMedia, negotiate};
use super::{AppState, websocket};
use crate::domain::accounts;
use crate::domain::user::Actor;
use crate::graphql::{ApiError, Loaders, restore_field_order, selected_operation};

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
}

/// The body of a POST request.
#[derive(Debug, Deserialize)]
struct PostBody {
    query: String,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<Value>,
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
    let Some(query) = params.query.filter(|query| !query.trim().is_empty()) else {
        return request_error(StatusCode::BAD_REQUEST, media, "`query` is missing");
    };
    let variables = match params
        .variables
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        None => None,
        Some(Ok(variables)) => Some(variables),
        Some(Err(_)) => {
            return request_error(StatusCode::BAD_REQUEST, media, "`variables` is not JSON");
        }
    };

    execute(
        state,
        media,
        &headers,
        true,
        query,
        params.operation_name,
        variables,
    )
    .await
}

/// `POST /graphql` with a JSON body.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    if !is_json(&headers) {
        let mut response = request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as `Content-Type: application/json`",
        );
        response
            .headers_mut()
            .insert("accept-post", HeaderValue::from_static("application/json"));
        return response;
    }
    let body: PostBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            let message = format!("the body is not a GraphQL request: {error}");
            return request_error(StatusCode::BAD_REQUEST, media, &message);
        }
    };

    execute(
        state,
        media,
        &headers,
        false,
        body.query,
        body.operation_name,
        body.variables,
    )
    .await
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

async fn execute(
    state: AppState,
    media: ResponseMedia,
    headers: &HeaderMap,
    over_get: bool,
    query: String,
    operation_name: Option<String>,
    variables: Option<Value>,
) -> Response {
    let variables = match variables {
        None | Some(Value::Null) => Variables::default(),
        Some(variables @ Value::Object(_)) => Variables::from_json(variables),
        Some(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                "`variables` must be an object",
            );
        }
    };
    let mut request = async_graphql::Request::new(query).variables(variables);
    if let Some(name) = &operation_name {
        request = request.operation_name(name);
    }

    // Parse once here to see what the operation is; execution reuses the parsed document.
    let document = match request.parsed_query() {
        Ok(document) => document.clone(),
        Err(error) => return graphql_request_errors(media, vec![error], "GRAPHQL_PARSE_FAILED"),
    };
    let operation = selected_operation(&document, operation_name.as_deref());
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

    let actor = match authenticate(&state, headers).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let request = request.data(Loaders::new(&state.db, &actor)).data(actor);
    let mut response = state.schema.execute(request).await;
    restore_field_order(&document, operation_name.as_deref(), &mut response.data);
    let is_request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
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
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Actor, Response> {
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

fn unauthenticated(message: &str) -> Response {
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
