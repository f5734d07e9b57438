//! Posts over HTTP: who may write and publish, who may read drafts and platform posts, what
//! input is refused, and how edits and archiving behave.

use entities_hub::domain::membership::MemberRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{
    POST_FIELDS, add_applicant, create_post, member_of, organisation_gid, outsider, publish_post,
};

const CREATE: &str = "mutation ($input: CreatePostInput!) { createPost(input: $input) {
    post { id title } userErrors { field message code } } }";

fn node_query() -> String {
    format!("query ($id: ID!) {{ node(id: $id) {{ ... on Post {{ {POST_FIELDS} }} }} }}")
}

async fn a_post_by(app: &TestApp, token: &str, slug: &str) -> Value {
    let input = json!({
        "organisationId": organisation_gid(app, slug).await,
        "kind": "NEWS",
        "title": "Announcement",
    });
    app.post_with_token(token, CREATE, json!({ "input": input }))
        .await
        .json()
        .await
        .unwrap()
}

async fn an_applicant_cannot_publish(app: TestApp) {
    add_applicant(&app, "coastal-network").await;
    let applicant_editor = member_of(&app, "coastal-network", MemberRole::Owner).await;
    let accredited_member = member_of(&app, "adf", MemberRole::Member).await;
    let accredited_editor = member_of(&app, "adf", MemberRole::Editor).await;

    let refused = a_post_by(&app, &applicant_editor, "coastal-network").await;
    let plain_member = a_post_by(&app, &accredited_member, "adf").await;
    let editor = a_post_by(&app, &accredited_editor, "adf").await;

    let error = &refused["errors"][0];
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{refused}");
    assert_eq!(error["extensions"]["reason"], "NOT_ACCREDITED");
    assert!(
        error["message"].as_str().unwrap().contains("APPLICANT"),
        "the error says why: {error}"
    );
    assert_eq!(refused["data"]["createPost"], Value::Null);
    assert_eq!(plain_member["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(editor["data"]["createPost"]["userErrors"], json!([]));
    let anonymous = app
        .graphql(
            CREATE,
            json!({ "input": { "organisationId": organisation_gid(&app, "adf").await,
            "kind": "NEWS", "title": "x" } }),
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

async fn a_draft_is_visible_only_to_its_organisation(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let colleague = member_of(&app, "acb", MemberRole::Member).await;
    let other_member = member_of(&app, "adf", MemberRole::Owner).await;
    let draft = create_post(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Draft" }),
    )
    .await;
    let by_id = json!({ "id": draft["id"] });
    let drafts = r#"{ organisation(slug: "acb") {
        posts(filter: {statuses: [DRAFT, PUBLISHED]}) { nodes { id } } } }"#;
    let published = "{ posts { nodes { id } } }";

    let seen_by_colleague = app.data_as(&colleague, &node_query(), by_id.clone()).await;
    let seen_by_other = app
        .data_as(&other_member, &node_query(), by_id.clone())
        .await;
    let seen_anonymously = app.data(&node_query(), by_id.clone()).await;
    let listed_for_colleague = app.data_as(&colleague, drafts, json!({})).await;
    let listed_for_other = app.data_as(&other_member, drafts, json!({})).await;
    let in_feed = app.data_as(&colleague, published, json!({})).await;

    assert_eq!(seen_by_colleague["node"]["status"], "DRAFT");
    assert_eq!(seen_by_colleague["node"]["publishedAt"], Value::Null);
    assert_eq!(seen_by_other["node"], Value::Null);
    assert_eq!(seen_anonymously["node"], Value::Null);
    assert_eq!(
        listed_for_colleague["organisation"]["posts"]["nodes"],
        json!([{ "id": draft["id"] }])
    );
    assert_eq!(
        listed_for_other["organisation"]["posts"]["nodes"],
        json!([])
    );
    assert_eq!(
        in_feed["posts"]["nodes"],
        json!([]),
        "drafts are not published"
    );
    let publish = "mutation ($id: ID!) { publishPost(input: {postId: $id}) { post { id } } }";
    let body: Value = app
        .post_with_token(&other_member, publish, by_id.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );

    let published_post = publish_post(&app, &editor, &draft["id"]).await;
    let now_public = app.data(&node_query(), by_id).await;

    assert_eq!(published_post["status"], "PUBLISHED");
    assert!(published_post["publishedAt"].is_string());
    assert_eq!(now_public["node"]["title"], "Draft");
    assert_eq!(
        now_public["node"]["author"],
        Value::Null,
        "visitors see no users"
    );
}

async fn platform_posts_reach_only_members(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let member_elsewhere = member_of(&app, "adf", MemberRole::Member).await;
    let nobody = outsider(&app).await;
    let draft = create_post(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Members only", "visibility": "PLATFORM" }),
    )
    .await;
    publish_post(&app, &editor, &draft["id"]).await;
    let list = "{ posts { nodes { title visibility } } }";

    let for_member = app.data_as(&member_elsewhere, list, json!({})).await;
    let for_outsider = app.data_as(&nobody, list, json!({})).await;
    let for_visitor = app.data(list, json!({})).await;

    assert_eq!(
        for_member["posts"]["nodes"],
        json!([{ "title": "Members only", "visibility": "PLATFORM" }])
    );
    assert_eq!(for_outsider["posts"]["nodes"], json!([]));
    assert_eq!(for_visitor["posts"]["nodes"], json!([]));
}

async fn post_input_is_checked_and_nothing_is_written(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let acb = organisation_gid(&app, "acb").await;
    let event = |details: Value| {
        json!({ "input": { "organisationId": acb, "kind": "EVENT", "title": "Forum",
            "event": details } })
    };
    let cases = [
        (
            json!({ "input": { "organisationId": acb, "kind": "NEWS", "title": "  " } }),
            json!(["input", "title"]),
        ),
        (
            json!({ "input": { "organisationId": acb, "kind": "NEWS", "title": "T",
                "tags": ["one", "two words"] } }),
            json!(["input", "tags"]),
        ),
        (
            json!({ "input": { "organisationId": acb, "kind": "EVENT", "title": "T" } }),
            json!(["input", "event"]),
        ),
        (
            event(json!({ "startsAt": "2027-03-01T09:00:00+07:00",
                "endsAt": "2027-03-01T08:00:00+07:00", "timeZone": "Asia/Jakarta",
                "venue": "Jakarta" })),
            json!(["input", "event", "endsAt"]),
        ),
        (
            event(json!({ "startsAt": "2027-03-01T09:00:00+07:00",
                "endsAt": "2027-03-01T17:00:00+07:00", "timeZone": "Asia/Atlantis",
                "venue": "Jakarta" })),
            json!(["input", "event", "timeZone"]),
        ),
        (
            event(json!({ "startsAt": "2027-03-01T09:00:00+07:00",
                "endsAt": "2027-03-01T17:00:00+07:00", "timeZone": "Asia/Jakarta",
                "onlineUrl": "javascript:alert(1)" })),
            json!(["input", "event", "onlineUrl"]),
        ),
        (
            json!({ "input": { "organisationId": acb, "kind": "CALL_FOR_APPLICATIONS",
                "title": "T", "call": { "opensAt": "2027-03-02T00:00:00Z",
                "deadline": "2027-03-01T00:00:00Z" } } }),
            json!(["input", "call", "deadline"]),
        ),
    ];

    for (variables, field) in cases {
        let data = app.data_as(&editor, CREATE, variables).await;
        let payload = &data["createPost"];
        assert_eq!(payload["post"], Value::Null, "{payload}");
        assert_eq!(payload["userErrors"][0]["field"], field, "{payload}");
        assert_eq!(payload["userErrors"][0]["code"], "INVALID");
    }

    let drafts = app
        .data_as(
            &editor,
            r#"{ organisation(slug: "acb") { posts(filter: {statuses: [DRAFT]}) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(drafts["organisation"]["posts"]["totalCount"], 0);
}

async fn bodies_render_to_safe_html_and_edits_apply(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let draft = create_post(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Forum", "summary": "Short",
            "body": "**Join** <script>alert(1)</script> [us](javascript:alert(1))",
            "tags": ["Biodiversity", "forum", "FORUM"] }),
    )
    .await;
    let update = format!(
        "mutation ($input: UpdatePostInput!) {{ updatePost(input: $input) {{
            post {{ {POST_FIELDS} }} userErrors {{ field code }} }} }}"
    );
    let archive = "mutation ($id: ID!) { archivePost(input: {postId: $id}) {
        post { status } userErrors { field code } } }";

    let edited = app
        .data_as(
            &editor,
            &update,
            json!({ "input": { "postId": draft["id"], "title": "Forum 2027", "summary": null,
                "tags": ["marine"] } }),
        )
        .await;
    let archiving_a_draft = app
        .data_as(&editor, archive, json!({ "id": draft["id"] }))
        .await;

    assert!(
        draft["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("<strong>Join</strong>")
    );
    for unsafe_part in ["<script", "javascript:"] {
        assert!(!draft["bodyHtml"].as_str().unwrap().contains(unsafe_part));
    }
    assert_eq!(draft["tags"], json!(["biodiversity", "forum"]));
    let post = &edited["updatePost"]["post"];
    assert_eq!(post["title"], "Forum 2027");
    assert_eq!(post["summary"], Value::Null);
    assert_eq!(post["tags"], json!(["marine"]));
    assert_eq!(post["body"], draft["body"], "fields left out stay");
    assert_eq!(
        archiving_a_draft["archivePost"]["userErrors"][0]["code"],
        "WRONG_STATUS"
    );

    publish_post(&app, &editor, &draft["id"]).await;
    let archived = app
        .data_as(&editor, archive, json!({ "id": draft["id"] }))
        .await;
    let edit_archived = app
        .data_as(
            &editor,
            &update,
            json!({ "input": { "postId": draft["id"], "title": "x" } }),
        )
        .await;
    let listed = app.data("{ posts { totalCount } }", json!({})).await;

    assert_eq!(archived["archivePost"]["post"]["status"], "ARCHIVED");
    assert_eq!(
        edit_archived["updatePost"]["userErrors"][0]["code"],
        "WRONG_STATUS"
    );
    assert_eq!(
        listed["posts"]["totalCount"], 0,
        "archived posts leave the list"
    );
}

