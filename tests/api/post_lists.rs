//! Finding posts: full-text search and its ranking, filters, orders and paging.

use entities_hub::domain::membership::MemberRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{create_post, member_of, organisation_gid, publish_post};

const POSTS: &str = "query ($filter: PostFilter, $orderBy: PostOrder, $first: Int,
    $after: String) { posts(filter: $filter, orderBy: $orderBy, first: $first,
    after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { title } } }";

async fn published(app: &TestApp, token: &str, slug: &str, input: Value) -> Value {
    let draft = create_post(app, token, slug, input).await;
    publish_post(app, token, &draft["id"]).await
}

fn titles(data: &Value) -> Vec<String> {
    data["posts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn search_ranks_a_title_match_above_a_body_match(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let filler = "The network met in Manila to plan the coming year. ".repeat(3);
    published(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Annual meeting",
            "body": format!("{filler} Mangrove restoration was discussed.") }),
    )
    .await;
    published(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Mangroves of the region", "body": filler }),
    )
    .await;
    published(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Unrelated", "body": "Nothing to see." }),
    )
    .await;

    let ranked = app
        .data(POSTS, json!({ "filter": { "search": "mangrove" } }))
        .await;
    let by_date = app
        .data(
            POSTS,
            json!({ "filter": { "search": "MANGROVES" },
                "orderBy": { "field": "PUBLISHED_AT", "direction": "ASC" } }),
        )
        .await;
    let nothing = app
        .data(POSTS, json!({ "filter": { "search": "tsunami" } }))
        .await;
    let hostile = app
        .data(
            POSTS,
            json!({ "filter": { "search": "\"mangrove\" OR * ) -:^(" } }),
        )
        .await;

    assert_eq!(
        titles(&ranked),
        ["Mangroves of the region", "Annual meeting"]
    );
    assert_eq!(ranked["posts"]["totalCount"], 2);
    assert_eq!(
        titles(&by_date),
        ["Annual meeting", "Mangroves of the region"]
    );
    assert_eq!(titles(&nothing), Vec::<String>::new());
    assert_eq!(
        titles(&hostile),
        ["Mangroves of the region", "Annual meeting"]
    );
    let relevance_without_search = app
        .error_code(POSTS, json!({ "orderBy": { "field": "RELEVANCE" } }))
        .await;
    assert_eq!(relevance_without_search, "BAD_USER_INPUT");
}

async fn posts_filter_by_kind_tag_country_and_organisation(app: TestApp) {
    let centre_editor = member_of(&app, "acb", MemberRole::Editor).await;
    let entity_editor = member_of(&app, "adf", MemberRole::Editor).await;
    published(
        &app,
        &centre_editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Centre news", "tags": ["biodiversity"] }),
    )
    .await;
    published(
        &app,
        &entity_editor,
        "adf",
        json!({ "kind": "NEWS", "title": "Entity news", "tags": ["inclusion"] }),
    )
    .await;
    published(
        &app,
        &entity_editor,
        "adf",
        json!({ "kind": "CALL_FOR_APPLICATIONS", "title": "Entity call",
            "tags": ["inclusion", "grants"], "call": { "deadline": "2099-01-01T00:00:00Z" } }),
    )
    .await;
    let adf = organisation_gid(&app, "adf").await;
    let query = |filter: Value| app.data(POSTS, json!({ "filter": filter }));

    let news = query(json!({ "kinds": ["NEWS"] })).await;
    let tagged = query(json!({ "tags": ["Inclusion"] })).await;
    let of_adf = query(json!({ "organisationIds": [adf] })).await;
    let in_philippines = query(json!({ "countries": ["PH"] })).await;
    let in_thailand = query(json!({ "countries": ["TH"] })).await;
    let open_calls = query(json!({ "openCallsOnly": true })).await;
    let none = query(json!({ "kinds": [] })).await;

    assert_eq!(titles(&news), ["Entity news", "Centre news"]);
    assert_eq!(titles(&tagged), ["Entity call", "Entity news"]);
    assert_eq!(titles(&of_adf), ["Entity call", "Entity news"]);
    assert_eq!(
        titles(&in_philippines),
        ["Centre news"],
        "ACB is seated in the Philippines"
    );
    assert_eq!(titles(&in_thailand), Vec::<String>::new());
    assert_eq!(titles(&open_calls), ["Entity call"]);
    assert_eq!(titles(&none), Vec::<String>::new());
}

