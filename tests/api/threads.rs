//! Conversations over HTTP: who sees a thread, unread counts, editing, limits, applicants
//! and announcements.

use std::collections::HashMap;

use diesel::{ExpressionMethods as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use entities_hub::db::schema::messages;
use entities_hub::domain::membership::{self, MemberRole};
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{add_applicant, global_id, member_of, organisation_gid, organisation_id};

const START: &str = "mutation ($input: StartThreadInput!) { startThread(input: $input) {
    thread { id kind subject participants { slug } }
    message { id body }
    userErrors { field message code } } }";

const SEND: &str = "mutation ($thread: ID!, $org: ID!, $body: String!) {
    sendMessage(input: {threadId: $thread, organisationId: $org, body: $body}) {
    message { id body } userErrors { field code } } }";

const THREAD: &str = "query ($id: ID!) { node(id: $id) { ... on Thread { subject unreadCount
    messages { totalCount nodes { body deletedAt editedAt author { displayName } } } } } }";

const INBOX: &str = "{ viewer { unreadThreadCount inbox { totalCount nodes { subject
    unreadCount } } } }";

/// Starts a thread from `from` (as `token`) with `to`; returns the thread's ID.
pub async fn start(app: &TestApp, token: &str, from: &str, to: &[&str]) -> Value {
    let mut participants = Vec::new();
    for slug in to {
        participants.push(organisation_gid(app, slug).await);
    }
    let input = json!({ "organisationId": organisation_gid(app, from).await,
        "participantIds": participants, "subject": "Joint study", "body": "Shall we?" });
    let data = app.data_as(token, START, json!({ "input": input })).await;
    assert_eq!(data["startThread"]["userErrors"], json!([]), "{data}");
    data["startThread"]["thread"]["id"].clone()
}

/// Sends a message as `token` on behalf of `org`; returns the whole response.
pub async fn send(app: &TestApp, token: &str, thread: &Value, org: &str, body: &str) -> Value {
    let variables = json!({ "thread": thread, "org": organisation_gid(app, org).await,
        "body": body });
    app.post_with_token(token, SEND, variables)
        .await
        .json()
        .await
        .unwrap()
}

