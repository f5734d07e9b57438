//! One log line per request: method, path, status, GraphQL operation and duration.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::graphql::OperationName;

/// Logs the request once it is answered, and counts it for the metrics.
pub async fn log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();

    let response = next.run(request).await;

    let status = response.status().as_u16();
    let operation = response
        .extensions()
        .get::<OperationName>()
        .map(|name| name.0.as_str());
    state.metrics.record(status);
    tracing::info!(
        http.method = %method,
        http.path = %path,
        http.status = status,
        graphql.operation = operation.unwrap_or(""),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request answered"
    );

    response
}
