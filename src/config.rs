//! The server's settings, read from the command line and these environment variables:
//! `DATABASE_URL`, `HUB_DB_POOL_SIZE`, `HUB_DB_WAIT_MS`, `HUB_LISTEN`, `HUB_LOG_FORMAT`,
//! `HUB_MAX_BODY_BYTES`, `HUB_MAX_QUERY_DEPTH`, `HUB_MAX_QUERY_COMPLEXITY`,
//! `HUB_MAX_QUERY_ALIASES`, `HUB_CORS_ORIGINS`, `HUB_SHUTDOWN_GRACE_SECS`, `HUB_NO_SAMPLE_DATA`,
//! `HUB_TOKEN_SECRET`, `HUB_TOKEN_TTL_MINUTES`, `HUB_EVENT_RETENTION_HOURS`, `HUB_LIVE_BUFFER`,
//! `HUB_MAX_UPLOAD_BYTES`, `HUB_ANNUAL_REPORT_DUE`, `HUB_ANNUAL_REPORT_GRACE_DAYS`,
//! `HUB_LIVE_POLL_MS` and `RUST_LOG`.

use std::net::SocketAddr;
use std::time::Duration;

use crate::cli::Options;
use crate::db::{DatabaseUrl, PoolOptions};
use crate::domain::annual_reports::ReportSchedule;
use crate::domain::post_feed::FeedOptions;
use crate::graphql::QueryLimits;
use crate::live::listener::ListenOptions;

/// Which browser origins may call the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    Any,
    List(Vec<String>),
}

impl CorsOrigins {
    fn parse(raw: &str) -> Self {
        let origins: Vec<String> = raw
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect();
        if origins.iter().any(|origin| origin == "*") {
            Self::Any
        } else {
            Self::List(origins)
        }
    }
}

/// What the HTTP layer needs to know.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub max_body_bytes: usize,
    /// Largest file in a multipart upload.
    pub max_upload_bytes: usize,
    pub cors_origins: CorsOrigins,
    pub shutdown_grace: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            max_upload_bytes: 20 << 20,
            cors_origins: CorsOrigins::Any,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Everything the server is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub pool: PoolOptions,
    pub listen: SocketAddr,
    pub limits: QueryLimits,
    pub http: HttpConfig,
    /// Load the sample directory into an empty database at start-up.
    pub sample_data: bool,
    /// The secret that signs access tokens; `None` to use the one kept beside an SQLite file.
    pub token_secret: Option<String>,
    pub token_lifetime: Duration,
    pub feed: FeedOptions,
    /// When annual reports fall due.
    pub reports: ReportSchedule,
    /// How the instance watches the outbox for other instances' events.
    pub outbox: ListenOptions,
}

impl TryFrom<&Options> for Config {
    type Error = String;

    /// Checks what clap cannot, such as the database URL, with one line saying what is wrong.
    fn try_from(options: &Options) -> Result<Self, String> {
        let database_url = DatabaseUrl::parse(&options.database_url)
            .map_err(|problem| format!("--database-url/DATABASE_URL: {problem}"))?;

        Ok(Self {
            database_url,
            pool: PoolOptions {
                max_size: options.db_pool_size as usize,
                wait_timeout: Duration::from_millis(options.db_wait_ms),
            },
            listen: options.listen,
            limits: QueryLimits {
                depth: options.max_query_depth,
                complexity: options.max_query_complexity,
                aliases: options.max_query_aliases,
                cached_documents: options.document_cache,
            },
            http: HttpConfig {
                max_body_bytes: options.max_body_bytes,
                max_upload_bytes: options.max_upload_bytes,
                cors_origins: CorsOrigins::parse(&options.cors_origins),
                shutdown_grace: Duration::from_secs(options.shutdown_grace_secs),
            },
            sample_data: !options.no_sample_data,
            token_secret: options
                .token_secret
                .clone()
                .filter(|secret| !secret.is_empty()),
            token_lifetime: Duration::from_secs(options.token_ttl_minutes * 60),
            feed: FeedOptions {
                retention: chrono::TimeDelta::hours(i64::from(options.event_retention_hours)),
                buffer: options.live_buffer as usize,
            },
            outbox: ListenOptions {
                poll: Duration::from_millis(options.live_poll_ms),
            },
            reports: ReportSchedule::parse(
                &options.annual_report_due,
                options.annual_report_grace_days,
            )
            .map_err(|problem| format!("--annual-report-due/HUB_ANNUAL_REPORT_DUE: {problem}"))?,
        })
    }
}
