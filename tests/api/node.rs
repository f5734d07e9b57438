//! Global object identification: `node(id:)` and `nodes(ids:)`.

use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{PAGE_QUERY, field_of, nodes};

const NODES_QUERY: &str = r#"query ($ids: [ID!]!) { nodes(ids: $ids) {
    __typename id ... on Organisation { slug } } }"#;

/// An ID of the right form for a row that does not exist.
const UNKNOWN_ID: &str = "T3JnYW5pc2F0aW9uOjk5OTk5OQ"; // Organisation:999999

async fn every_id_fetches_its_object_again(app: TestApp) {
    let page = app.data(PAGE_QUERY, json!({ "first": 100 })).await;
    let listed = nodes(&page["organisations"]);
    let ids = field_of(&listed, "id");

    let fetched = app.data(NODES_QUERY, json!({ "ids": ids })).await;
    let single = app
        .data(
            r#"query ($id: ID!) { node(id: $id) { id ... on Entity { slug category } } }"#,
            json!({ "id": ids[0] }),
        )
        .await;

    let fetched = fetched["nodes"].as_array().unwrap();
    assert_eq!(field_of(fetched, "slug"), field_of(&listed, "slug"));
    assert_eq!(
        field_of(fetched, "__typename"),
        field_of(&listed, "__typename")
    );
    assert_eq!(single["node"]["id"], ids[0].as_str());
}

async fn unknown_ids_answer_null_in_place(app: TestApp) {
    let page = app.data(PAGE_QUERY, json!({ "first": 2 })).await;
    let ids = field_of(&nodes(&page["organisations"]), "id");

    let data = app
        .data(NODES_QUERY, json!({ "ids": [ids[0], UNKNOWN_ID, ids[1]] }))
        .await;
    let single = app
        .data(
            r#"{ node(id: "T3JnYW5pc2F0aW9uOjk5OTk5OQ") { id } }"#,
            json!({}),
        )
        .await;

    assert_eq!(data["nodes"][0]["id"], ids[0].as_str());
    assert_eq!(data["nodes"][1], Value::Null);
    assert_eq!(data["nodes"][2]["id"], ids[1].as_str());
    assert_eq!(single["node"], Value::Null);
}

async fn malformed_ids_are_bad_user_input(app: TestApp) {
    // "Planet:1", a type the graph does not have, then plain garbage.
    for id in ["UGxhbmV0OjE", "not-an-id", "T3JnYW5pc2F0aW9uOmFiYw"] {
        let node = app
            .error_code(
                "query ($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        let nodes = app.error_code(NODES_QUERY, json!({ "ids": [id] })).await;

        assert_eq!(node, "BAD_USER_INPUT", "{id}");
        assert_eq!(nodes, "BAD_USER_INPUT", "{id}");
    }
}

async fn nodes_are_fetched_in_one_statement(app: TestApp) {
    let page = app.data(PAGE_QUERY, json!({ "first": 29 })).await;
    let ids = field_of(&nodes(&page["organisations"]), "id");

    let before = app.statements_sent().await;
    app.data(NODES_QUERY, json!({ "ids": ids })).await;
    let cost = app.statements_sent().await - before;

    assert_eq!(cost, 1);
}

async fn more_than_a_hundred_ids_are_refused(app: TestApp) {
    let ids = vec![UNKNOWN_ID; 101];

    let code = app.error_code(NODES_QUERY, json!({ "ids": ids })).await;

    assert_eq!(code, "BAD_USER_INPUT");
}

on_both_backends!(
    every_id_fetches_its_object_again,
    unknown_ids_answer_null_in_place,
    malformed_ids_are_bad_user_input,
    nodes_are_fetched_in_one_statement,
    more_than_a_hundred_ids_are_refused
);
