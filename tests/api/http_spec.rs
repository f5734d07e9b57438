//! GraphQL over HTTP as the specification has it, plus the server's other HTTP rules.

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, on_both_backends, on_each_backend};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// POSTs `body` as JSON with this `Accept`, returning status, content type and body.
async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> (u16, String, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    read(request.send().await.expect("an answer")).await
}

/// GETs `/graphql` with these query-string parameters.
async fn get(app: &TestApp, accept: &str, params: &[(&str, &str)]) -> reqwest::Response {
    let url = format!("{}/graphql", app.address);
    app.client
        .get(url)
        .query(params)
        .header(ACCEPT, accept)
        .send()
        .await
        .expect("an answer")
}

async fn read(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

async fn answers_in_the_media_type_the_client_accepts(app: TestApp) {
    let query = json!({ "query": "{ organisation(slug: \"aipa\") { name } }" });

    let modern = post(&app, Some(GRAPHQL_RESPONSE), query.clone()).await;
    let legacy = post(&app, Some(JSON), query.clone()).await;
    let unspecified = post(&app, None, query.clone()).await;
    let refused = post(&app, Some("text/html"), query).await;

    assert_eq!(
        (modern.0, modern.1.starts_with(GRAPHQL_RESPONSE)),
        (200, true)
    );
    assert_eq!((legacy.0, legacy.1.starts_with(JSON)), (200, true));
    assert_eq!(
        (unspecified.0, unspecified.1.starts_with(JSON)),
        (200, true)
    );
    assert_eq!(
        modern.2["data"]["organisation"]["name"],
        "ASEAN Inter-Parliamentary Assembly"
    );
    assert_eq!(refused.0, 406);
}

async fn request_errors_are_400_only_for_the_new_media_type(app: TestApp) {
    let unparsable = json!({ "query": "{ organisations { " });
    let invalid = json!({ "query": "{ planets { name } }" });

    for (body, code) in [
        (unparsable, "GRAPHQL_PARSE_FAILED"),
        (invalid, "GRAPHQL_VALIDATION_FAILED"),
    ] {
        let modern = post(&app, Some(GRAPHQL_RESPONSE), body.clone()).await;
        let legacy = post(&app, Some(JSON), body).await;

        assert_eq!(modern.0, 400);
        assert_eq!(legacy.0, 200);
        for (_, _, response) in [&modern, &legacy] {
            assert_eq!(response["errors"][0]["extensions"]["code"], code);
            assert!(
                response.get("data").is_none(),
                "a request error has no data: {response}"
            );
        }
    }
}

async fn field_errors_keep_status_200_with_data_null(app: TestApp) {
    let body = json!({ "query": "{ organisations(first: 0) { totalCount } }" });

    let (status, _, response) = post(&app, Some(GRAPHQL_RESPONSE), body).await;

    assert_eq!(status, 200);
    assert_eq!(
        response.get("data"),
        Some(&Value::Null),
        "data is present, and null"
    );
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

async fn queries_work_over_get_and_mutations_do_not(app: TestApp) {
    let query = get(
        &app,
        GRAPHQL_RESPONSE,
        &[
            (
                "query",
                "query One($slug: String!) { organisation(slug: $slug) { slug } }",
            ),
            ("variables", r#"{"slug": "acb"}"#),
            ("operationName", "One"),
        ],
    )
    .await;
    let only_named = get(&app, JSON, &[("query", "mutation Rename { anything }")]).await;
    let mutation = get(
        &app,
        GRAPHQL_RESPONSE,
        &[("query", "mutation { anything }")],
    )
    .await;
    let named = get(
        &app,
        JSON,
        &[
            (
                "query",
                "query A { organisation(slug: \"acb\") { slug } } mutation B { anything }",
            ),
            ("operationName", "B"),
        ],
    )
    .await;

    let (status, _, body) = read(query).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["organisation"]["slug"], "acb");
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()[ALLOW], "POST");
    assert_eq!(named.status(), 405);
    assert_eq!(only_named.status(), 405);
}

async fn malformed_requests_are_400(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    let not_json = app
        .client
        .post(&url)
        .header(CONTENT_TYPE, JSON)
        .body("{")
        .send()
        .await
        .unwrap();
    let no_query = post(&app, Some(GRAPHQL_RESPONSE), json!({ "variables": {} })).await;
    let query_not_string = post(&app, Some(JSON), json!({ "query": 7 })).await;
    let variables_not_object = post(
        &app,
        Some(JSON),
        json!({ "query": "{ __typename }", "variables": [1] }),
    )
    .await;
    let get_without_query = get(&app, JSON, &[]).await;
    let get_bad_variables = get(
        &app,
        JSON,
        &[("query", "{ __typename }"), ("variables", "{")],
    )
    .await;

    assert_eq!(not_json.status(), 400);
    assert_eq!(no_query.0, 400);
    assert_eq!(query_not_string.0, 400);
    assert_eq!(variables_not_object.0, 400);
    assert_eq!(get_without_query.status(), 400);
    assert_eq!(get_bad_variables.status(), 400);
    assert_eq!(no_query.2["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

/// POSTs a valid GraphQL body labelled with this content type, or with none.
async fn post_as(app: &TestApp, content_type: Option<&str>) -> u16 {
    let mut request = app.client.post(format!("{}/graphql", app.address));
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    let body = r#"{"query":"{ __typename }"}"#;
    request.body(body).send().await.unwrap().status().as_u16()
}

async fn other_content_types_are_415(app: TestApp) {
    let text = post_as(&app, Some("text/plain")).await;
    let none = post_as(&app, None).await;
    let with_charset = post_as(&app, Some("application/json; charset=utf-8")).await;

    assert_eq!(text, 415);
    assert_eq!(none, 415);
    assert_eq!(with_charset, 200);
}

async fn a_body_over_the_limit_is_413(app: TestApp) {
    let padding = " ".repeat(2 << 20);
    let body = json!({ "query": format!("{{ __typename {padding} }}") });

    let (status, _, _) = post(&app, Some(JSON), body).await;

    assert_eq!(status, 413);
}

async fn the_largest_page_of_the_example_query_is_within_the_limits(app: TestApp) {
    let query = r#"{ organisations(first: 100) { totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id slug name acronym kind description website country city
          establishedOn createdAt updatedAt
          ... on Entity { category accreditationStatus } } } } }"#;

    let data = app.data(query, json!({})).await;

    assert_eq!(data["organisations"]["totalCount"], 29);
}

