//! Messages and inbox changes over a real WebSocket: who receives what, resuming with
//! `after`, and subscriptions that end when their token expires.

use std::time::Duration;

use entities_hub::domain::membership::MemberRole;
use entities_hub::domain::token::TokenKeys;
use serde_json::{Value, json};

use crate::harness::{TOKEN_SECRET, TestApp, on_both_backends};
use crate::support::{global_id, member_of};
use crate::threads::{send as send_message, start};
use crate::websocket::{self, Socket, receive};

const MESSAGES: &str = "subscription ($thread: ID!, $after: String) {
    messageAdded(threadId: $thread, after: $after) { cursor message { body } } }";

const INBOX: &str = "subscription ($after: String) {
    inboxUpdated(after: $after) { cursor change thread { subject } message { body } } }";

/// Opens a `graphql-transport-ws` connection signed in with `token` and starts `query`.
pub async fn subscribe(app: &TestApp, token: &str, query: &str, variables: Value) -> Socket {
    websocket::subscribe(app, Some(token), query, variables).await
}

/// The data of the next event on the socket, failing on an error.
pub async fn next_event(socket: &mut Socket, field: &str) -> Value {
    let message = receive(socket).await.expect("a message");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    message["payload"]["data"][field].clone()
}

/// The next new message's body and cursor.
async fn next_message(socket: &mut Socket) -> (String, String) {
    let event = next_event(socket, "messageAdded").await;
    (
        event["message"]["body"].as_str().unwrap().to_owned(),
        event["cursor"].as_str().unwrap().to_owned(),
    )
}

/// The next inbox change: what changed, and the message's body if any.
async fn next_change(socket: &mut Socket) -> (String, Option<String>) {
    let event = next_event(socket, "inboxUpdated").await;
    (
        event["change"].as_str().unwrap().to_owned(),
        event["message"]["body"].as_str().map(str::to_owned),
    )
}

/// The error code that ends the subscription, and that it then completes.
pub async fn ending_code(socket: &mut Socket) -> String {
    let message = receive(socket).await.expect("a message");
    let errors = if message["type"] == "error" {
        message["payload"].clone()
    } else {
        message["payload"]["errors"].clone()
    };
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error: {message}"))
        .to_owned()
}

/// The live position now: subscribing after it receives everything from now on.
pub async fn now(app: &TestApp) -> String {
    let data = app.data("{ liveCursor }", json!({})).await;
    data["liveCursor"].as_str().unwrap().to_owned()
}

async fn a_subscriber_that_resumes_gets_every_message_once_in_order(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let reader = member_of(&app, "adf", MemberRole::Member).await;
    let thread = start(&app, &sender, "acb", &["adf"]).await;
    let from_now = json!({ "thread": thread, "after": now(&app).await });
    let mut socket = subscribe(&app, &reader, MESSAGES, from_now).await;
    send_message(&app, &sender, &thread, "acb", "One").await;
    let (first, cursor) = next_message(&mut socket).await;
    drop(socket);

    for body in ["Two", "Three", "Four"] {
        send_message(&app, &sender, &thread, "acb", body).await;
    }
    let resume = json!({ "thread": thread, "after": cursor });
    let mut resumed = subscribe(&app, &reader, MESSAGES, resume).await;
    let mut replayed = Vec::new();
    for _ in 0..3 {
        replayed.push(next_message(&mut resumed).await.0);
    }
    send_message(&app, &reader, &thread, "adf", "Five").await;
    send_message(&app, &sender, &thread, "acb", "Six").await;

    assert_eq!(first, "One");
    assert_eq!(replayed, ["Two", "Three", "Four"]);
    assert_eq!(next_message(&mut resumed).await.0, "Five");
    assert_eq!(next_message(&mut resumed).await.0, "Six", "nothing twice");
}

async fn messages_of_other_threads_do_not_arrive(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let reader = member_of(&app, "adf", MemberRole::Member).await;
    let watched = start(&app, &sender, "acb", &["adf"]).await;
    let other = start(&app, &sender, "acb", &["adf"]).await;
    let from_now = json!({ "thread": watched, "after": now(&app).await });
    let mut socket = subscribe(&app, &reader, MESSAGES, from_now).await;

    send_message(&app, &sender, &other, "acb", "Elsewhere").await;
    send_message(&app, &sender, &watched, "acb", "Here").await;

    assert_eq!(next_message(&mut socket).await.0, "Here");
}