async fn an_outsider_can_neither_read_nor_detect_a_thread(app: TestApp) {
    let acb = member_of(&app, "acb", MemberRole::Member).await;
    let adf = member_of(&app, "adf", MemberRole::Member).await;
    let outsider = member_of(&app, "asten", MemberRole::Owner).await;
    let thread = start(&app, &acb, "acb", &["adf"]).await;
    let missing = global_id("Thread", 999_999);

    let seen_by_participant = app.data_as(&adf, THREAD, json!({ "id": thread })).await;
    let seen_by_outsider = app
        .post_with_token(&outsider, THREAD, json!({ "id": thread }))
        .await
        .text()
        .await
        .unwrap();
    let missing_for_outsider = app
        .post_with_token(&outsider, THREAD, json!({ "id": missing }))
        .await
        .text()
        .await
        .unwrap();
    let posting = send(&app, &outsider, &thread, "asten", "Hello?").await;
    let posting_to_missing = send(&app, &outsider, &missing.clone().into(), "asten", "Hi").await;
    let inbox = app.data_as(&outsider, INBOX, json!({})).await;

    assert_eq!(seen_by_participant["node"]["subject"], "Joint study");
    assert_eq!(
        seen_by_outsider, missing_for_outsider,
        "the same answer as for no thread"
    );
    assert_eq!(seen_by_outsider, r#"{"data":{"node":null}}"#);
    assert_eq!(
        posting["errors"][0]["extensions"]["code"],
        posting_to_missing["errors"][0]["extensions"]["code"]
    );
    assert_eq!(posting["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(inbox["viewer"]["inbox"]["totalCount"], 0);
}

async fn members_of_one_organisation_see_consistent_unread_counts(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let first = member_of(&app, "adf", MemberRole::Member).await;
    let second = member_of(&app, "adf", MemberRole::Admin).await;
    let thread = start(&app, &sender, "acb", &["adf"]).await;
    let unread = |token: String| {
        let app = &app;
        async move {
            let data = app.data_as(&token, INBOX, json!({})).await;
            (
                data["viewer"]["unreadThreadCount"].as_i64().unwrap(),
                data["viewer"]["inbox"]["nodes"][0]["unreadCount"]
                    .as_i64()
                    .unwrap(),
            )
        }
    };
    let mark_read = "mutation ($id: ID!) { markThreadRead(input: {threadId: $id}) {
        thread { unreadCount } userErrors { code } } }";

    assert_eq!(unread(first.clone()).await, (1, 1));
    assert_eq!(unread(second.clone()).await, (1, 1));
    assert_eq!(
        unread(sender.clone()).await,
        (0, 0),
        "your own messages are read"
    );

    let marked = app
        .data_as(&first, mark_read, json!({ "id": thread }))
        .await;
    assert_eq!(marked["markThreadRead"]["thread"]["unreadCount"], 0);
    assert_eq!(unread(first.clone()).await, (0, 0));
    assert_eq!(
        unread(second.clone()).await,
        (1, 1),
        "read state is per user"
    );

    send(&app, &first, &thread, "adf", "Yes, gladly.").await;
    assert_eq!(unread(sender.clone()).await, (1, 1));
    assert_eq!(unread(second.clone()).await, (1, 2));
    assert_eq!(unread(first.clone()).await, (0, 0));
}

async fn the_inbox_filters_by_unread_and_by_organisation(app: TestApp) {
    let acb = member_of(&app, "acb", MemberRole::Member).await;
    let asten = member_of(&app, "asten", MemberRole::Member).await;
    let reader = member_of(&app, "adf", MemberRole::Member).await;
    let reader_id = {
        let keys = crate::harness::test_keys();
        keys.verify(&reader).expect("a valid token")
    };
    let asten_gid = organisation_gid(&app, "asten").await;
    membership::enrol(
        &app.db,
        organisation_id(&app, "asten").await,
        reader_id,
        MemberRole::Member,
    )
    .await
    .unwrap();
    let with_acb = start(&app, &acb, "acb", &["adf"]).await;
    let with_asten = start(&app, &asten, "asten", &["acb"]).await;
    let second = send(&app, &acb, &with_acb, "acb", "Second").await;
    send(&app, &acb, &with_acb, "acb", "Third").await;
    let inbox = "query ($filter: InboxFilter) { viewer { unreadThreadCount
        inbox(filter: $filter) { totalCount nodes { id unreadCount } } } }";
    let subjects = |data: &Value| -> Vec<(Value, i64)> {
        data["viewer"]["inbox"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].clone(), n["unreadCount"].as_i64().unwrap()))
            .collect()
    };
    let mark_read = "mutation ($id: ID!, $upTo: ID) {
        markThreadRead(input: {threadId: $id, upToMessageId: $upTo}) {
        thread { unreadCount } userErrors { field code } } }";

    let everything = app.data_as(&reader, inbox, json!({})).await;
    let of_asten = app
        .data_as(
            &reader,
            inbox,
            json!({ "filter": { "organisationId": asten_gid } }),
        )
        .await;
    let up_to_second = json!({ "id": with_acb,
        "upTo": second["data"]["sendMessage"]["message"]["id"] });
    let partly = app.data_as(&reader, mark_read, up_to_second).await;
    app.data_as(&reader, mark_read, json!({ "id": with_asten }))
        .await;
    let unread_only = app
        .data_as(&reader, inbox, json!({ "filter": { "unreadOnly": true } }))
        .await;
    let foreign = app
        .data_as(
            &reader,
            mark_read,
            json!({ "id": with_asten, "upTo":
            second["data"]["sendMessage"]["message"]["id"] }),
        )
        .await;

    // Newest activity first: the thread with acb has had three messages since.
    assert_eq!(
        subjects(&everything),
        [(with_acb.clone(), 3), (with_asten.clone(), 1)]
    );
    assert_eq!(everything["viewer"]["unreadThreadCount"], 2);
    assert_eq!(subjects(&of_asten), [(with_asten.clone(), 1)]);
    assert_eq!(partly["markThreadRead"]["thread"]["unreadCount"], 1);
    assert_eq!(subjects(&unread_only), [(with_acb.clone(), 1)]);
    assert_eq!(unread_only["viewer"]["unreadThreadCount"], 1);
    assert_eq!(
        foreign["markThreadRead"]["userErrors"][0]["field"],
        json!(["input", "upToMessageId"]),
        "a message of another thread: {foreign}"
    );
}

