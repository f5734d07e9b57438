//! The live feed of published posts over a real WebSocket: who receives what, and resuming
//! with `after` without gaps or duplicates.

use entities_hub::domain::DomainError;
use entities_hub::domain::membership::MemberRole;
use entities_hub::domain::post_feed::{FeedFilter, FeedOptions, PostFeed};
use entities_hub::domain::user::Actor;
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{create_post, member_of, publish_news, publish_post};
use crate::websocket::{self, Socket, receive};

const FEED: &str = "subscription ($after: String, $filter: PostFeedFilter) {
    postPublished(after: $after, filter: $filter) {
    cursor post { title visibility tags } } }";

/// Subscribes to the feed, signed in with `token` if given.
async fn subscribe(app: &TestApp, token: Option<&str>, variables: Value) -> Socket {
    websocket::subscribe(app, token, FEED, variables).await
}

/// The next publication on the socket: its title and cursor.
async fn next_post(socket: &mut Socket) -> (String, String) {
    let message = receive(socket).await.expect("a message");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    let event = &message["payload"]["data"]["postPublished"];
    (
        event["post"]["title"].as_str().unwrap().to_owned(),
        event["cursor"].as_str().unwrap().to_owned(),
    )
}

/// Publishes a post and returns once the server has answered; the feed dispatches before
/// the mutation returns, so a subscriber's next message is deterministic.
async fn publish(app: &TestApp, token: &str, title: &str, visibility: &str) {
    let input = json!({ "kind": "NEWS", "title": title, "visibility": visibility });
    let draft = create_post(app, token, "acb", input).await;
    publish_post(app, token, &draft["id"]).await;
}

/// The feed's position now. Subscribing after it receives everything published from now,
/// however long the server takes to start the subscription, so no test races it.
async fn now(app: &TestApp) -> String {
    let data = app.data("{ liveCursor }", json!({})).await;
    data["liveCursor"].as_str().unwrap().to_owned()
}

async fn a_subscriber_receives_exactly_the_posts_it_may_see(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let member = member_of(&app, "adf", MemberRole::Member).await;
    let from_now = json!({ "after": now(&app).await });
    let mut visitor = subscribe(&app, None, from_now.clone()).await;
    let mut signed_in = subscribe(&app, Some(&member), from_now).await;

    publish(&app, &editor, "For members", "PLATFORM").await;
    publish(&app, &editor, "For everyone", "PUBLIC").await;

    assert_eq!(next_post(&mut signed_in).await.0, "For members");
    assert_eq!(next_post(&mut signed_in).await.0, "For everyone");
    assert_eq!(
        next_post(&mut visitor).await.0,
        "For everyone",
        "a visitor never receives a PLATFORM post"
    );
}

async fn filters_select_the_publications_received(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let variables = json!({ "after": now(&app).await, "filter": { "tags": ["Ocean"] } });
    let mut socket = subscribe(&app, None, variables).await;
    let tagged = |title: &str, tags: Value| json!({ "kind": "NEWS", "title": title, "tags": tags });

    for (title, tags) in [("Untagged", json!([])), ("Ocean news", json!(["ocean"]))] {
        let draft = create_post(&app, &editor, "acb", tagged(title, tags)).await;
        publish_post(&app, &editor, &draft["id"]).await;
    }

    assert_eq!(next_post(&mut socket).await.0, "Ocean news");
}

async fn a_subscriber_that_resumes_misses_nothing_and_sees_nothing_twice(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let mut socket = subscribe(&app, None, json!({ "after": now(&app).await })).await;
    publish_news(&app, &editor, "acb", "One").await;
    let (title, cursor) = next_post(&mut socket).await;
    assert_eq!(title, "One");
    drop(socket);

    publish_news(&app, &editor, "acb", "Two").await;
    publish_news(&app, &editor, "acb", "Three").await;
    let mut resumed = subscribe(&app, None, json!({ "after": cursor })).await;
    let replayed = [
        next_post(&mut resumed).await.0,
        next_post(&mut resumed).await.0,
    ];
    publish_news(&app, &editor, "acb", "Four").await;
    publish_news(&app, &editor, "acb", "Five").await;

    assert_eq!(replayed, ["Two", "Three"]);
    assert_eq!(next_post(&mut resumed).await.0, "Four");
    assert_eq!(
        next_post(&mut resumed).await.0,
        "Five",
        "nothing came twice"
    );
}

