//! Parsed documents kept between requests, and automatic persisted queries: a client sends
//! the SHA-256 of a document instead of the document, and the document when the server
//! does not know the hash yet.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::harness::{Backend, TestApp, on_both_backends, on_each_backend};

const QUERY: &str = "query ($first: Int!) { organisations(first: $first) { nodes { slug } } }";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` as JSON and returns the status and the body of the answer.
async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn a_client_sends_the_hash_once_the_server_knows_the_document(app: TestApp) {
    let hash = sha256(QUERY);
    let variables = json!({ "first": 2 });

    let (unknown_status, unknown) = post(
        &app,
        json!({ "variables": variables, "extensions": persisted(&hash) }),
    )
    .await;
    let (_, registered) = post(
        &app,
        json!({ "query": QUERY, "variables": variables, "extensions": persisted(&hash) }),
    )
    .await;
    let (_, by_hash) = post(
        &app,
        json!({ "variables": { "first": 3 }, "extensions": persisted(&hash) }),
    )
    .await;
    let extensions = serde_json::to_string(&persisted(&hash)).unwrap();
    let over_get = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("variables", r#"{"first": 1}"#),
            ("extensions", &extensions),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();

    assert_eq!(
        unknown_status, 200,
        "legacy JSON answers request errors with 200"
    );
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(
        registered["data"]["organisations"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        by_hash["data"]["organisations"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        over_get["data"]["organisations"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn a_hash_that_does_not_match_its_query_is_refused(app: TestApp) {
    let (_, wrong) = post(
        &app,
        json!({ "query": QUERY, "variables": { "first": 1 },
                "extensions": persisted(&sha256("{ viewer { id } }")) }),
    )
    .await;
    let (_, malformed) = post(
        &app,
        json!({ "query": QUERY, "variables": { "first": 1 },
                "extensions": { "persistedQuery": { "version": 2, "sha256Hash": "x" } } }),
    )
    .await;

    assert_eq!(
        wrong["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_HASH_MISMATCH"
    );
    assert_eq!(wrong.get("data"), None);
    assert_eq!(malformed["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

/// Validation results are kept by variables too: the same document within the complexity
/// limit for one `first` and beyond it for another must pass and fail however often each
/// was seen.
async fn kept_validation_still_depends_on_the_variables(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| config.limits.complexity = 500).await
    else {
        return;
    };
    let query = "query ($first: Int!) { organisations(first: $first) {
        nodes { id name slug acronym city } } }";

    let mut outcomes = Vec::new();
    for first in [10, 100, 10, 100] {
        let body = app.graphql(query, json!({ "first": first })).await;
        outcomes.push(body["errors"][0]["extensions"]["code"].clone());
    }

    let refused = json!("GRAPHQL_VALIDATION_FAILED");
    assert_eq!(
        outcomes,
        [Value::Null, refused.clone(), Value::Null, refused]
    );
}

async fn a_repeated_query_answers_the_same_from_the_cache(app: TestApp) {
    let first = app.data(QUERY, json!({ "first": 4 })).await;
    let again = app.data(QUERY, json!({ "first": 4 })).await;
    let other = app.data(QUERY, json!({ "first": 5 })).await;

    assert_eq!(first, again);
    assert_eq!(other["organisations"]["nodes"].as_array().unwrap().len(), 5);
    let syntax = app.error_code("{ organisations { ", json!({})).await;
    let syntax_again = app.error_code("{ organisations { ", json!({})).await;
    assert_eq!(
        [syntax, syntax_again],
        ["GRAPHQL_PARSE_FAILED", "GRAPHQL_PARSE_FAILED"]
    );
}

on_both_backends!(
    a_client_sends_the_hash_once_the_server_knows_the_document,
    a_hash_that_does_not_match_its_query_is_refused,
    a_repeated_query_answers_the_same_from_the_cache,
);

on_each_backend!(kept_validation_still_depends_on_the_variables);