async fn events_sort_by_start_and_filter_by_range(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    for (title, starts, ends) in [
        (
            "March forum",
            "2027-03-10T02:00:00Z",
            "2027-03-11T10:00:00Z",
        ),
        (
            "January workshop",
            "2027-01-20T01:00:00Z",
            "2027-01-20T09:00:00Z",
        ),
        (
            "June summit",
            "2027-06-01T01:00:00Z",
            "2027-06-03T09:00:00Z",
        ),
    ] {
        published(
            &app,
            &editor,
            "acb",
            json!({ "kind": "EVENT", "title": title, "event": { "startsAt": starts,
                "endsAt": ends, "timeZone": "Asia/Manila", "venue": "Los Baños" } }),
        )
        .await;
    }
    published(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "News" }),
    )
    .await;
    let by_start = json!({ "field": "STARTS_AT" });

    let soonest_first = app.data(POSTS, json!({ "orderBy": by_start })).await;
    let first_page = app
        .data(POSTS, json!({ "orderBy": by_start, "first": 2 }))
        .await;
    let second_page = app
        .data(
            POSTS,
            json!({ "orderBy": by_start, "first": 2,
                "after": first_page["posts"]["pageInfo"]["endCursor"] }),
        )
        .await;
    let spring = app
        .data(
            POSTS,
            json!({ "filter": { "eventsBetween": { "from": "2027-03-11T00:00:00Z",
                "to": "2027-06-02T00:00:00Z" } }, "orderBy": by_start }),
        )
        .await;

    assert_eq!(
        titles(&soonest_first),
        ["January workshop", "March forum", "June summit"]
    );
    assert_eq!(soonest_first["posts"]["totalCount"], 3, "events only");
    assert_eq!(titles(&first_page), ["January workshop", "March forum"]);
    assert_eq!(first_page["posts"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(titles(&second_page), ["June summit"]);
    assert_eq!(second_page["posts"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(titles(&spring), ["March forum", "June summit"]);
    let cursor_of_other_order = app
        .error_code(
            POSTS,
            json!({ "after": first_page["posts"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(cursor_of_other_order, "BAD_USER_INPUT");
}

async fn a_search_costs_the_same_statements_at_any_page_size(app: TestApp) {
    let editors = [
        member_of(&app, "acb", MemberRole::Editor).await,
        member_of(&app, "adf", MemberRole::Editor).await,
    ];
    for i in 0..24 {
        let (token, slug) = if i % 2 == 0 {
            (&editors[0], "acb")
        } else {
            (&editors[1], "adf")
        };
        let input = json!({ "kind": "NEWS", "title": format!("Mangrove study {i}"),
            "tags": ["coast", format!("site-{}", i % 5)] });
        published(&app, token, slug, input).await;
    }
    published(
        &app,
        &editors[0],
        "acb",
        json!({ "kind": "NEWS", "title": "Unrelated" }),
    )
    .await;
    let query = "query ($first: Int!) { posts(first: $first,
        filter: {search: \"mangrove\"}) { nodes { title tags organisation { name }
        author { displayName } } } }";

    let mut costs = Vec::new();
    for size in [5, 20] {
        let before = app.statements_sent().await;
        let data = app
            .data_as(&editors[0], query, json!({ "first": size }))
            .await;
        costs.push(app.statements_sent().await - before);
        let nodes = data["posts"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), size);
        for node in nodes {
            assert!(
                node["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("Mangrove study")
            );
            assert_eq!(node["tags"].as_array().unwrap().len(), 2, "{node}");
            assert_eq!(node["author"]["displayName"], "Member", "{node}");
            assert!(node["organisation"]["name"].is_string(), "{node}");
        }
    }

    // One to authenticate, the page with its tags, its organisations, its authors; SQLite
    // asks its full-text index first, in a statement of its own.
    let expected = if app.db.is_sqlite() { 5 } else { 4 };
    assert_eq!(
        costs,
        [expected, expected],
        "statements for 5 and for 20 posts"
    );
}

async fn search_results_page_by_rank_without_gaps(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    // Title matches rank above body matches; equal posts tie and fall back to their ids.
    for i in 0..9 {
        let input = if i % 3 == 0 {
            json!({ "kind": "NEWS", "title": format!("Mangrove survey {i}"), "body": "Notes." })
        } else {
            let filler = "The network met to plan the year. ".repeat(i % 3);
            json!({ "kind": "NEWS", "title": format!("Meeting {i}"),
                "body": format!("{filler}Mangrove planting was agreed.") })
        };
        published(&app, &editor, "acb", input).await;
    }
    let search = json!({ "search": "mangrove" });

    let whole = app
        .data(POSTS, json!({ "filter": search, "first": 50 }))
        .await;
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(
                POSTS,
                json!({ "filter": search, "first": 2, "after": after }),
            )
            .await;
        walked.extend(titles(&page));
        if page["posts"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["posts"]["pageInfo"]["endCursor"].clone();
    }

    let whole = titles(&whole);
    assert_eq!(whole.len(), 9);
    assert!(
        whole[..3]
            .iter()
            .all(|title| title.starts_with("Mangrove survey")),
        "{whole:?}"
    );
    assert_eq!(
        walked, whole,
        "pages of two follow the ranking without gaps"
    );
}

on_both_backends!(
    a_search_costs_the_same_statements_at_any_page_size,
    search_ranks_a_title_match_above_a_body_match,
    search_results_page_by_rank_without_gaps,
    posts_filter_by_kind_tag_country_and_organisation,
    events_sort_by_start_and_filter_by_range
);
