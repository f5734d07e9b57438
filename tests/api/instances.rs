//! Several instances on one database, as real processes: what is published through one
//! reaches the subscribers of another exactly once and in order, also when the connection
//! listening for notifications is killed in the middle of a burst.

use std::process::Stdio;
use std::time::Duration;

use diesel_async::RunQueryDsl as _;
use entities_hub::db::{Database, PoolOptions};
use entities_hub::domain::membership::{self, MemberRole};
use entities_hub::domain::{accounts, directory};
use serde_json::{Value, json};
use tokio::process::Child;

use crate::cli::{hub, url_text};
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
    async fn start(database: &TestDatabase, poll_ms: u64) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = hub()
            .env("DATABASE_URL", url_text(&database.url))
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
    let publisher = Instance::start(&database, poll_ms).await;
    let relay = Instance::start(&database, poll_ms).await;
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
    if backend == Backend::Postgres {
        assert!(
            relay.metric("hub_live_listener_connects_total").await >= 2,
            "the relay listened again after its connection was killed"
        );
    }
}

on_each_backend!(a_subscriber_of_one_instance_receives_what_another_publishes);
