//! HTTP: the router, GraphQL over HTTP, the playground, health and metrics, and serving.

mod access_log;
mod closing;
mod documents;
mod feeds;
mod graphql;
mod health;
mod media;
mod metrics;
mod playground;
mod websocket;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use http::{HeaderName, Method, header};
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use closing::Closing;

use crate::config::{CorsOrigins, HttpConfig};
use crate::db::Database;
use crate::domain::post_feed::PostFeed;
use crate::domain::token::TokenKeys;
use crate::graphql::{DocumentCache, Schemas};

pub use metrics::Metrics;

/// What every handler can reach. axum and tower clone it for every request, several times
/// over, so it is one shared pointer rather than a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The contents of [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub db: Database,
    pub schemas: Schemas,
    pub tokens: Arc<TokenKeys>,
    pub metrics: Arc<Metrics>,
    pub feed: PostFeed,
    /// The limits of request bodies, set by [`router`].
    pub limits: BodyLimits,
    /// Multipart requests being read at once: each holds its files in memory, so their
    /// number bounds what uploads can take.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Whether the server is shutting down, which WebSockets watch.
    pub closing: Closing,
    /// Documents parsed and validated before, and persisted queries.
    pub documents: Arc<DocumentCache>,
}

/// How many multipart requests are read at once; the others wait their turn.
pub const CONCURRENT_UPLOADS: usize = 4;

/// How large request bodies may be.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimits {
    /// A JSON body, or the `operations` part of a multipart one.
    pub json: usize,
    /// One file of a multipart upload.
    pub upload: usize,
}

impl AppState {
    pub fn new(
        db: Database,
        schemas: Schemas,
        tokens: TokenKeys,
        feed: PostFeed,
        documents: Arc<DocumentCache>,
    ) -> Self {
        Self(Arc::new(Shared {
            db,
            schemas,
            tokens: Arc::new(tokens),
            metrics: Arc::default(),
            feed,
            limits: BodyLimits {
                json: HttpConfig::default().max_body_bytes,
                upload: HttpConfig::default().max_upload_bytes,
            },
            uploads: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_UPLOADS)),
            closing: Closing::default(),
            documents,
        }))
    }
}

/// All routes, with the body limit, CORS and the access log.
pub fn router(mut state: AppState, config: &HttpConfig) -> Router {
    Arc::make_mut(&mut state.0).limits = BodyLimits {
        json: config.max_body_bytes,
        upload: config.max_upload_bytes,
    };
    Router::new()
        .merge(playground::routes())
        .merge(feeds::routes())
        .merge(documents::routes())
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::render))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(cors(&config.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access_log::log,
        ))
        .with_state(state)
}

fn cors(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(origins) => {
            AllowOrigin::list(origins.iter().filter_map(|origin| origin.parse().ok()))
        }
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
        .expose_headers([HeaderName::from_static("content-type")])
        .max_age(std::time::Duration::from_secs(3600))
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting, closes the WebSockets (whose
/// state is `closing`), and lets in-flight requests finish for up to
/// `config.shutdown_grace` before returning.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    closing: Closing,
    config: &HttpConfig,
) -> std::io::Result<()> {
    let server = axum::serve(listener, router).with_graceful_shutdown({
        let closing = closing.clone();
        async move { closing.begun().await }
    });
    let mut server = std::pin::pin!(server.into_future());

    tokio::select! {
        result = &mut server => return result,
        () = shutdown_signal() => {}
    }
    tracing::info!(
        grace_secs = config.shutdown_grace.as_secs(),
        "shutting down"
    );
    closing.begin();
    // Upgraded connections are no longer the server's: wait for the sockets apart.
    let drained = async {
        let result = server.await;
        closing.sockets_closed().await;
        result
    };
    match tokio::time::timeout(config.shutdown_grace, drained).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("grace period over; dropping the requests still in flight");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