async fn an_applicant_writes_only_to_the_secretariat(app: TestApp) {
    add_applicant(&app, "coastal-network").await;
    let applicant = member_of(&app, "coastal-network", MemberRole::Member).await;
    let from = organisation_gid(&app, "coastal-network").await;
    let input = |to: String| {
        json!({ "input": { "organisationId": from, "participantIds": [to],
            "subject": "Hello", "body": "Hi" } })
    };

    let to_entity = app
        .post_with_token(
            &applicant,
            START,
            input(organisation_gid(&app, "adf").await),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let secretariat = organisation_gid(&app, "asean-secretariat").await;
    let to_secretariat = app.data_as(&applicant, START, input(secretariat)).await;

    assert_eq!(to_entity["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        to_entity["errors"][0]["extensions"]["reason"],
        "NOT_ACCREDITED"
    );
    assert_eq!(to_secretariat["startThread"]["thread"]["kind"], "DIRECT");
}

async fn authors_edit_and_delete_within_fifteen_minutes(app: TestApp) {
    let author = member_of(&app, "acb", MemberRole::Member).await;
    let colleague = member_of(&app, "acb", MemberRole::Owner).await;
    let thread = start(&app, &author, "acb", &["adf", "asten"]).await;
    let sent = send(&app, &author, &thread, "acb", "Draft text").await;
    let id = sent["data"]["sendMessage"]["message"]["id"].clone();
    let edit = "mutation ($id: ID!, $body: String!) { editMessage(input: {messageId: $id,
        body: $body}) { message { body editedAt } userErrors { field code } } }";
    let delete = "mutation ($id: ID!) { deleteMessage(input: {messageId: $id}) {
        message { body deletedAt } userErrors { field code } } }";

    let edited = app
        .data_as(&author, edit, json!({ "id": id, "body": "Final text" }))
        .await;
    let by_colleague = app
        .post_with_token(&colleague, edit, json!({ "id": id, "body": "Mine now" }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let deleted = app.data_as(&author, delete, json!({ "id": id })).await;
    let edit_deleted = app
        .data_as(&author, edit, json!({ "id": id, "body": "Back" }))
        .await;
    let read = app
        .data_as(&colleague, THREAD, json!({ "id": thread }))
        .await;

    assert_eq!(edited["editMessage"]["message"]["body"], "Final text");
    assert!(edited["editMessage"]["message"]["editedAt"].is_string());
    assert_eq!(by_colleague["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(deleted["deleteMessage"]["message"]["body"], Value::Null);
    assert_eq!(
        edit_deleted["editMessage"]["userErrors"][0]["code"],
        "CHANGED"
    );
    let messages = &read["node"]["messages"];
    assert_eq!(messages["totalCount"], 2, "a tombstone, not a hole");
    assert_eq!(messages["nodes"][1]["body"], Value::Null);
    assert!(messages["nodes"][1]["deletedAt"].is_string());

    // Age the first message past the window.
    let first = read["node"]["messages"]["nodes"][0].clone();
    assert_eq!(first["body"], "Shall we?");
    let mut conn = app.db.conn().await.unwrap();
    let long_ago = entities_hub::db::now() - chrono::TimeDelta::minutes(16);
    entities_hub::on_conn!(&mut conn, |c| {
        diesel::update(messages::table.filter(messages::body.eq("Shall we?")))
            .set(messages::sent_at.eq(long_ago))
            .execute(c)
            .await
    })
    .unwrap();
    drop(conn);
    let first_id = app
        .data_as(
            &author,
            "query ($id: ID!) { node(id: $id) { ... on Thread {
        messages(first: 1) { nodes { id } } } } }",
            json!({ "id": thread }),
        )
        .await["node"]["messages"]["nodes"][0]["id"]
        .clone();
    let too_late = app
        .data_as(&author, edit, json!({ "id": first_id, "body": "Changed" }))
        .await;
    assert_eq!(
        too_late["editMessage"]["userErrors"][0]["code"],
        "WRONG_STATUS"
    );
}

