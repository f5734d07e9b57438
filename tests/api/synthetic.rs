//! `entities-hub seed --synthetic`: the benchmarks' data, the same for the same seed, loaded
//! once, and usable through the API like any other.

use diesel::QueryDsl as _;
use diesel_async::RunQueryDsl as _;
use entities_hub::db::schema::{messages, post_tags, posts, threads};
use serde_json::json;

use crate::cli::{hub, url_text};
use crate::harness::{Backend, TestApp, TestDatabase, on_each_backend};

const SIZES: [&str; 11] = [
    "--synthetic",
    "--organisations",
    "20",
    "--users",
    "50",
    "--posts",
    "400",
    "--threads",
    "30",
    "--messages",
    "300",
];

/// Seeds `database` and returns what the command printed.
async fn seed(database: &TestDatabase, random_seed: &str) -> String {
    let output = hub()
        .arg("seed")
        .args(SIZES)
        .args(["--random-seed", random_seed])
        .env("DATABASE_URL", url_text(&database.url))
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The synthetic posts' titles and publication times, in id order.
async fn posts_of(app: &TestApp) -> Vec<(String, Option<chrono::NaiveDateTime>)> {
    let mut conn = app.db.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| posts::table
        .order(posts::id)
        .select((posts::title, posts::published_at))
        .load(c)
        .await
        .unwrap())
}

/// How many tags, threads with a last message, and messages there are.
async fn counts(app: &TestApp) -> [i64; 3] {
    use diesel::ExpressionMethods as _;
    let mut conn = app.db.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| {
        let tags = post_tags::table.count().get_result(c).await.unwrap();
        let answered = threads::table
            .filter(threads::last_message_id.is_not_null())
            .count()
            .get_result(c)
            .await
            .unwrap();
        let messages = messages::table.count().get_result(c).await.unwrap();
        [tags, answered, messages]
    })
}

async fn the_same_seed_gives_the_same_data_once(backend: Backend) {
    let (Some(one), Some(other), Some(third)) = (
        TestDatabase::create(backend).await,
        TestDatabase::create(backend).await,
        TestDatabase::create(backend).await,
    ) else {
        return;
    };

    let first = seed(&one, "7").await;
    let again = seed(&one, "7").await;
    seed(&other, "7").await;
    seed(&third, "8").await;
    let one = TestApp::start(one, |_| {}).await;
    let other = TestApp::start(other, |_| {}).await;
    let third = TestApp::start(third, |_| {}).await;
    let posts = posts_of(&one).await;

    assert!(first.contains("400 posts"), "{first}");
    assert!(again.contains("already there"), "{again}");
    assert_eq!(posts.len(), 400);
    assert_eq!(
        posts,
        posts_of(&other).await,
        "the same seed, the same rows"
    );
    assert_ne!(posts, posts_of(&third).await, "another seed, other rows");
    let [tags, answered, messages] = counts(&one).await;
    assert_eq!(tags, 800, "two tags a post");
    assert_eq!(messages, 300);
    assert!(answered > 20, "most threads have messages: {answered}");
}

async fn synthetic_users_sign_in_and_see_their_inbox(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    seed(&database, "1").await;
    let app = TestApp::start(database, |_| {}).await;

    let signed_in = app
        .data(
            "mutation ($email: String!, $password: String!) {
                signIn(input: {email: $email, password: $password}) { token } }",
            json!({ "email": "user1@synthetic.example", "password": "synthetic password" }),
        )
        .await;
    let token = signed_in["signIn"]["token"].as_str().unwrap();
    let inbox = app
        .data_as(
            token,
            "{ viewer { memberships { role } inbox(first: 50) {
                nodes { unreadCount lastMessage { body } } } } }",
            json!({}),
        )
        .await;

    assert_eq!(
        inbox["viewer"]["memberships"][0]["role"], "OWNER",
        "{inbox}"
    );
    let threads = inbox["viewer"]["inbox"]["nodes"].as_array().unwrap();
    assert!(!threads.is_empty(), "{inbox}");
    assert!(
        threads
            .iter()
            .all(|thread| thread["lastMessage"]["body"].is_string())
    );
}

on_each_backend!(
    the_same_seed_gives_the_same_data_once,
    synthetic_users_sign_in_and_see_their_inbox
);