async fn an_outsider_cannot_subscribe_to_a_thread(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let outsider = member_of(&app, "asten", MemberRole::Owner).await;
    let thread = start(&app, &sender, "acb", &["adf"]).await;
    let missing = global_id("Thread", 999_999);

    let mut socket = subscribe(&app, &outsider, MESSAGES, json!({ "thread": thread })).await;
    let refused = ending_code(&mut socket).await;
    let mut socket = subscribe(&app, &outsider, MESSAGES, json!({ "thread": missing })).await;
    let absent = ending_code(&mut socket).await;

    assert_eq!(refused, "NOT_FOUND");
    assert_eq!(refused, absent, "the same answer as for no thread");
}

async fn the_inbox_carries_changes_and_reads_only_to_their_reader(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let first = member_of(&app, "adf", MemberRole::Member).await;
    let second = member_of(&app, "adf", MemberRole::Admin).await;
    let outsider = member_of(&app, "asten", MemberRole::Owner).await;
    let from_now = json!({ "after": now(&app).await });
    let mut first_inbox = subscribe(&app, &first, INBOX, from_now.clone()).await;
    let mut second_inbox = subscribe(&app, &second, INBOX, from_now.clone()).await;
    let mut outsider_inbox = subscribe(&app, &outsider, INBOX, from_now).await;

    let thread = start(&app, &sender, "acb", &["adf"]).await;
    let sent = send_message(&app, &sender, &thread, "acb", "Draft agenda").await;
    let edit = "mutation ($id: ID!) { editMessage(input: {messageId: $id, body: \"Agenda\"}) {
        userErrors { code } } }";
    let message_id = &sent["data"]["sendMessage"]["message"]["id"];
    app.data_as(&sender, edit, json!({ "id": message_id }))
        .await;
    let mark_read = "mutation ($id: ID!) { markThreadRead(input: {threadId: $id}) {
        userErrors { code } } }";
    app.data_as(&first, mark_read, json!({ "id": thread }))
        .await;
    send_message(&app, &sender, &thread, "acb", "Any news?").await;
    // A thread of the outsider's own, so its subscriber has something to receive.
    let own = start(&app, &outsider, "asten", &["acb"]).await;
    assert!(own.is_string());

    let expected_for_both = [
        ("NEW_MESSAGE", Some("Shall we?")),
        ("NEW_MESSAGE", Some("Draft agenda")),
        ("MESSAGE_CHANGED", Some("Agenda")),
    ];
    for inbox in [&mut first_inbox, &mut second_inbox] {
        for (change, body) in expected_for_both {
            let (got, got_body) = next_change(inbox).await;
            assert_eq!((got.as_str(), got_body.as_deref()), (change, body));
        }
    }
    assert_eq!(next_change(&mut first_inbox).await, ("READ".into(), None));
    let after_read = ("NEW_MESSAGE".to_owned(), Some("Any news?".to_owned()));
    assert_eq!(next_change(&mut first_inbox).await, after_read);
    assert_eq!(
        next_change(&mut second_inbox).await,
        after_read,
        "another member's read is not theirs"
    );
    assert_eq!(
        next_change(&mut outsider_inbox).await,
        ("NEW_MESSAGE".into(), Some("Shall we?".into())),
        "the outsider's first event is its own thread"
    );
}

async fn a_subscription_ends_when_its_token_expires(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let reader_id = {
        let token = member_of(&app, "adf", MemberRole::Member).await;
        let keys = crate::harness::test_keys();
        keys.verify(&token).expect("a valid token")
    };
    let short_lived = TokenKeys::new(TOKEN_SECRET.as_bytes(), Duration::from_secs(2))
        .unwrap()
        .issue(reader_id, chrono::Utc::now())
        .unwrap()
        .token;
    let thread = start(&app, &sender, "acb", &["adf"]).await;
    let from_now = json!({ "after": now(&app).await });
    let mut socket = subscribe(&app, &short_lived, INBOX, from_now).await;

    send_message(&app, &sender, &thread, "acb", "Before").await;
    let before = next_change(&mut socket).await;
    let ended = ending_code(&mut socket).await;
    send_message(&app, &sender, &thread, "acb", "After").await;
    let completion = receive(&mut socket).await.expect("a message");

    assert_eq!(before.1.as_deref(), Some("Before"));
    assert_eq!(ended, "UNAUTHENTICATED");
    assert_eq!(
        completion["type"], "complete",
        "and nothing more: {completion}"
    );
}

on_both_backends!(
    a_subscriber_that_resumes_gets_every_message_once_in_order,
    messages_of_other_threads_do_not_arrive,
    an_outsider_cannot_subscribe_to_a_thread,
    the_inbox_carries_changes_and_reads_only_to_their_reader,
    a_subscription_ends_when_its_token_expires
);
