//! Liveness and readiness probes.

use axum::extract::State;
use axum::response::IntoResponse;
use http::StatusCode;

use super::AppState;

/// `GET /healthz`: the process is up and answering.
pub async fn live() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// `GET /readyz`: the database answers too; 503 when it does not, so a load balancer sends
/// traffic elsewhere until it does.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
