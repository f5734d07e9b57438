//! Bringing the server up: database, migrations, sample data, token keys, schema.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::{Database, DatabaseUrl, migrations};
use crate::domain::accreditation_feed::AccreditationFeed;
use crate::domain::conversation_feed::ConversationFeed;
use crate::domain::membership::{self, MemberRole};
use crate::domain::post_feed::PostFeed;
use crate::domain::token::TokenKeys;
use crate::domain::user::PlatformRole;
use crate::domain::{DomainError, accounts, directory, sample_directory, sample_posts};
use crate::graphql;
use crate::http::AppState;
use crate::live::listener::{self, DispatchAll};

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

/// Everything `serve` needs before it binds: token keys, a migrated database (with the
/// sample directory if it was empty and sample data is on), the live feed, and the schema.
pub async fn prepare(config: &Config) -> anyhow::Result<AppState> {
    let _lock = start_up_lock(config).await?;
    Ok(prepare_seeded(config).await?.0)
}

/// Like [`prepare`], and on a new SQLite database also demo accounts and sample posts: what
/// the `serve` command starts with, so that a first run shows something to try.
pub async fn prepare_with_demo(config: &Config) -> anyhow::Result<AppState> {
    let _lock = start_up_lock(config).await?;
    let (state, seeded) = prepare_seeded(config).await?;
    // Demo accounts only on the embedded default: a production database never gets an
    // account whose password went to a console.
    if seeded && config.database_url.is_sqlite() {
        create_demo_content(&state.db, &state.feed).await?;
    }

    Ok(state)
}

/// On SQLite, an exclusive lock on a file beside the database, held while an instance
/// migrates and seeds it, so that instances starting together on one file do it once.
/// PostgreSQL migrations take an advisory lock of their own, and seeding it is idempotent.
async fn start_up_lock(config: &Config) -> anyhow::Result<Option<std::fs::File>> {
    let DatabaseUrl::Sqlite(path) = &config.database_url else {
        return Ok(None);
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    }
    let mut name = path.as_os_str().to_owned();
    name.push(".start-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .with_context(|| format!("cannot open the start-up lock {}", name.display()))?;
    let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .context("the start-up lock task stopped")?
        .context("cannot take the start-up lock")?;
    Ok(Some(file))
}

/// The state, and whether the sample directory was loaded just now.
async fn prepare_seeded(config: &Config) -> anyhow::Result<(AppState, bool)> {
    let keys = token_keys(config)?;
    let db = open_database(config).await?;
    let feed = PostFeed::start(db.clone(), config.feed)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the live feed: {e:?}"))?;
    feed.spawn_pruning();
    let seeded = if config.sample_data {
        sample_directory::seed_if_empty(&db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot load the sample directory: {e:?}"))?
    } else {
        false
    };
    let conversations = ConversationFeed::start(db.clone(), config.feed)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the live feed: {e:?}"))?;
    let accreditation = AccreditationFeed::start(db.clone(), config.feed)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the live feed: {e:?}"))?;
    let dispatch_all: DispatchAll = {
        let feeds = (feed.clone(), conversations.clone(), accreditation.clone());
        Arc::new(move || {
            let (posts, conversations, accreditation) = feeds.clone();
            Box::pin(async move {
                posts.dispatch_after_commit().await;
                conversations.dispatch_after_commit().await;
                accreditation.dispatch_after_commit().await;
            })
        })
    };
    let connector = db.postgres_connector().cloned();
    listener::spawn(connector, config.outbox, dispatch_all);
    let feeds = graphql::Feeds {
        posts: feed.clone(),
        conversations,
        accreditation,
    };
    let documents = Arc::new(graphql::DocumentCache::new(config.limits.cached_documents));
    let schemas = graphql::schemas(
        db.clone(),
        keys.clone(),
        feeds,
        config.limits,
        config.reports,
    );

    Ok((AppState::new(db, schemas, keys, feed, documents), seeded))
}

/// The keys that sign access tokens: from `HUB_TOKEN_SECRET`, or on SQLite from a secret
/// generated once and kept beside the database file.
pub fn token_keys(config: &Config) -> anyhow::Result<TokenKeys> {
    let secret = match (&config.token_secret, &config.database_url) {
        (Some(secret), _) => secret.clone(),
        (None, DatabaseUrl::Sqlite(path)) => local_secret(path)?,
        (None, DatabaseUrl::Postgres(_)) => anyhow::bail!(
            "HUB_TOKEN_SECRET is required with PostgreSQL: every instance must sign tokens \
             with the same secret"
        ),
    };

    TokenKeys::new(secret.as_bytes(), config.token_lifetime).map_err(anyhow::Error::msg)
}

/// Reads the secret kept in `token-secret` beside the SQLite file, creating it first if
/// needed.
fn local_secret(database: &Path) -> anyhow::Result<String> {
    let dir = database
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = dir.join("token-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().to_owned());
    }

    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let secret = random_text(48)?;
    write_private(&path, &secret)
        .with_context(|| format!("cannot write the token secret to {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "generated a token signing secret; set HUB_TOKEN_SECRET to choose one"
    );
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// Letters and digits from the operating system's random source.
fn random_text(length: usize) -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = vec![0_u8; length];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    // 256 is not a multiple of the alphabet's size; the bias this leaves is far below what
    // a guesser could use.
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// The e-mail address of the demo Secretariat admin.
pub const DEMO_ADMIN_EMAIL: &str = "demo-admin@example.org";
/// The e-mail address of the demo owner of a sample entity.
pub const DEMO_OWNER_EMAIL: &str = "demo-owner@example.org";
/// The sample entity the demo owner owns.
const DEMO_ENTITY_SLUG: &str = "asean-isis";

/// Creates a demo Secretariat admin and a demo owner of a sample entity, each with a random
/// password printed once, and the sample posts of that entity, written by its demo owner.
async fn create_demo_content(db: &Database, feed: &PostFeed) -> anyhow::Result<()> {
    let fail = |e: DomainError| anyhow::anyhow!("cannot create the demo accounts: {e:?}");
    let admin_password = random_text(20)?;
    let owner_password = random_text(20)?;
    let admin = accounts::create_user(
        db,
        DEMO_ADMIN_EMAIL,
        "Demo Secretariat admin",
        &admin_password,
        Some(PlatformRole::SecretariatAdmin),
    )
    .await
    .map_err(fail)?;
    let owner = accounts::create_user(db, DEMO_OWNER_EMAIL, "Demo owner", &owner_password, None)
        .await
        .map_err(fail)?;
    let entity = directory::organisation_by_slug(db, DEMO_ENTITY_SLUG)
        .await
        .map_err(fail)?;
    if let (Ok(_), Ok(owner), Some(entity)) = (admin, owner, entity) {
        membership::enrol(db, entity.id, owner.id, MemberRole::Owner)
            .await
            .map_err(fail)?;
        sample_posts::publish_samples(db, feed, owner.id, entity.id)
            .await
            .map_err(|e| anyhow::anyhow!("cannot publish the sample posts: {e:?}"))?;
        println!(
            "Demo accounts were created in this new database; their passwords are shown only now.\n  \
             Secretariat admin: {DEMO_ADMIN_EMAIL}  password: {admin_password}\n  \
             Owner of {}: {DEMO_OWNER_EMAIL}  password: {owner_password}",
            entity.name
        );
    }

    Ok(())
}