async fn a_page_of_posts_costs_a_fixed_number_of_statements(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let other_editor = member_of(&app, "adf", MemberRole::Editor).await;
    for i in 0..100 {
        let (token, slug) = if i % 2 == 0 {
            (&editor, "acb")
        } else {
            (&other_editor, "adf")
        };
        let input = json!({ "kind": "NEWS", "title": format!("Post {i}"),
            "tags": [format!("tag-{}", i % 7), "common"] });
        let draft = create_post(&app, token, slug, input).await;
        publish_post(&app, token, &draft["id"]).await;
    }
    let query = "query ($first: Int!) { posts(first: $first) { nodes { title tags
        organisation { name } author { displayName } } } }";

    let mut costs = Vec::new();
    for size in [10, 100] {
        let before = app.statements_sent().await;
        let data = app.data_as(&editor, query, json!({ "first": size })).await;
        costs.push(app.statements_sent().await - before);
        let nodes = data["posts"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), size);
        assert!(
            nodes
                .iter()
                .all(|node| node["author"]["displayName"] == "Member")
        );
        assert!(
            nodes
                .iter()
                .all(|node| node["tags"].as_array().unwrap().len() == 2)
        );
    }

    // One to authenticate (the user with their memberships), then the page with its tags, its
    // organisations and its authors: one statement each.
    assert_eq!(costs, [4, 4], "statements for 10 and for 100 posts");
}