async fn browsers_may_call_from_any_origin(app: TestApp) {
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "https://frontend.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();

    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}

async fn health_and_readiness_answer(app: TestApp) {
    let live = app.get("/healthz").await;
    let ready = app.get("/readyz").await;

    assert_eq!(live.status(), 200);
    assert_eq!(ready.status(), 200);
}

async fn readiness_fails_when_the_database_is_gone(app: TestApp) {
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.database.remove().await;

    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

async fn response_fields_follow_the_selection_order(app: TestApp) {
    let query =
        "{ organisations(first: 2) { totalCount pageInfo { hasNextPage } nodes { slug id } }
                   first: __typename }";

    let data = app.data(query, json!({})).await;

    let keys = |value: &Value| {
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&data), ["organisations", "first"]);
    assert_eq!(
        keys(&data["organisations"]),
        ["totalCount", "pageInfo", "nodes"]
    );
    assert_eq!(keys(&data["organisations"]["nodes"][1]), ["slug", "id"]);
}

on_both_backends!(
    answers_in_the_media_type_the_client_accepts,
    response_fields_follow_the_selection_order,
    request_errors_are_400_only_for_the_new_media_type,
    field_errors_keep_status_200_with_data_null,
    queries_work_over_get_and_mutations_do_not,
    malformed_requests_are_400,
    other_content_types_are_415,
    a_body_over_the_limit_is_413,
    the_largest_page_of_the_example_query_is_within_the_limits,
    browsers_may_call_from_any_origin,
    health_and_readiness_answer,
    readiness_fails_when_the_database_is_gone
);

async fn queries_beyond_the_depth_complexity_or_alias_limit_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.limits.depth = 3;
        config.limits.complexity = 500;
        config.limits.aliases = 2;
    })
    .await
    else {
        return;
    };
    let deep = json!({ "query": "{ organisations { edges { node { id } } } }" });
    let costly =
        json!({ "query": "{ organisations(first: 100) { nodes { id name slug acronym city } } }" });
    let fine = json!({ "query": "{ organisations(first: 10) { nodes { id name } } }" });
    let aliased = "{ a: __typename ...F } fragment F on Query { b: __typename c: __typename }";
    let aliased = json!({ "query": aliased });
    let two_aliases = json!({ "query": "{ a: __typename b: __typename }" });

    let deep = post(&app, Some(GRAPHQL_RESPONSE), deep).await;
    let costly = post(&app, Some(GRAPHQL_RESPONSE), costly).await;
    let fine = post(&app, Some(GRAPHQL_RESPONSE), fine).await;
    let aliased = post(&app, Some(GRAPHQL_RESPONSE), aliased).await;
    let two_aliases = post(&app, Some(GRAPHQL_RESPONSE), two_aliases).await;

    assert_eq!(deep.0, 400);
    assert_eq!(
        deep.2["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(costly.0, 400);
    assert_eq!(fine.0, 200);
    assert_eq!(aliased.0, 400);
    assert_eq!(
        aliased.2["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(two_aliases.0, 200);
}

async fn an_exhausted_pool_answers_unavailable_without_detail(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.pool.max_size = 1;
        config.pool.wait_timeout = std::time::Duration::from_millis(200);
    })
    .await
    else {
        return;
    };
    let held = app.db.conn().await.expect("the only connection");

    let body = app
        .graphql("{ organisations { totalCount } }", json!({}))
        .await;
    drop(held);
    let after = app
        .graphql("{ organisations { totalCount } }", json!({}))
        .await;

    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    assert_eq!(
        body["errors"][0]["message"], "the service is temporarily unavailable; try again shortly",
        "nothing of the cause reaches the client"
    );
    assert_eq!(after["data"]["organisations"]["totalCount"], 29);
}

on_each_backend!(
    queries_beyond_the_depth_complexity_or_alias_limit_are_refused,
    an_exhausted_pool_answers_unavailable_without_detail
);
