//! Keyset pagination: whole lists walked page by page, both ways, and bad arguments.

use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{PAGE_QUERY, add_centres, field_of, nodes};

/// Walks the list forwards with `first: size`, returning every id and each page's info.
async fn walk_forwards(app: &TestApp, size: usize, order: &Value) -> (Vec<String>, Vec<Value>) {
    let (mut ids, mut infos, mut after) = (Vec::new(), Vec::new(), Value::Null);
    loop {
        let variables = json!({ "first": size, "after": after, "orderBy": order });
        let data = app.data(PAGE_QUERY, variables).await;
        let page = &data["organisations"];
        ids.extend(field_of(&nodes(page), "id"));
        infos.push(page["pageInfo"].clone());
        if page["pageInfo"]["hasNextPage"] != true {
            return (ids, infos);
        }
        after = page["pageInfo"]["endCursor"].clone();
        assert!(infos.len() < 100, "paging forwards ends");
    }
}

/// Walks the list backwards with `last: size`, returning every id in list order.
async fn walk_backwards(app: &TestApp, size: usize, order: &Value) -> (Vec<String>, Vec<Value>) {
    let (mut ids, mut infos, mut before) = (Vec::new(), Vec::new(), Value::Null);
    loop {
        let variables = json!({ "last": size, "before": before, "orderBy": order });
        let data = app.data(PAGE_QUERY, variables).await;
        let page = &data["organisations"];
        let mut page_ids = field_of(&nodes(page), "id");
        page_ids.extend(ids);
        ids = page_ids;
        infos.push(page["pageInfo"].clone());
        if page["pageInfo"]["hasPreviousPage"] != true {
            return (ids, infos);
        }
        before = page["pageInfo"]["startCursor"].clone();
        assert!(infos.len() < 100, "paging backwards ends");
    }
}

async fn pages_cover_the_list_once_in_both_directions(app: TestApp) {
    // Equal names put ties right across page boundaries.
    add_centres(&app.db, "Tie Forum", 7, true).await;

    for field in ["NAME", "ACRONYM", "CREATED_AT"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let whole = app
                .data(PAGE_QUERY, json!({ "first": 100, "orderBy": order }))
                .await;
            let expected = field_of(&nodes(&whole["organisations"]), "id");

            let (forwards, forward_pages) = walk_forwards(&app, 4, &order).await;
            let (backwards, backward_pages) = walk_backwards(&app, 4, &order).await;

            assert_eq!(expected.len(), 36);
            assert_eq!(forwards, expected, "forwards by {field} {direction}");
            assert_eq!(backwards, expected, "backwards by {field} {direction}");
            assert_eq!(forward_pages.len(), 9);
            assert_eq!(forward_pages[0]["hasPreviousPage"], false);
            assert!(
                forward_pages[1..]
                    .iter()
                    .all(|info| info["hasPreviousPage"] == true)
            );
            assert_eq!(backward_pages[0]["hasNextPage"], false);
            assert!(
                backward_pages[1..]
                    .iter()
                    .all(|info| info["hasNextPage"] == true)
            );
        }
    }
}

async fn after_and_before_together_bound_a_range(app: TestApp) {
    let whole = app.data(PAGE_QUERY, json!({ "first": 10 })).await;
    let edges = whole["organisations"]["edges"].as_array().unwrap().clone();
    let (after, before) = (&edges[1]["cursor"], &edges[7]["cursor"]);

    let range = app
        .data(PAGE_QUERY, json!({ "after": after, "before": before }))
        .await;
    let last_two = app
        .data(
            PAGE_QUERY,
            json!({ "last": 2, "after": after, "before": before }),
        )
        .await;

    let ids: Vec<String> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().into())
        .collect();
    assert_eq!(field_of(&nodes(&range["organisations"]), "id"), ids[2..7]);
    assert_eq!(
        field_of(&nodes(&last_two["organisations"]), "id"),
        ids[5..7]
    );
    assert_eq!(
        last_two["organisations"]["pageInfo"]["hasPreviousPage"],
        true
    );
    assert_eq!(last_two["organisations"]["pageInfo"]["hasNextPage"], true);
}

async fn before_alone_gives_the_page_just_before(app: TestApp) {
    add_centres(&app.db, "Extra Centre", 30, false).await;
    let whole = app.data(PAGE_QUERY, json!({ "first": 100 })).await;
    let edges = whole["organisations"]["edges"].as_array().unwrap().clone();
    let ids: Vec<String> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().into())
        .collect();

    let page = app
        .data(PAGE_QUERY, json!({ "before": edges[50]["cursor"] }))
        .await;

    assert_eq!(field_of(&nodes(&page["organisations"]), "id"), ids[30..50]);
    assert_eq!(page["organisations"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["organisations"]["pageInfo"]["hasNextPage"], true);
}

async fn an_empty_page_has_no_cursors(app: TestApp) {
    let filter = json!({ "kinds": [] });

    let data = app.data(PAGE_QUERY, json!({ "filter": filter })).await;

    let page = &data["organisations"];
    assert_eq!(page["edges"], json!([]));
    assert_eq!(page["totalCount"], 0);
    assert_eq!(page["pageInfo"]["startCursor"], Value::Null);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
}

async fn bad_cursors_and_sizes_are_bad_user_input(app: TestApp) {
    let by_name = app.data(PAGE_QUERY, json!({ "first": 1 })).await;
    let name_cursor = by_name["organisations"]["pageInfo"]["endCursor"].clone();
    let by_created = json!({ "field": "CREATED_AT" });
    let cases = [
        json!({ "after": "not a cursor" }),
        json!({ "before": "bjpub3QtYW4taWQ6eA" }),
        json!({ "after": "" }),
        json!({ "after": name_cursor, "orderBy": by_created }),
        json!({ "first": 0 }),
        json!({ "first": 101 }),
        json!({ "first": -1 }),
        json!({ "last": 0 }),
        json!({ "last": 101 }),
        json!({ "first": 1, "last": 1 }),
    ];

    for variables in cases {
        let body = app.graphql(PAGE_QUERY, variables.clone()).await;

        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{variables}"
        );
        assert_eq!(
            body["errors"][0]["path"],
            json!(["organisations"]),
            "{variables}"
        );
        assert_eq!(body.get("data"), Some(&Value::Null), "{variables}");
    }
}

async fn the_example_query_costs_two_statements_at_any_page_size(app: TestApp) {
    add_centres(&app.db, "Regional Centre", 120, false).await;
    let query = r#"query ($first: Int!) { organisations(first: $first,
            filter: {kinds: [CENTRE]}, orderBy: {field: NAME, direction: ASC}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id slug name acronym country
          ... on Entity { category accreditationStatus } } } } }"#;

    let mut costs = Vec::new();
    for first in [5, 100] {
        let before = app.statements_sent().await;
        let data = app.data(query, json!({ "first": first })).await;
        costs.push(app.statements_sent().await - before);
        assert_eq!(nodes(&data["organisations"]).len(), first);
    }

    assert_eq!(
        costs,
        [2, 2],
        "one statement for the page, one for totalCount"
    );
}

on_both_backends!(
    pages_cover_the_list_once_in_both_directions,
    after_and_before_together_bound_a_range,
    before_alone_gives_the_page_just_before,
    an_empty_page_has_no_cursors,
    bad_cursors_and_sizes_are_bad_user_input,
    the_example_query_costs_two_statements_at_any_page_size
);