/// Writes `per_organisation` published posts for every organisation, straight into the
/// database: a `PLATFORM` one newest, `PUBLIC` ones before it, each with two tags.
async fn fill_every_organisation(app: &TestApp, per_organisation: usize) {
    use diesel::QueryDsl as _;
    use diesel_async::RunQueryDsl as _;
    use entities_hub::db::schema::{organisations, users};
    let mut conn = app.db.conn().await.unwrap();
    let (ids, author) = entities_hub::on_conn!(&mut conn, |c| {
        let ids: Vec<i64> = organisations::table
            .select(organisations::id)
            .order(organisations::id)
            .load(c)
            .await
            .unwrap();
        let author: i64 = users::table
            .select(users::id)
            .order(users::id)
            .first(c)
            .await
            .unwrap();
        (ids, author)
    });
    let mut rows = Vec::new();
    for id in &ids {
        for n in 0..per_organisation {
            let visibility = if n + 1 == per_organisation {
                "PLATFORM"
            } else {
                "PUBLIC"
            };
            // Hours differ across organisations, so their newest posts interleave.
            rows.push(format!(
                "({id}, {author}, 'NEWS', 'Post {id}-{n}', 'Body', '{visibility}', 'PUBLISHED', \
                 '2026-06-{:02} {:02}:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                n + 1,
                id % 24,
            ));
        }
    }
    let statements = [
        format!(
            "INSERT INTO posts (organisation_id, author_id, kind, title, body, visibility, \
                 status, published_at, created_at, updated_at) VALUES {}",
            rows.join(", ")
        ),
        "INSERT INTO post_tags (post_id, tag) SELECT id, 'common' FROM posts".to_owned(),
        "INSERT INTO post_tags (post_id, tag) SELECT id, 'tag-' || (id % 5) FROM posts".to_owned(),
    ];
    for statement in statements {
        entities_hub::on_conn!(&mut conn, |c| diesel::sql_query(&statement)
            .execute(c)
            .await
            .unwrap());
    }
}