async fn concurrent_publications_each_arrive_once(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let mut socket = subscribe(&app, None, json!({ "after": now(&app).await })).await;
    let mut drafts = Vec::new();
    for i in 0..20 {
        let input = json!({ "kind": "NEWS", "title": format!("Concurrent {i:02}") });
        drafts.push(create_post(&app, &editor, "acb", input).await["id"].clone());
    }

    let publications = drafts.iter().map(|id| publish_post(&app, &editor, id));
    futures::future::join_all(publications).await;
    let mut received = Vec::new();
    for _ in 0..20 {
        received.push(next_post(&mut socket).await.0);
    }
    publish_news(&app, &editor, "acb", "Last").await;

    let mut sorted = received.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 20, "each once: {received:?}");
    assert_eq!(next_post(&mut socket).await.0, "Last", "and nothing more");
}

async fn a_malformed_or_expired_cursor_is_refused(app: TestApp) {
    let old = {
        use base64::Engine as _;
        let micros = (chrono::Utc::now() - chrono::Duration::days(30)).timestamp_micros();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("e:1:{micros}"))
    };

    for (cursor, code) in [
        ("not-a-cursor", "BAD_USER_INPUT"),
        (old.as_str(), "EXPIRED"),
    ] {
        let mut socket = subscribe(&app, None, json!({ "after": cursor })).await;
        let message = receive(&mut socket).await.unwrap();
        let errors = if message["type"] == "error" {
            message["payload"].clone()
        } else {
            message["payload"]["errors"].clone()
        };
        assert_eq!(errors[0]["extensions"]["code"], code, "{message}");
    }
}

/// The feed's own stream, with a buffer of one: publications the subscriber does not read
/// in time overflow it, and the stream ends with `TooSlow` instead of growing.
async fn a_subscriber_too_slow_to_keep_up_is_told_and_dropped(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let options = FeedOptions {
        buffer: 1,
        ..FeedOptions::default()
    };
    let feed = PostFeed::start(app.db.clone(), options).await.unwrap();
    let mut stream = Box::pin(
        feed.subscribe(Actor::anonymous(), FeedFilter::default(), None)
            .unwrap(),
    );

    for title in ["One", "Two", "Three"] {
        publish_news(&app, &editor, "acb", title).await;
    }
    feed.dispatch().await.unwrap();

    let first = stream.next().await.expect("an item");
    assert!(matches!(first, Err(DomainError::TooSlow)), "{first:?}");
    assert!(stream.next().await.is_none(), "the stream ends");
}

async fn events_older_than_the_retention_period_are_pruned(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    publish_news(&app, &editor, "acb", "Old news").await;
    publish_news(&app, &editor, "acb", "Older news").await;
    let keep_a_day = FeedOptions {
        retention: chrono::TimeDelta::days(1),
        ..FeedOptions::default()
    };
    let keep_nothing = FeedOptions {
        retention: chrono::TimeDelta::zero(),
        ..FeedOptions::default()
    };

    let kept = PostFeed::start(app.db.clone(), keep_a_day).await.unwrap();
    let pruned_while_young = kept.prune().await.unwrap();
    let pruning = PostFeed::start(app.db.clone(), keep_nothing).await.unwrap();
    let pruned = pruning.prune().await.unwrap();
    let pruned_again = pruning.prune().await.unwrap();

    assert_eq!(pruned_while_young, 0);
    assert_eq!(pruned, 2);
    assert_eq!(pruned_again, 0);
}

on_both_backends!(
    events_older_than_the_retention_period_are_pruned,
    a_subscriber_receives_exactly_the_posts_it_may_see,
    filters_select_the_publications_received,
    a_subscriber_that_resumes_misses_nothing_and_sees_nothing_twice,
    concurrent_publications_each_arrive_once,
    a_malformed_or_expired_cursor_is_refused,
    a_subscriber_too_slow_to_keep_up_is_told_and_dropped
);
