//! Several instances on one database, as real processes: what is published through one
//! reaches the subscribers of another exactly once and in order, also when the connection
//! listening for notifications is killed in the middle of a burst.

use std::process::Stdio;
use std::time::Duration;

use diesel_async::RunQueryDsl as _;
use entities_hub::db::{Database, DatabaseUrl, PoolOptions};
use entities_hub::domain::membership::{self, MemberRole};
use entities_hub::domain::{accounts, directory};
use serde_json::{Value, json};
use tokio::process::Child;

use crate::cli::{hub, url_text};
use crate::cluster::{Certificates, OwnCluster};
use crate::harness::{Backend, TOKEN_SECRET, TestDatabase, on_each_backend, token_for};
use crate::websocket::{Socket, receive, subscribe_at};

/// How many posts a burst publishes.
const BURST: usize = 30;

/// A server process; killed when dropped.
struct Instance {
    address: String,
    _process: Child,
}

impl Instance {
    /// Starts `entities-hub serve` on `database` and waits until it is ready.
    async fn start(url: &DatabaseUrl, poll_ms: u64) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = hub()
            .env("DATABASE_URL", url_text(url))
            .env("HUB_LISTEN", format!("127.0.0.1:{port}"))
            .env("HUB_TOKEN_SECRET", TOKEN_SECRET)
            .env("HUB_LIVE_POLL_MS", poll_ms.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let ready = client.get(format!("{address}/readyz")).send().await;
            if ready.is_ok_and(|response| response.status() == 200) {
                return Self {
                    address,
                    _process: process,
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the instance at {address} did not become ready");
    }

    async fn data(&self, token: &str, query: &str, variables: Value) -> Value {
        let body: Value = reqwest::Client::new()
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the instance answers")
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }

    async fn publish(&self, token: &str, organisation: &str, title: &str) {
        let created = self
            .data(
                token,
                "mutation ($input: CreatePostInput!) { createPost(input: $input) {
                    post { id } userErrors { code } } }",
                json!({ "input": { "organisationId": organisation, "kind": "NEWS",
                    "title": title } }),
            )
            .await;
        let id = &created["createPost"]["post"]["id"];
        let published = self
            .data(
                token,
                "mutation ($id: ID!) { publishPost(input: {postId: $id}) {
                    userErrors { code } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(published["publishPost"]["userErrors"], json!([]));
    }

    /// Publishes a post; whether it worked.
    async fn try_publish(&self, token: &str, organisation: &str, title: &str) -> bool {
        let client = reqwest::Client::new();
        let send = |query: &str, variables: Value| {
            client
                .post(format!("{}/graphql", self.address))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
        };
        let Ok(created) = send(
            "mutation ($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            json!({ "input": { "organisationId": organisation, "kind": "NEWS", "title": title } }),
        )
        .await
        else {
            return false;
        };
        let created: Value = created.json().await.unwrap_or_default();
        let id = &created["data"]["createPost"]["post"]["id"];
        if !id.is_string() {
            return false;
        }
        let Ok(published) = send(
            "mutation ($id: ID!) { publishPost(input: {postId: $id}) { userErrors { code } } }",
            json!({ "id": id }),
        )
        .await
        else {
            return false;
        };
        let published: Value = published.json().await.unwrap_or_default();
        published["data"]["publishPost"]["userErrors"] == json!([])
    }

    async fn metric(&self, name: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no metric {name}"))
    }
}

/// An editor of the accredited sample centre `acb`; their token and its global ID.
async fn editor(db: &Database) -> (String, String) {
    let password = "a long enough password";
    let user = accounts::create_user(db, "editor@acb.example", "Editor", password, None)
        .await
        .unwrap()
        .unwrap();
    let acb = directory::organisation_by_slug(db, "acb")
        .await
        .unwrap()
        .unwrap();
    membership::enrol(db, acb.id, user.id, MemberRole::Editor)
        .await
        .unwrap();
    let id = crate::support::global_id("Organisation", acb.id);
    (token_for(user.id), id)
}

/// The titles of the next `count` publications on the socket.
async fn titles(socket: &mut Socket, count: usize) -> Vec<String> {
    let mut titles = Vec::new();
    while titles.len() < count {
        let message = receive(socket).await.expect("a message");
        assert_eq!(message["type"], "next", "{message}");
        let post = &message["payload"]["data"]["postPublished"]["post"];
        titles.push(post["title"].as_str().unwrap().to_owned());
    }
    titles
}

/// Kills the connections listening for notifications on this database, as a network
/// failure or an operator would.
async fn kill_listeners(db: &Database) -> usize {
    let mut conn = db.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| {
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN %'
             AND pid <> pg_backend_pid()",
        )
        .execute(c)
        .await
        .unwrap()
    })
}

