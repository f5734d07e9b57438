//! Bringing the server up: database, migrations, sample data, schema.

use std::time::Duration;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::{Database, migrations};
use crate::domain::sample_directory;
use crate::graphql;
use crate::http::AppState;

/// How long start-up waits for the database before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Migrates the database and opens the pool.
pub async fn open_database(config: &Config) -> anyhow::Result<Database> {
    let migrate = migrations::run_pending(&config.database_url);
    let applied = tokio::time::timeout(CONNECT_TIMEOUT, migrate)
        .await
        .with_context(|| format!("{} did not answer within 30 s", config.database_url))??;
    if applied > 0 {
        tracing::debug!(migrations.applied = applied, "database migrated");
    }

    Database::connect(&config.database_url, &config.pool)
}

/// Everything `serve` needs before it binds: a migrated database (with the sample directory
/// if it was empty and `sample_data` is on) and the schema.
pub async fn prepare(config: &Config) -> anyhow::Result<AppState> {
    let db = open_database(config).await?;
    if config.sample_data {
        let seeded = sample_directory::seed_if_empty(&db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot load the sample directory: {e:?}"))?;
        if seeded {
            tracing::debug!("sample directory loaded into the empty database");
        }
    }
    let schema = graphql::schema(db.clone(), config.limits);

    Ok(AppState::new(db, schema))
}