const NESTED: &str = "query ($first: Int!) { organisations(first: $first) { nodes { id
    posts(first: 10) { pageInfo { hasNextPage endCursor }
      edges { cursor node { title publishedAt tags visibility author { displayName } } } } } } }";

const ONE_ORGANISATION: &str = "query ($id: ID!, $after: String) {
    posts(first: 10, after: $after, filter: {organisationIds: [$id]}) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { title publishedAt tags visibility author { displayName } } } } }";

async fn organisations_with_their_newest_posts_cost_a_fixed_number_of_statements(app: TestApp) {
    let member = member_of(&app, "acb", MemberRole::Editor).await;
    fill_every_organisation(&app, 12).await;

    let mut costs = Vec::new();
    for size in [5, 25] {
        let before = app.statements_sent().await;
        app.data_as(&member, NESTED, json!({ "first": size })).await;
        costs.push(app.statements_sent().await - before);
    }

    // One to authenticate, the page of organisations, then the posts of all of them with
    // their tags, and their authors: one statement each.
    assert_eq!(costs, [4, 4], "statements for 5 and for 25 organisations");
}

async fn nested_first_pages_match_each_organisations_own_list(app: TestApp) {
    let member = member_of(&app, "acb", MemberRole::Editor).await;
    fill_every_organisation(&app, 12).await;

    for token in [Some(member.as_str()), None] {
        let nested = match token {
            Some(token) => app.data_as(token, NESTED, json!({ "first": 8 })).await,
            None => app.data(NESTED, json!({ "first": 8 })).await,
        };
        let organisations = nested["organisations"]["nodes"].as_array().unwrap();
        assert_eq!(organisations.len(), 8);
        for organisation in organisations {
            let variables = json!({ "id": organisation["id"] });
            let alone = match token {
                Some(token) => app.data_as(token, ONE_ORGANISATION, variables).await,
                None => app.data(ONE_ORGANISATION, variables).await,
            };
            let page = &organisation["posts"];
            assert_eq!(page, &alone["posts"], "signed in: {}", token.is_some());
            assert_eq!(page["pageInfo"]["hasNextPage"], true);
            let first = &page["edges"][0]["node"];
            let expected = if token.is_some() {
                "PLATFORM"
            } else {
                "PUBLIC"
            };
            assert_eq!(first["visibility"], expected, "{page}");
            for edge in page["edges"].as_array().unwrap() {
                let tags = edge["node"]["tags"].as_array().unwrap();
                assert_eq!(tags.len(), 2, "{edge}");
                assert_eq!(tags[0], "common", "tags come sorted: {edge}");
                assert!(tags[1].as_str().unwrap().starts_with("tag-"), "{edge}");
            }

            // The batch's cursors page on through the ordinary list.
            let variables =
                json!({ "id": organisation["id"], "after": page["pageInfo"]["endCursor"] });
            let next = match token {
                Some(token) => app.data_as(token, ONE_ORGANISATION, variables).await,
                None => app.data(ONE_ORGANISATION, variables).await,
            };
            let rest = next["posts"]["edges"].as_array().unwrap().len();
            assert_eq!(rest, if token.is_some() { 2 } else { 1 });
        }
    }
}

on_both_backends!(
    organisations_with_their_newest_posts_cost_a_fixed_number_of_statements,
    nested_first_pages_match_each_organisations_own_list,
    an_applicant_cannot_publish,
    a_draft_is_visible_only_to_its_organisation,
    platform_posts_reach_only_members,
    post_input_is_checked_and_nothing_is_written,
    bodies_render_to_safe_html_and_edits_apply,
    a_page_of_posts_costs_a_fixed_number_of_statements
);
