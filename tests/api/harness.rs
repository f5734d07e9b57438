//! The test harness: a real server on a free port, over a database of its own.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};
use entities_hub::config::{Config, HttpConfig};
use entities_hub::db::{Database, DatabaseUrl, PoolOptions};
use entities_hub::domain::annual_reports::ReportSchedule;
use entities_hub::domain::post_feed::FeedOptions;
use entities_hub::domain::token::TokenKeys;
use entities_hub::graphql::QueryLimits;
use entities_hub::live::listener::ListenOptions;
use entities_hub::{http, startup};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The secret test servers sign tokens with.
pub const TOKEN_SECRET: &str = "a test secret that is long enough to sign tokens";

/// The keys test servers sign tokens with.
pub fn test_keys() -> TokenKeys {
    TokenKeys::new(
        TOKEN_SECRET.as_bytes(),
        std::time::Duration::from_secs(3600),
    )
    .expect("the test secret is long enough")
}

/// A valid token for this user, as `signIn` would give.
pub fn token_for(user_id: i64) -> String {
    test_keys()
        .issue(user_id, chrono::Utc::now())
        .expect("a token")
        .token
}

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server under test, its database, and a client.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Database,
    pub database: TestDatabase,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    /// Starts a server with default settings on `backend`; `None` when PostgreSQL tests are
    /// not configured (`TEST_POSTGRES_URL` unset, outside CI).
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server after `adjust` has changed its configuration.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let database = TestDatabase::create(backend).await?;
        Some(Self::start(database, adjust).await)
    }

    /// Starts a server on an existing test database.
    pub async fn start(database: TestDatabase, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            database_url: database.url.clone(),
            pool: PoolOptions::default(),
            listen: "127.0.0.1:0".parse().expect("a socket address"),
            limits: QueryLimits::default(),
            http: HttpConfig::default(),
            sample_data: true,
            token_secret: Some(TOKEN_SECRET.to_owned()),
            token_lifetime: std::time::Duration::from_secs(3600),
            feed: FeedOptions::default(),
            reports: ReportSchedule::default(),
            // No reads on a timer: they would count among a request's statements.
            outbox: ListenOptions {
                poll: std::time::Duration::from_secs(3600),
            },
        };
        adjust(&mut config);

        let state = startup::prepare(&config).await.expect("the server starts");
        let db = state.db.clone();
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("a free port");
        let address = format!("http://{}", listener.local_addr().expect("an address"));
        let router = http::router(state, &config.http);
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the server runs");
        });

        Self {
            address,
            client: reqwest::Client::new(),
            db,
            database,
            server,
        }
    }

    /// Stops the server and hands back its database, to start another on it.
    pub fn stop(mut self) -> TestDatabase {
        self.server.abort();
        std::mem::replace(&mut self.database, TestDatabase::detached())
    }

    /// Makes a new user the owner of the sample centre `acb` and returns their token.
    pub async fn owner_of_acb(&self) -> String {
        use entities_hub::domain::{accounts, directory, membership};
        let password = "a long enough password";
        let owner = accounts::create_user(&self.db, "owner@acb.example", "Owner", password, None)
            .await
            .unwrap()
            .unwrap();
        let acb = directory::organisation_by_slug(&self.db, "acb")
            .await
            .unwrap()
            .unwrap();
        let role = membership::MemberRole::Owner;
        membership::enrol(&self.db, acb.id, owner.id, role)
            .await
            .unwrap();
        token_for(owner.id)
    }

    /// POSTs a GraphQL request with `Authorization: Bearer {token}`; returns the response.
    pub async fn post_with_token(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
    }

    /// Like [`TestApp::data`], signed in with `token`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.post_with_token(token, query, variables).await;
        assert_eq!(response.status(), 200, "GraphQL over POST answers 200");
        let body: Value = response.json().await.expect("a JSON body");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// POSTs a GraphQL request and returns the whole response body, checking it is 200.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200, "GraphQL over POST answers 200");
        response.json().await.expect("a JSON body")
    }

    /// POSTs a GraphQL request and returns `data`, failing the test on any error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// POSTs a GraphQL request that must fail, and returns the first error's code.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let body = self.graphql(query, variables).await;
        let code = &body["errors"][0]["extensions"]["code"];
        code.as_str()
            .unwrap_or_else(|| panic!("an error with a code: {body}"))
            .to_owned()
    }

    /// How many SQL statements the server has sent, read from `/metrics`.
    pub async fn statements_sent(&self) -> u64 {
        let metrics = self
            .get("/metrics")
            .await
            .text()
            .await
            .expect("metrics text");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix("hub_db_statements_total "))
            .and_then(|count| count.parse().ok())
            .expect("hub_db_statements_total in /metrics")
    }

    /// GETs a path of the server.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("an answer")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A database for one test, removed when the test ends.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A placeholder that owns nothing.
    fn detached() -> Self {
        Self {
            url: DatabaseUrl::Sqlite("detached".into()),
            _dir: None,
            postgres: None,
        }
    }

    /// An empty database on `backend`; `None` when PostgreSQL is not configured.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = DatabaseUrl::Sqlite(dir.path().join("hub.db"));
                Some(Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = unique_database_name();
                let mut admin = AsyncPgConnection::establish(&admin_url)
                    .await
                    .expect("TEST_POSTGRES_URL reaches PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("a test database is created");
                let url = DatabaseUrl::Postgres(with_database(&admin_url, &name));
                Some(Self {
                    url,
                    _dir: None,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }

    /// Makes the database disappear under a running server.
    pub async fn remove(&self) {
        match (&self.url, &self.postgres) {
            (DatabaseUrl::Sqlite(path), _) => std::fs::remove_file(path).expect("the file goes"),
            (_, Some((admin_url, name))) => drop_postgres(admin_url.clone(), name.clone()).await,
            _ => unreachable!("a PostgreSQL test database has an admin URL"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async code: use a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(drop_postgres(admin_url, name));
            }
        })
        .join();
    }
}

async fn drop_postgres(admin_url: String, name: String) {
    if let Ok(mut admin) = AsyncPgConnection::establish(&admin_url).await {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

/// `TEST_POSTGRES_URL`, or `None` to skip PostgreSQL tests. In CI a missing URL fails the
/// test instead, so PostgreSQL can never be skipped there silently.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must run the PostgreSQL tests: set TEST_POSTGRES_URL")
        }
        _ => None,
    }
}

fn unique_database_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("hub_test_{}_{n}_{nanos}", std::process::id())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut rewritten = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        rewritten.push('?');
        rewritten.push_str(query);
    }
    rewritten
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL, each with a
/// server of its own, as the tests `name::sqlite` and `name::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite)
                    .await
                    .expect("SQLite is always there");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let backend = $crate::harness::Backend::Postgres;
                match $crate::harness::TestApp::spawn(backend).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("skipped: TEST_POSTGRES_URL is not set"),
                }
            }
        }
    )+};
}

/// Runs each named `async fn(Backend)` once per backend, for tests that start their own
/// server; they return early when `TestApp::spawn_with` gives `None`.
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::harness::Backend::Postgres).await;
            }
        }
    )+};
}

pub(crate) use {on_both_backends, on_each_backend};
