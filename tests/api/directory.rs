//! The directory: the issue's example query, filters, orderings and `organisation(slug:)`.

use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{PAGE_QUERY, add_centres, field_of, nodes};

async fn all_organisations(
    app: &crate::harness::TestApp,
    filter: Value,
    order: Value,
) -> Vec<Value> {
    let variables = json!({ "first": 100, "filter": filter, "orderBy": order });
    let data = app.data(PAGE_QUERY, variables).await;
    assert_eq!(data["organisations"]["pageInfo"]["hasNextPage"], false);
    nodes(&data["organisations"])
}

fn sort_key(node: &Value, field: &str) -> String {
    match field {
        "NAME" => node["name"].as_str().unwrap().to_ascii_lowercase(),
        "ACRONYM" => node["acronym"]
            .as_str()
            .or(node["name"].as_str())
            .unwrap()
            .to_ascii_lowercase(),
        _ => node["createdAt"].as_str().unwrap().to_owned(),
    }
}

async fn the_example_query_lists_entities_by_name(app: TestApp) {
    let query = r#"{ organisations(first: 5, filter: {kinds: [ENTITY]},
                                   orderBy: {field: NAME, direction: ASC}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { __typename id slug name acronym country
          ... on Entity { category accreditationStatus } } } } }"#;

    let data = app.data(query, json!({})).await;

    let organisations = &data["organisations"];
    assert_eq!(organisations["totalCount"], 15);
    assert_eq!(organisations["pageInfo"]["hasNextPage"], true);
    let nodes = nodes(organisations);
    assert_eq!(
        field_of(&nodes, "slug"),
        ["aan", "acwo", "acn", "adf", "afeo"]
    );
    assert!(
        nodes
            .iter()
            .all(|n| n["__typename"] == "Entity" && n["accreditationStatus"] == "ACCREDITED")
    );
    assert_eq!(nodes[0]["category"], "CIVIL_SOCIETY_ORGANISATION");
}

async fn every_ordering_sorts_in_both_directions(app: TestApp) {
    add_centres(&app.db, "Tie Forum", 3, true).await;

    for field in ["NAME", "ACRONYM", "CREATED_AT"] {
        let ascending = all_organisations(&app, json!(null), json!({ "field": field })).await;
        let descending = all_organisations(
            &app,
            json!(null),
            json!({ "field": field, "direction": "DESC" }),
        )
        .await;

        assert_eq!(ascending.len(), 32);
        let keys: Vec<String> = ascending.iter().map(|n| sort_key(n, field)).collect();
        assert!(
            keys.windows(2).all(|pair| pair[0] <= pair[1]),
            "{field} ascending: {keys:?}"
        );
        let mut reversed = descending.clone();
        reversed.reverse();
        assert_eq!(
            field_of(&reversed, "id"),
            field_of(&ascending, "id"),
            "{field} descending"
        );
    }
}