async fn limits_hold_under_a_burst(app: TestApp) {
    let sender = member_of(&app, "acb", MemberRole::Member).await;
    let thread = start(&app, &sender, "acb", &["adf"]).await;
    let too_long = "x".repeat(20_001);
    let many: Vec<Value> = {
        let mut ids = Vec::new();
        for slug in ["adf", "asten", "aipa", "asean-isis"] {
            ids.push(organisation_gid(&app, slug).await.into());
        }
        ids.extend((0..20).map(|i| Value::from(global_id("Organisation", 10_000 + i))));
        ids
    };

    let bodies: Vec<String> = (0..25).map(|i| format!("Burst {i}")).collect();
    let burst = bodies
        .iter()
        .map(|body| send(&app, &sender, &thread, "acb", body));
    let answers = futures::future::join_all(burst).await;
    let oversized = send(&app, &sender, &thread, "acb", &too_long).await;
    let crowded = app
        .post_with_token(
            &sender,
            START,
            json!({ "input": { "organisationId": organisation_gid(&app, "acb").await,
                "participantIds": many, "subject": "All", "body": "Hi" } }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();

    let sent = answers
        .iter()
        .filter(|answer| answer["data"]["sendMessage"]["message"].is_object())
        .count();
    let limited = answers
        .iter()
        .filter(|answer| answer["errors"][0]["extensions"]["code"] == "RATE_LIMITED")
        .count();
    assert_eq!(
        (sent, limited),
        (19, 6),
        "20 a minute, the first message included"
    );
    let refused = answers.iter().find(|a| a.get("errors").is_some()).unwrap();
    assert_eq!(refused["errors"][0]["extensions"]["retryAfterSeconds"], 60);
    let stored = app.data_as(&sender, THREAD, json!({ "id": thread })).await;
    assert_eq!(stored["node"]["messages"]["totalCount"], 20);
    assert_eq!(
        oversized["data"]["sendMessage"]["userErrors"][0]["field"],
        json!(["input", "body"]),
        "input is checked before the limit"
    );
    assert_eq!(
        crowded["data"]["startThread"]["userErrors"][0]["field"],
        json!(["input", "participantIds"])
    );
}

async fn an_announcement_reaches_every_accredited_entity_and_centre(app: TestApp) {
    add_applicant(&app, "coastal-network").await;
    let secretariat = member_of(&app, "asean-secretariat", MemberRole::Editor).await;
    let entity = member_of(&app, "adf", MemberRole::Member).await;
    let centre = member_of(&app, "acb", MemberRole::Member).await;
    let applicant = member_of(&app, "coastal-network", MemberRole::Owner).await;
    let announce = "mutation { sendAnnouncement(input: {subject: \"Annual meeting\",
        body: \"Save the date.\"}) { thread { id kind participants { slug } }
        userErrors { code } } }";

    let sent = app.data_as(&secretariat, announce, json!({})).await;
    let refused = app
        .post_with_token(&entity, announce, json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let thread = sent["sendAnnouncement"]["thread"].clone();
    let reply = send(&app, &entity, &thread["id"], "adf", "Thanks").await;

    assert_eq!(thread["kind"], "ANNOUNCEMENT");
    assert_eq!(
        thread["participants"].as_array().unwrap().len(),
        29,
        "the whole sample"
    );
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(reply["errors"][0]["extensions"]["reason"], "ANNOUNCEMENT");
    for (token, expected) in [(&entity, 1), (&centre, 1), (&applicant, 0)] {
        let inbox = app.data_as(token, INBOX, json!({})).await;
        assert_eq!(inbox["viewer"]["inbox"]["totalCount"], expected);
    }
}

async fn an_inbox_page_costs_a_fixed_number_of_statements(app: TestApp) {
    let reader = member_of(&app, "adf", MemberRole::Member).await;
    for _ in 0..5 {
        let sender = member_of(&app, "acb", MemberRole::Member).await;
        for _ in 0..10 {
            start(&app, &sender, "acb", &["adf", "asten"]).await;
        }
    }
    let query = "query ($first: Int!) { viewer { inbox(first: $first) { nodes { subject
        unreadCount participants { name } lastMessage { body author { displayName }
        organisation { name } } } } } }";

    let mut costs = Vec::new();
    for size in [10, 50] {
        let before = app.statements_sent().await;
        let data = app.data_as(&reader, query, json!({ "first": size })).await;
        costs.push(app.statements_sent().await - before);
        let nodes = data["viewer"]["inbox"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), size);
        assert!(
            nodes
                .iter()
                .all(|n| n["lastMessage"]["body"] == "Shall we?")
        );
        assert!(
            nodes
                .iter()
                .all(|n| n["participants"].as_array().unwrap().len() == 3)
        );
    }

    // One to authenticate (the user with their memberships); the page of threads; their
    // participants; the participating organisations; the unread counts; the last messages;
    // their authors. Seven, whatever the page size.
    assert_eq!(costs, [7, 7], "statements for 10 and for 50 threads");
}