async fn a_subscriber_of_one_instance_receives_what_another_publishes(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    // On PostgreSQL the timer waits far longer than the test: only notifications can
    // deliver. Instances sharing an SQLite file have only the timer.
    let poll_ms = match backend {
        Backend::Postgres => 600_000,
        Backend::Sqlite => 100,
    };
    let publisher = Instance::start(&database.url, poll_ms).await;
    let relay = Instance::start(&database.url, poll_ms).await;
    let db = Database::connect(&database.url, &PoolOptions::default()).unwrap();
    let (token, acb) = editor(&db).await;

    let cursor = relay.data(&token, "{ liveCursor }", json!({})).await["liveCursor"].clone();
    let mut socket = subscribe_at(
        &relay.address,
        Some(&token),
        "subscription ($after: String) { postPublished(after: $after) { post { title } } }",
        json!({ "after": cursor }),
    )
    .await;
    let expected: Vec<String> = (0..BURST).map(|i| format!("Post {i:02}")).collect();
    for (i, title) in expected.iter().enumerate() {
        publisher.publish(&token, &acb, title).await;
        if backend == Backend::Postgres && i == BURST / 2 {
            assert!(kill_listeners(&db).await >= 2, "both instances listen");
        }
    }

    assert_eq!(
        titles(&mut socket, BURST).await,
        expected,
        "once each, in order"
    );
    // One more, published through the relay itself, comes next: nothing was sent twice.
    relay.publish(&token, &acb, "Last").await;
    assert_eq!(titles(&mut socket, 1).await, ["Last"]);
    assert_eq!(relay.metric("hub_live_subscribers").await, 1);
    assert_eq!(
        relay.metric("hub_live_events_delivered_total").await,
        u64::try_from(BURST).unwrap() + 1
    );
    if backend == Backend::Postgres {
        assert!(
            relay.metric("hub_live_listener_connects_total").await >= 2,
            "the relay listened again after its connection was killed"
        );
    }
}