async fn each_filter_keeps_only_what_it_names(app: TestApp) {
    let everything = all_organisations(&app, json!(null), json!(null)).await;
    let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let kept: Vec<Value> = everything.iter().filter(|n| keep(n)).cloned().collect();
        field_of(&kept, "slug")
    };
    let contains = |node: &Value, text: &str| {
        let text = text.to_ascii_lowercase();
        node["name"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains(&text)
            || node["acronym"]
                .as_str()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains(&text)
    };
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            json!({ "kinds": ["CENTRE"] }),
            expect(&|n| n["__typename"] == "Centre"),
        ),
        (
            json!({ "kinds": ["ENTITY", "SECRETARIAT"] }),
            expect(&|n| n["__typename"] != "Centre"),
        ),
        (
            json!({ "categories": ["THINK_TANK_AND_ACADEMIC_INSTITUTION"] }),
            expect(&|n| n["category"] == "THINK_TANK_AND_ACADEMIC_INSTITUTION"),
        ),
        (
            json!({ "countries": ["TH", "KH"] }),
            expect(&|n| n["country"] == "TH" || n["country"] == "KH"),
        ),
        (
            json!({ "accreditationStatuses": ["ACCREDITED"] }),
            expect(&|n| n["accreditationStatus"] == "ACCREDITED"),
        ),
        (json!({ "accreditationStatuses": ["APPLICANT"] }), vec![]),
        (
            json!({ "search": "centre" }),
            expect(&|n| contains(n, "centre")),
        ),
        (json!({ "search": "  aIpA " }), vec!["aipa".to_owned()]),
        (
            json!({ "search": "AHA centre" }),
            vec!["aha-centre".to_owned()],
        ),
        (json!({ "search": "%" }), vec![]),
        (json!({ "search": "_" }), vec![]),
        (json!({ "kinds": [] }), vec![]),
        (
            json!({ "kinds": ["CENTRE"], "countries": ["TH"], "search": "asean centre" }),
            expect(&|n| {
                n["__typename"] == "Centre" && n["country"] == "TH" && contains(n, "asean centre")
            }),
        ),
    ];

    for (filter, expected) in cases {
        let variables = json!({ "first": 100, "filter": filter });
        let data = app.data(PAGE_QUERY, variables).await;
        let organisations = &data["organisations"];
        assert_eq!(
            field_of(&nodes(organisations), "slug"),
            expected,
            "filter {filter}"
        );
        assert_eq!(
            organisations["totalCount"],
            expected.len(),
            "totalCount for {filter}"
        );
    }
    assert!(
        expect(&|n| contains(n, "centre")).len() >= 5,
        "the sample has centres to find"
    );
}

async fn a_search_too_long_or_with_nul_is_bad_user_input(app: TestApp) {
    let long = json!({ "search": "x".repeat(201) });
    let nul = json!({ "search": "asean\u{0}" });
    let slug_query = "query ($slug: String!) { organisation(slug: $slug) { id } }";

    let long = app.error_code(PAGE_QUERY, json!({ "filter": long })).await;
    let nul = app.error_code(PAGE_QUERY, json!({ "filter": nul })).await;
    let nul_slug = app
        .error_code(slug_query, json!({ "slug": "acb\u{0}" }))
        .await;

    assert_eq!([long, nul, nul_slug], ["BAD_USER_INPUT"; 3]);
}

async fn timestamps_are_utc_with_microseconds(app: TestApp) {
    let query = r#"{ organisation(slug: "acb") { createdAt updatedAt } }"#;

    let data = app.data(query, json!({})).await;

    for field in ["createdAt", "updatedAt"] {
        let text = data["organisation"][field].as_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
        assert!(
            text.ends_with('Z') && text.len() == "2026-12-03T08:30:00.123456Z".len(),
            "{text}"
        );
        assert!(parsed.timestamp() > 1_700_000_000, "{text}");
    }
}

async fn organisation_by_slug_finds_it_or_answers_null(app: TestApp) {
    let query = r#"query ($slug: String!) { organisation(slug: $slug) {
        __typename name kind country city } }"#;

    let found = app.data(query, json!({ "slug": "acb" })).await;
    let missing = app
        .data(query, json!({ "slug": "no-such-organisation" }))
        .await;

    assert_eq!(
        found["organisation"]["name"],
        "ASEAN Centre for Biodiversity"
    );
    assert_eq!(found["organisation"]["__typename"], "Centre");
    assert_eq!(found["organisation"]["kind"], "CENTRE");
    assert_eq!(found["organisation"]["country"], "PH");
    assert_eq!(found["organisation"]["city"], "Los Baños");
    assert_eq!(missing["organisation"], Value::Null);
}

on_both_backends!(
    the_example_query_lists_entities_by_name,
    every_ordering_sorts_in_both_directions,
    each_filter_keeps_only_what_it_names,
    a_search_too_long_or_with_nul_is_bad_user_input,
    timestamps_are_utc_with_microseconds,
    organisation_by_slug_finds_it_or_answers_null
);
