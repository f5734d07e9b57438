//! One pool type over both backends, and the connection enum that queries are written against.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::{ConnectionError, SqliteConnection};
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures::FutureExt as _;

use super::DatabaseUrl;
use super::postgres::Connector;

/// The SQLite connection type: Diesel's synchronous connection run on blocking threads.
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

/// Sizes and waits of the connection pool.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: usize,
    /// How long a request waits for a free connection, or for a new one to open.
    pub wait_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
        }
    }
}

/// A failure to reach or use the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time: the pool is exhausted or the server is down.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A statement failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// The connection pool, cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Backend,
    statements: Arc<AtomicU64>,
}

#[derive(Clone)]
enum Backend {
    Pg {
        pool: Pool<AsyncPgConnection>,
        connector: Connector,
    },
    Sqlite {
        pool: Pool<SqliteConn>,
        path: PathBuf,
    },
}

/// A connection checked out of the pool; it goes back when dropped.
#[expect(
    clippy::large_enum_variant,
    reason = "a checkout lives briefly on one stack frame; boxing would allocate per request"
)]
pub enum DbConn {
    Pg(Object<AsyncPgConnection>),
    Sqlite(Object<SqliteConn>),
}

impl Database {
    /// Builds the pool. Connections open lazily; call [`Database::ping`] to check the server.
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Self> {
        let statements = Arc::new(AtomicU64::new(0));
        let pool = match url {
            DatabaseUrl::Postgres(raw) => {
                let connector = Connector::from_url(raw).map_err(anyhow::Error::msg)?;
                let setup = setup_postgres(connector.clone(), Arc::clone(&statements));
                Backend::Pg {
                    pool: build_pool(raw, setup, options)?,
                    connector,
                }
            }
            DatabaseUrl::Sqlite(path) => {
                let raw = path
                    .to_str()
                    .context("the SQLite path is not valid UTF-8")?;
                let setup = setup_sqlite(Arc::clone(&statements));
                let pool = build_pool(raw, setup, options)?;
                Backend::Sqlite {
                    pool,
                    path: path.clone(),
                }
            }
        };

        Ok(Self { pool, statements })
    }

    /// Checks a connection out of the pool, waiting at most the configured time.
    pub async fn conn(&self) -> Result<DbConn, DbError> {
        match &self.pool {
            Backend::Pg { pool, .. } => pool.get().await.map(DbConn::Pg).map_err(unavailable),
            Backend::Sqlite { pool, .. } => {
                pool.get().await.map(DbConn::Sqlite).map_err(unavailable)
            }
        }
    }

    /// Runs a trivial statement to prove the database answers.
    ///
    /// On SQLite it also checks that the file is still where it was opened: connections to a
    /// deleted file keep working, but what they write is lost.
    pub async fn ping(&self) -> Result<(), DbError> {
        if let Backend::Sqlite { path, .. } = &self.pool
            && !path.exists()
        {
            return Err(DbError::Unavailable(
                "the SQLite database file is gone".into(),
            ));
        }
        let mut conn = self.conn().await?;
        crate::on_conn!(&mut conn, |c| c.batch_execute("SELECT 1").await)?;

        Ok(())
    }

    /// How to open a PostgreSQL connection of one's own, outside the pool; `None` on SQLite.
    pub fn postgres_connector(&self) -> Option<&Connector> {
        match &self.pool {
            Backend::Pg { connector, .. } => Some(connector),
            Backend::Sqlite { .. } => None,
        }
    }

    /// Whether this database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.pool, Backend::Sqlite { .. })
    }

    /// How many SQL statements this pool's connections have sent since start-up.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Connections open and idle, and requests waiting for one, for the metrics endpoint.
    pub fn pool_status(&self) -> (usize, usize, usize) {
        let status = match &self.pool {
            Backend::Pg { pool, .. } => pool.status(),
            Backend::Sqlite { pool, .. } => pool.status(),
        };
        (status.size, status.available, status.waiting)
    }
}

fn unavailable(error: PoolError) -> DbError {
    DbError::Unavailable(error.to_string())
}

fn build_pool<C>(
    url: &str,
    custom_setup: diesel_async::pooled_connection::SetupCallback<C>,
    options: &PoolOptions,
) -> anyhow::Result<Pool<C>>
where
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager,
{
    // `Fast` recycling trusts a returned connection instead of pinging it on every checkout;
    // a connection the server dropped fails once and is then discarded as broken.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = custom_setup;
    let manager = AsyncDieselConnectionManager::<C>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(options.max_size)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.wait_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("cannot build the connection pool")
}

/// Opens pooled connections with `connector`, which knows the URL's TLS parameters, rather
/// than from the URL the pool holds, which diesel-async would open without TLS.
fn setup_postgres(
    connector: Connector,
    statements: Arc<AtomicU64>,
) -> diesel_async::pooled_connection::SetupCallback<AsyncPgConnection> {
    Box::new(move |_url| {
        let statements = Arc::clone(&statements);
        let connector = connector.clone();
        async move {
            let mut conn = connector.connect().await?;
            conn.set_instrumentation(StatementCounter(statements));
            Ok(conn)
        }
        .boxed()
    })
}

fn setup_sqlite(
    statements: Arc<AtomicU64>,
) -> diesel_async::pooled_connection::SetupCallback<SqliteConn> {
    Box::new(move |path| {
        let statements = Arc::clone(&statements);
        let path = path.to_owned();
        async move {
            super::sqlite_memory::install();
            let mut conn = SqliteConn::establish(&path).await?;
            // WAL lets readers run beside the one writer; busy_timeout makes a writer wait
            // for the lock instead of failing at once.
            conn.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            )
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            conn.set_instrumentation(StatementCounter(statements));
            Ok(conn)
        }
        .boxed()
    })
}

/// Counts every statement sent, so tests and `/metrics` can prove a query is not N+1.
struct StatementCounter(Arc<AtomicU64>);

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
            if tracing::enabled!(tracing::Level::TRACE) {
                // Diesel appends the bound values; they hold e-mail addresses and password
                // hashes, which never go into a log.
                let text = query.to_string();
                let sql = text.split(" -- binds:").next().unwrap_or_default();
                tracing::trace!(sql, "statement sent");
            }
        }
    }
}

/// Runs one Diesel body on whichever backend `$conn` (a `&mut DbConn`) is connected to.
///
/// The body is compiled once per backend, so it may use any DSL both support.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(pooled) => {
                let $c: &mut diesel_async::AsyncPgConnection = &mut *pooled;
                $body
            }
            $crate::db::DbConn::Sqlite(pooled) => {
                let $c: &mut $crate::db::SqliteConn = &mut *pooled;
                $body
            }
        }
    };
}

/// Runs a body in a write transaction on whichever backend `$conn` is connected to.
///
/// SQLite opens it with `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes
/// fails with "database is locked" when another writer got there first.
#[macro_export]
macro_rules! write_transaction {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(pooled) => {
                use diesel_async::AsyncConnection as _;
                let conn: &mut diesel_async::AsyncPgConnection = &mut *pooled;
                conn.transaction(async |$c: &mut diesel_async::AsyncPgConnection| $body)
                    .await
            }
            $crate::db::DbConn::Sqlite(pooled) => {
                let conn: &mut $crate::db::SqliteConn = &mut *pooled;
                conn.immediate_transaction(async |$c: &mut $crate::db::SqliteConn| $body)
                    .await
            }
        }
    };
}