async fn instances_starting_together_migrate_and_seed_once(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let (first, second, third) = tokio::join!(
        Instance::start(&database.url, 2_000),
        Instance::start(&database.url, 2_000),
        Instance::start(&database.url, 2_000),
    );

    let db = Database::connect(&database.url, &PoolOptions::default()).unwrap();
    let mut conn = db.conn().await.unwrap();
    let (migrations, organisations) = entities_hub::on_conn!(&mut conn, |c| {
        use diesel::QueryDsl as _;
        use entities_hub::db::schema::organisations;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let migrations: Count =
            diesel::sql_query("SELECT count(*) AS count FROM __diesel_schema_migrations")
                .get_result(c)
                .await
                .unwrap();
        let organisations: i64 = organisations::table.count().get_result(c).await.unwrap();
        (migrations.count, organisations)
    });
    let migration_dirs =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .unwrap()
            .count();
    assert_eq!(
        migrations,
        i64::try_from(migration_dirs).unwrap(),
        "each migration once"
    );
    let sample = entities_hub::domain::sample_directory::sample().len();
    assert_eq!(
        organisations,
        i64::try_from(sample).unwrap(),
        "the sample directory once"
    );
    for instance in [&first, &second, &third] {
        let data = reqwest::Client::new()
            .post(format!("{}/graphql", instance.address))
            .json(&json!({ "query": "{ organisations { totalCount } }" }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(data["data"]["organisations"]["totalCount"], organisations);
    }
}

on_each_backend!(
    a_subscriber_of_one_instance_receives_what_another_publishes,
    instances_starting_together_migrate_and_seed_once
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_recover_when_postgresql_restarts() {
    let Some(cluster) = OwnCluster::create().await else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs PostgreSQL's binaries"
        );
        eprintln!("skipped: PostgreSQL's binaries are not installed");
        return;
    };
    let admin = Database::connect(
        &DatabaseUrl::parse(&cluster.url("postgres")).unwrap(),
        &PoolOptions::default(),
    )
    .unwrap();
    let mut conn = admin.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| {
        diesel::sql_query("CREATE DATABASE hub")
            .execute(c)
            .await
            .unwrap()
    });
    drop(conn);
    drop(admin);
    let url = DatabaseUrl::parse(&cluster.url("hub")).unwrap();
    let publisher = Instance::start(&url, 600_000).await;
    let relay = Instance::start(&url, 600_000).await;
    let db = Database::connect(&url, &PoolOptions::default()).unwrap();
    let (token, acb) = editor(&db).await;
    drop(db);
    let cursor = relay.data(&token, "{ liveCursor }", json!({})).await["liveCursor"].clone();
    let mut socket = subscribe_at(
        &relay.address,
        Some(&token),
        "subscription ($after: String) { postPublished(after: $after) { post { title } } }",
        json!({ "after": cursor }),
    )
    .await;
    publisher.publish(&token, &acb, "Before").await;
    assert_eq!(titles(&mut socket, 1).await, ["Before"]);

    cluster.stop().await;
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let down = client
        .post(format!("{}/graphql", publisher.address))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ organisations { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    let down_status = down.status();
    let down: Value = down.json().await.unwrap();
    let unready = client
        .get(format!("{}/readyz", relay.address))
        .send()
        .await
        .unwrap()
        .status();

    cluster.start().await;
    for instance in [&publisher, &relay] {
        let mut ready = false;
        for _ in 0..300 {
            let answer = client
                .get(format!("{}/readyz", instance.address))
                .send()
                .await;
            if answer.is_ok_and(|response| response.status() == 200) {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "{} is ready again", instance.address);
    }
    // The publisher's first requests may meet connections that died with the server; the
    // pool replaces them.
    let mut published = Vec::new();
    for title in ["After 1", "After 2", "After 3"] {
        for _ in 0..20 {
            if publisher.try_publish(&token, &acb, title).await {
                published.push(title);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    assert_eq!(
        down["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{down}"
    );
    assert_eq!(down_status, 503);
    assert!(
        waited < Duration::from_secs(10),
        "failed fast, not after {waited:?}"
    );
    assert_eq!(unready, 503);
    assert_eq!(published, ["After 1", "After 2", "After 3"]);
    assert_eq!(
        titles(&mut socket, 3).await,
        published,
        "the subscription lived through the restart and missed nothing"
    );
}

/// A managed database that takes connections over TLS only: `sslmode` and `sslrootcert` in
/// the URL reach every connection an instance opens (pool, listener and migrations), and
/// certificates are checked as the mode says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_reach_postgresql_over_verified_tls() {
    let certificates = Certificates::create().await;
    let Some(cluster) = OwnCluster::create_with(|data| certificates.require_tls(data)).await else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs PostgreSQL's binaries"
        );
        eprintln!("skipped: PostgreSQL's binaries are not installed");
        return;
    };
    let authority = certificates.authority();
    let url = |host: &str, parameters: &str| {
        format!(
            "postgres://postgres@{host}:{}/postgres?hostaddr=127.0.0.1&{parameters}",
            cluster.port
        )
    };
    let migrate = async |url: String| {
        let output = hub()
            .args(["migrate"])
            .env("DATABASE_URL", url)
            .output()
            .await
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    let plain = migrate(url("localhost", "sslmode=disable")).await;
    let unknown_authority = migrate(url("localhost", "sslmode=verify-full")).await;
    let other_host = migrate(url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={authority}"),
    ))
    .await;
    let any_host = migrate(url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={authority}"),
    ))
    .await;
    let verified = DatabaseUrl::parse(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={authority}"),
    ))
    .unwrap();
    let publisher = Instance::start(&verified, 600_000).await;
    let relay = Instance::start(&verified, 600_000).await;
    let db = Database::connect(&verified, &PoolOptions::default()).unwrap();
    let (token, acb) = editor(&db).await;
    let cursor = relay.data(&token, "{ liveCursor }", json!({})).await["liveCursor"].clone();
    let mut socket = subscribe_at(
        &relay.address,
        Some(&token),
        "subscription ($after: String) { postPublished(after: $after) { post { title } } }",
        json!({ "after": cursor }),
    )
    .await;
    publisher.publish(&token, &acb, "Over TLS").await;
    let received = titles(&mut socket, 1).await;
    let mut conn = db.conn().await.unwrap();
    let plain_sessions = entities_hub::on_conn!(&mut conn, |c| {
        diesel::sql_query(
            "SELECT 1 FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE backend_type = 'client backend' AND NOT ssl",
        )
        .execute(c)
        .await
        .unwrap()
    });

    assert!(!plain.0, "the server refuses plain connections");
    assert!(plain.1.contains("no encryption"), "{}", plain.1);
    assert!(
        !unknown_authority.0,
        "a private authority is not trusted by default"
    );
    assert!(
        unknown_authority.1.contains("UnknownIssuer"),
        "{}",
        unknown_authority.1
    );
    assert!(!other_host.0, "verify-full checks the host name");
    assert!(
        other_host.1.contains("not valid for name"),
        "{}",
        other_host.1
    );
    assert!(any_host.0, "verify-ca does not: {}", any_host.1);
    assert_eq!(
        received,
        ["Over TLS"],
        "the listener connected over TLS too"
    );
    assert_eq!(plain_sessions, 0);
}
