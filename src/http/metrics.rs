//! `GET /metrics` in the Prometheus text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::response::IntoResponse;
use http::header::CONTENT_TYPE;

use super::AppState;
use crate::live::{self, listener};

/// Counters the HTTP layer keeps.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses sent, by status class: 2xx, 3xx, 4xx, 5xx.
    responses: [AtomicU64; 4],
}

impl Metrics {
    /// Counts one response with this status.
    pub fn record(&self, status: u16) {
        if let Some(counter) = (status / 100)
            .checked_sub(2)
            .and_then(|i| self.responses.get(usize::from(i)))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Renders every metric.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# HELP hub_http_responses_total HTTP responses sent, by status class."
    );
    let _ = writeln!(text, "# TYPE hub_http_responses_total counter");
    for (class, counter) in ["2xx", "3xx", "4xx", "5xx"]
        .iter()
        .zip(&state.metrics.responses)
    {
        let count = counter.load(Ordering::Relaxed);
        let _ = writeln!(
            text,
            "hub_http_responses_total{{class=\"{class}\"}} {count}"
        );
    }
    let _ = writeln!(
        text,
        "# HELP hub_db_statements_total SQL statements sent to the database."
    );
    let _ = writeln!(text, "# TYPE hub_db_statements_total counter");
    let _ = writeln!(
        text,
        "hub_db_statements_total {}",
        state.db.statements_executed()
    );
    let _ = writeln!(
        text,
        "# HELP hub_live_listener_connects_total Times the connection listening for other \
         instances' live events was opened (PostgreSQL)."
    );
    let _ = writeln!(text, "# TYPE hub_live_listener_connects_total counter");
    let _ = writeln!(
        text,
        "hub_live_listener_connects_total {}",
        listener::LISTENER_CONNECTS.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        text,
        "# HELP hub_live_notifications_total Notifications of new live events received."
    );
    let _ = writeln!(text, "# TYPE hub_live_notifications_total counter");
    let _ = writeln!(
        text,
        "hub_live_notifications_total {}",
        listener::NOTIFICATIONS.load(Ordering::Relaxed)
    );
    for (name, help, kind, value) in [
        (
            "hub_live_subscribers",
            "Live subscriptions open now.",
            "gauge",
            live::SUBSCRIBERS.load(Ordering::Relaxed),
        ),
        (
            "hub_live_events_delivered_total",
            "Live events sent, once per subscriber.",
            "counter",
            live::EVENTS_DELIVERED.load(Ordering::Relaxed),
        ),
        (
            "hub_live_subscribers_dropped_total",
            "Subscriptions ended because they fell too far behind.",
            "counter",
            live::SUBSCRIBERS_DROPPED.load(Ordering::Relaxed),
        ),
    ] {
        let _ = writeln!(text, "# HELP {name} {help}");
        let _ = writeln!(text, "# TYPE {name} {kind}");
        let _ = writeln!(text, "{name} {value}");
    }
    let (open, idle, waiting) = state.db.pool_status();
    let _ = writeln!(
        text,
        "# HELP hub_db_pool_connections Database connections open, and idle."
    );
    let _ = writeln!(text, "# TYPE hub_db_pool_connections gauge");
    let _ = writeln!(text, "hub_db_pool_connections{{state=\"open\"}} {open}");
    let _ = writeln!(text, "hub_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(
        text,
        "# HELP hub_db_pool_waiting Requests waiting for a database connection now."
    );
    let _ = writeln!(text, "# TYPE hub_db_pool_waiting gauge");
    let _ = writeln!(text, "hub_db_pool_waiting {waiting}");

    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
}