async fn messages_of_an_inbox_page_cost_one_statement_per_level(app: TestApp) {
    let reader = member_of(&app, "adf", MemberRole::Member).await;
    // Thread k holds 1 + k % 4 messages; each sender stays within the rate limit.
    let mut expected = HashMap::new();
    for _ in 0..3 {
        let sender = member_of(&app, "acb", MemberRole::Member).await;
        for k in 0..4 {
            let thread = start(&app, &sender, "acb", &["adf"]).await;
            let mut bodies = vec!["Shall we?".to_owned()];
            for n in 0..k {
                let body = format!("Reply {n}");
                let sent = send(&app, &sender, &thread, "acb", &body).await;
                assert!(sent.get("errors").is_none(), "{sent}");
                bodies.push(body);
            }
            expected.insert(thread.as_str().unwrap().to_owned(), bodies);
        }
    }
    let query = "query ($first: Int!) { viewer { inbox(first: $first) { nodes { id
        newest: messages(last: 2) { totalCount pageInfo { hasPreviousPage hasNextPage }
          nodes { body author { displayName } } }
        oldest: messages(first: 1) { pageInfo { hasNextPage } nodes { body } } } } } }";

    let mut costs = Vec::new();
    for size in [4, 12] {
        let before = app.statements_sent().await;
        let data = app.data_as(&reader, query, json!({ "first": size })).await;
        costs.push(app.statements_sent().await - before);
        let nodes = data["viewer"]["inbox"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), size);
        for node in nodes {
            let bodies = &expected[node["id"].as_str().unwrap()];
            let newest = &node["newest"];
            let last_two: Vec<Value> = bodies
                .iter()
                .rev()
                .take(2)
                .rev()
                .map(|b| json!(b))
                .collect();
            let shown: Vec<Value> = newest["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|message| message["body"].clone())
                .collect();
            assert_eq!(shown, last_two, "{node}");
            assert_eq!(newest["totalCount"], bodies.len(), "{node}");
            assert_eq!(newest["pageInfo"]["hasPreviousPage"], bodies.len() > 2);
            assert_eq!(newest["pageInfo"]["hasNextPage"], false);
            assert_eq!(newest["nodes"][0]["author"]["displayName"], "Member");
            assert_eq!(node["oldest"]["nodes"], json!([{ "body": "Shall we?" }]));
            assert_eq!(node["oldest"]["pageInfo"]["hasNextPage"], bodies.len() > 1);
        }
    }

    // One to authenticate; the page of threads and their participants; the newest two
    // messages of every thread; the oldest one of every thread; the counts; the authors.
    assert_eq!(costs, [7, 7], "statements for 4 and for 12 threads");
}

on_both_backends!(
    messages_of_an_inbox_page_cost_one_statement_per_level,
    the_inbox_filters_by_unread_and_by_organisation,
    an_outsider_can_neither_read_nor_detect_a_thread,
    members_of_one_organisation_see_consistent_unread_counts,
    an_applicant_writes_only_to_the_secretariat,
    authors_edit_and_delete_within_fifteen_minutes,
    limits_hold_under_a_burst,
    an_announcement_reaches_every_accredited_entity_and_centre,
    an_inbox_page_costs_a_fixed_number_of_statements
);
