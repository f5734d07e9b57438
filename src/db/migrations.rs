//! The embedded migrations of both backends, run at start-up and by `entities-hub migrate`.

use anyhow::Context as _;
use diesel::{Connection as _, RunQueryDsl as _, SqliteConnection};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness as _, embed_migrations};

use super::DatabaseUrl;
use super::postgres::Connector;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Any constant will do, as long as every instance uses the same one.
const MIGRATION_LOCK: i64 = 0x656e_7469_7469_6573;

/// Applies the pending migrations and returns how many ran.
///
/// On PostgreSQL the run holds an advisory lock, so instances starting together against an
/// empty database migrate it once instead of racing.
pub async fn run_pending(url: &DatabaseUrl) -> anyhow::Result<usize> {
    let run = match url {
        DatabaseUrl::Postgres(raw) => {
            let connector = Connector::from_url(raw).map_err(anyhow::Error::msg)?;
            let conn = connector
                .connect()
                .await
                .map_err(|e| anyhow::anyhow!(describe_connection_error(&e)))?;
            tokio::task::spawn_blocking(move || migrate_postgres(conn.into()))
        }
        DatabaseUrl::Sqlite(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || migrate_sqlite(&path))
        }
    };
    run.await.context("the migration task stopped")?
}

/// Migrations are synchronous in Diesel, so they run on a blocking thread over a wrapper
/// that drives the asynchronous connection.
fn migrate_postgres(mut conn: AsyncConnectionWrapper<AsyncPgConnection>) -> anyhow::Result<usize> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .execute(&mut conn)
        .context("cannot take the migration lock")?;
    let applied = conn.run_pending_migrations(POSTGRES).map(|done| done.len());
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .execute(&mut conn)
        .context("cannot release the migration lock")?;

    applied.map_err(|e| anyhow::anyhow!("a PostgreSQL migration failed: {e}"))
}

fn migrate_sqlite(path: &std::path::Path) -> anyhow::Result<usize> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    }
    let raw = path
        .to_str()
        .context("the SQLite path is not valid UTF-8")?;
    super::sqlite_memory::install();
    let mut conn = SqliteConnection::establish(raw)
        .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
    diesel::sql_query("PRAGMA busy_timeout = 5000").execute(&mut conn)?;

    conn.run_pending_migrations(SQLITE)
        .map(|done| done.len())
        .map_err(|e| anyhow::anyhow!("an SQLite migration failed: {e}"))
}

/// Turns a PostgreSQL connection failure into one line an operator can act on.
pub fn describe_connection_error(error: &diesel::ConnectionError) -> String {
    let detail = error.to_string();
    if detail.contains("does not exist") && detail.contains("database") {
        format!(
            "{detail}: create it first (for example `createdb hub`); the server creates only tables"
        )
    } else {
        format!("cannot connect to PostgreSQL: {detail}")
    }
}
