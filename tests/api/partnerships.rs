//! Partnerships over HTTP: proposing, answering, ending; one open partnership per pair; who
//! sees what; paging partners; and the cost of nested lists of partners.

use entities_hub::db::partnerships::{self as queries, NewPartnership};
use entities_hub::domain::membership::MemberRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{
    add_applicant, add_centres, member_of, organisation_gid, organisation_id, outsider,
};

const PARTNERSHIP_FIELDS: &str = "id status description proposedBy { slug }
    proposedTo { slug } proposedAt respondedAt endedAt";

const PARTNERS: &str = "query ($slug: String!, $first: Int, $after: String, $last: Int,
    $before: String) { organisation(slug: $slug) {
    partners(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { slug } } } } }";

const NODE: &str = "query ($id: ID!) { node(id: $id) { ... on Partnership { status } } }";

const REQUESTS: &str = "query ($slug: String!) { organisation(slug: $slug) {
    partnershipRequests { totalCount nodes { status proposedBy { slug } proposedTo { slug } } }
    } }";

/// Sends a partnership mutation as `token` and returns its payload, or the whole body when
/// it failed with errors.
async fn mutate(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = if name == "proposePartnership" {
        "ProposePartnershipInput"
    } else {
        "ChangePartnershipInput"
    };
    let mutation = format!(
        "mutation ($input: {input_type}!) {{ {name}(input: $input) {{
            partnership {{ {PARTNERSHIP_FIELDS} }} userErrors {{ field message code }} }} }}"
    );
    let response = app
        .post_with_token(token, &mutation, json!({ "input": input }))
        .await;
    let body: Value = response.json().await.expect("a JSON body");
    if body.get("errors").is_some() {
        return body;
    }
    body["data"][name].clone()
}

async fn propose(app: &TestApp, token: &str, from: &str, to: &str) -> Value {
    let input = json!({ "organisationId": organisation_gid(app, from).await,
        "partnerId": organisation_gid(app, to).await,
        "description": "Joint field surveys of mangrove biodiversity." });
    mutate(app, token, "proposePartnership", input).await
}

/// Answers a proposal: `ACCEPT` or `DECLINE`.
async fn respond(app: &TestApp, token: &str, id: &Value, response: &str) -> Value {
    let name = match response {
        "ACCEPT" => "acceptPartnership",
        _ => "declinePartnership",
    };
    mutate(app, token, name, json!({ "partnershipId": id })).await
}

async fn end(app: &TestApp, token: &str, id: &Value) -> Value {
    mutate(app, token, "endPartnership", json!({ "partnershipId": id })).await
}

async fn partner_slugs(app: &TestApp, slug: &str) -> Vec<String> {
    let data = app.data(PARTNERS, json!({ "slug": slug })).await;
    slugs(&data["organisation"]["partners"])
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a code: {body}"))
}

async fn a_proposal_accepted_makes_both_organisations_partners(app: TestApp) {
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;
    let adf_owner = member_of(&app, "adf", MemberRole::Owner).await;

    let proposed = propose(&app, &acb_admin, "acb", "adf").await;
    let requests = app
        .data_as(&adf_owner, REQUESTS, json!({ "slug": "adf" }))
        .await;
    let id = &proposed["partnership"]["id"];
    let accepted = respond(&app, &adf_owner, id, "ACCEPT").await;

    assert_eq!(proposed["userErrors"], json!([]), "{proposed}");
    assert_eq!(proposed["partnership"]["status"], "PROPOSED");
    assert_eq!(proposed["partnership"]["proposedBy"]["slug"], "acb");
    assert_eq!(proposed["partnership"]["respondedAt"], Value::Null);
    assert_eq!(
        requests["organisation"]["partnershipRequests"],
        json!({ "totalCount": 1, "nodes": [{ "status": "PROPOSED",
            "proposedBy": { "slug": "acb" }, "proposedTo": { "slug": "adf" } }] })
    );
    assert_eq!(accepted["userErrors"], json!([]), "{accepted}");
    assert_eq!(accepted["partnership"]["status"], "ACTIVE");
    assert!(accepted["partnership"]["respondedAt"].is_string());
    assert_eq!(partner_slugs(&app, "acb").await, ["adf"]);
    assert_eq!(partner_slugs(&app, "adf").await, ["acb"]);
    let after = app
        .data_as(&adf_owner, REQUESTS, json!({ "slug": "adf" }))
        .await;
    assert_eq!(
        after["organisation"]["partnershipRequests"]["totalCount"],
        0
    );
}

async fn a_pair_has_at_most_one_open_partnership(app: TestApp) {
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;
    let adf_admin = member_of(&app, "adf", MemberRole::Admin).await;
    let first = propose(&app, &acb_admin, "acb", "adf").await;

    let reversed = propose(&app, &adf_admin, "adf", "acb").await;
    let declined = respond(&app, &adf_admin, &first["partnership"]["id"], "DECLINE").await;
    let again = propose(&app, &adf_admin, "adf", "acb").await;

    assert_eq!(reversed["partnership"], Value::Null);
    assert_eq!(
        reversed["userErrors"][0]["field"],
        json!(["input", "partnerId"])
    );
    assert_eq!(reversed["userErrors"][0]["code"], "TAKEN");
    assert_eq!(declined["partnership"]["status"], "DECLINED");
    assert_eq!(again["userErrors"], json!([]), "a declined one is closed");
    assert!(partner_slugs(&app, "acb").await.is_empty());

    // The database holds the rule too, whichever way round the pair is written.
    let (acb, adf) = (
        organisation_id(&app, "acb").await,
        organisation_id(&app, "adf").await,
    );
    let mut conn = app.db.conn().await.unwrap();
    let row = |proposer_id, recipient_id| NewPartnership {
        proposer_id,
        recipient_id,
        description: "Direct",
        status: "ACTIVE",
        proposed_at: entities_hub::db::now(),
    };
    let duplicate = queries::insert(&mut conn, &row(acb, adf)).await.unwrap();
    assert_eq!(duplicate, None, "a second open partnership is refused");
    assert!(
        queries::insert(&mut conn, &row(acb, acb)).await.is_err(),
        "an organisation cannot partner with itself"
    );
}

async fn only_admins_and_owners_act_and_see_pending_partnerships(app: TestApp) {
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;
    let acb_editor = member_of(&app, "acb", MemberRole::Editor).await;
    let adf_member = member_of(&app, "adf", MemberRole::Member).await;
    let adf_owner = member_of(&app, "adf", MemberRole::Owner).await;
    let stranger = outsider(&app).await;
    let proposed = propose(&app, &acb_admin, "acb", "adf").await;
    let id = proposed["partnership"]["id"].clone();

    let by_editor = propose(&app, &acb_editor, "acb", "asten").await;
    let by_visitor = app
        .graphql(
            "mutation ($input: ProposePartnershipInput!) { proposePartnership(input: $input) {
                userErrors { code } } }",
            json!({ "input": { "organisationId": organisation_gid(&app, "acb").await,
                "partnerId": organisation_gid(&app, "asten").await, "description": "Hi" } }),
        )
        .await;
    let own_answer = respond(&app, &acb_admin, &id, "ACCEPT").await;
    let member_answer = respond(&app, &adf_member, &id, "ACCEPT").await;
    let stranger_answer = respond(&app, &stranger, &id, "ACCEPT").await;
    let seen_by = |token: String| {
        let (app, id) = (&app, id.clone());
        async move {
            let node = app.data_as(&token, NODE, json!({ "id": id })).await["node"].clone();
            let requests = app
                .data_as(&token, REQUESTS, json!({ "slug": "adf" }))
                .await;
            (
                node,
                requests["organisation"]["partnershipRequests"].clone(),
            )
        }
    };

    assert_eq!(error_code(&by_editor), "FORBIDDEN");
    assert_eq!(error_code(&by_visitor), "UNAUTHENTICATED");
    assert_eq!(
        error_code(&own_answer),
        "FORBIDDEN",
        "the proposer cannot accept"
    );
    for hidden_from in [&member_answer, &stranger_answer] {
        assert_eq!(
            error_code(hidden_from),
            "NOT_FOUND",
            "a pending one is private"
        );
    }
    for token in [adf_member, stranger] {
        assert_eq!(seen_by(token).await, (Value::Null, Value::Null));
    }
    let (node, requests) = seen_by(adf_owner.clone()).await;
    assert_eq!(node["status"], "PROPOSED");
    assert_eq!(requests["totalCount"], 1);
    let anonymous = app.data(NODE, json!({ "id": id })).await;
    assert_eq!(anonymous["node"], Value::Null);
    let accepted = respond(&app, &adf_owner, &id, "ACCEPT").await;
    assert_eq!(accepted["partnership"]["status"], "ACTIVE");
    let anonymous = app.data(NODE, json!({ "id": id })).await;
    assert_eq!(
        anonymous["node"]["status"], "ACTIVE",
        "an active one is public"
    );
}

async fn either_side_ends_an_active_partnership(app: TestApp) {
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;
    let adf_owner = member_of(&app, "adf", MemberRole::Owner).await;
    let asten_owner = member_of(&app, "asten", MemberRole::Owner).await;
    let with_adf = propose(&app, &acb_admin, "acb", "adf").await["partnership"]["id"].clone();
    let with_asten = propose(&app, &acb_admin, "acb", "asten").await["partnership"]["id"].clone();
    let premature = end(&app, &acb_admin, &with_adf).await;
    respond(&app, &adf_owner, &with_adf, "ACCEPT").await;
    respond(&app, &asten_owner, &with_asten, "ACCEPT").await;

    let by_proposer = end(&app, &acb_admin, &with_adf).await;
    let by_recipient = end(&app, &asten_owner, &with_asten).await;
    let twice = end(&app, &adf_owner, &with_adf).await;
    let answer_after_end = respond(&app, &adf_owner, &with_adf, "ACCEPT").await;

    assert_eq!(premature["userErrors"][0]["code"], "WRONG_STATUS");
    for ended in [&by_proposer, &by_recipient] {
        assert_eq!(ended["userErrors"], json!([]), "{ended}");
        assert_eq!(ended["partnership"]["status"], "ENDED");
        assert!(ended["partnership"]["endedAt"].is_string());
    }
    assert_eq!(twice["userErrors"][0]["code"], "WRONG_STATUS");
    assert_eq!(answer_after_end["userErrors"][0]["code"], "WRONG_STATUS");
    assert!(partner_slugs(&app, "acb").await.is_empty());
    assert_eq!(
        propose(&app, &adf_owner, "adf", "acb").await["userErrors"],
        json!([]),
        "an ended partnership leaves the pair free"
    );
}

async fn proposals_are_checked_and_nothing_is_written(app: TestApp) {
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;
    let acb = organisation_gid(&app, "acb").await;
    let adf = organisation_gid(&app, "adf").await;
    let input = |partner: &str, description: String| json!({ "organisationId": acb, "partnerId": partner, "description": description });
    let cases = [
        (input(&acb, "Ourselves".into()), "partnerId"),
        (input(&adf, "   ".into()), "description"),
        (input(&adf, "x".repeat(2_001)), "description"),
    ];

    let mut refusals = Vec::new();
    for (input, field) in cases {
        let payload = mutate(&app, &acb_admin, "proposePartnership", input).await;
        refusals.push((payload, field));
    }
    let longest = input(&adf, "x".repeat(2_000));
    let longest = mutate(&app, &acb_admin, "proposePartnership", longest).await;

    for (payload, field) in refusals {
        assert_eq!(payload["partnership"], Value::Null, "{payload}");
        assert_eq!(payload["userErrors"][0]["code"], "INVALID");
        assert_eq!(payload["userErrors"][0]["field"], json!(["input", field]));
    }
    assert_eq!(
        longest["userErrors"],
        json!([]),
        "2,000 characters are fine"
    );
    let requests = app
        .data_as(&acb_admin, REQUESTS, json!({ "slug": "acb" }))
        .await;
    assert_eq!(
        requests["organisation"]["partnershipRequests"]["totalCount"], 1,
        "only the valid proposal was written"
    );
}

async fn an_applicant_neither_proposes_nor_receives_partnerships(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant_owner = member_of(&app, "coastal", MemberRole::Owner).await;
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;

    let from_applicant = propose(&app, &applicant_owner, "coastal", "acb").await;
    let to_applicant = propose(&app, &acb_admin, "acb", "coastal").await;
    let requests = app
        .data_as(&acb_admin, REQUESTS, json!({ "slug": "acb" }))
        .await;

    for refused in [&from_applicant, &to_applicant] {
        assert_eq!(error_code(refused), "FORBIDDEN", "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"],
            "NOT_ACCREDITED"
        );
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("is not accredited"), "{message}");
    }
    assert_eq!(
        requests["organisation"]["partnershipRequests"]["totalCount"], 0,
        "nothing was written"
    );
}

async fn partners_page_forwards_and_backwards_by_cursor(app: TestApp) {
    let acb_admin = member_of(&app, "acb", MemberRole::Admin).await;
    let others = ["adf", "asten", "aipa", "asean-isis"];
    for other in others {
        let owner = member_of(&app, other, MemberRole::Owner).await;
        let id = propose(&app, &acb_admin, "acb", other).await["partnership"]["id"].clone();
        respond(&app, &owner, &id, "ACCEPT").await;
    }
    let mut expected = Vec::new();
    for other in others {
        expected.push((organisation_id(&app, other).await, other.to_owned()));
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, slug)| slug).collect();
    let page = |variables: Value| {
        let app = &app;
        async move {
            let mut variables = variables;
            variables["slug"] = "acb".into();
            app.data(PARTNERS, variables).await["organisation"]["partners"].clone()
        }
    };

    let first = page(json!({ "first": 3 })).await;
    let rest = page(json!({ "first": 3, "after": first["pageInfo"]["endCursor"] })).await;
    let last = page(json!({ "last": 2 })).await;
    let before = page(json!({ "last": 2, "before": last["pageInfo"]["startCursor"] })).await;

    assert_eq!(first["totalCount"], 4);
    assert_eq!(slugs(&first), expected[..3]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(slugs(&rest), expected[3..]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(slugs(&last), expected[2..]);
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(slugs(&before), expected[..2]);
    assert_eq!(before["pageInfo"]["hasPreviousPage"], false);
}

/// Makes two organisations partners, straight in the database.
async fn partner(app: &TestApp, proposer_id: i64, recipient_id: i64) {
    let mut conn = app.db.conn().await.unwrap();
    let row = NewPartnership {
        proposer_id,
        recipient_id,
        description: "Tree",
        status: "ACTIVE",
        proposed_at: entities_hub::db::now(),
    };
    assert!(queries::insert(&mut conn, &row).await.unwrap().is_some());
}

async fn nested_partners_cost_a_fixed_number_of_statements(app: TestApp) {
    // A tree: `acb` partners 40 hubs, each hub two leaves of its own, so that every level
    // of the query below meets organisations the level above has not loaded.
    add_centres(&app.db, "Hub", 40, false).await;
    add_centres(&app.db, "Leaf", 80, false).await;
    let acb = organisation_id(&app, "acb").await;
    for hub in 0..40 {
        let hub_id = organisation_id(&app, &format!("hub-{hub}")).await;
        partner(&app, acb, hub_id).await;
        for leaf in [2 * hub, 2 * hub + 1] {
            partner(
                &app,
                hub_id,
                organisation_id(&app, &format!("leaf-{leaf}")).await,
            )
            .await;
        }
    }
    let query = "query ($first: Int!) { organisation(slug: \"acb\") {
        partners(first: $first) { nodes { slug
            partners(first: $first) { pageInfo { hasNextPage } nodes { slug
                partners(first: $first) { nodes { slug } } } } } } } }";

    let mut costs = Vec::new();
    for size in [2, 40] {
        let before = app.statements_sent().await;
        let data = app.data(query, json!({ "first": size })).await;
        costs.push(app.statements_sent().await - before);

        let hubs = data["organisation"]["partners"]["nodes"]
            .as_array()
            .unwrap();
        assert_eq!(hubs.len(), size);
        for hub in hubs {
            let slug = hub["slug"].as_str().unwrap();
            let n: usize = slug.trim_start_matches("hub-").parse().unwrap();
            let mut expected = vec![
                "acb".to_owned(),
                format!("leaf-{}", 2 * n),
                format!("leaf-{}", 2 * n + 1),
            ];
            expected.truncate(size);
            let partners = &hub["partners"];
            let found: Vec<&str> = partners["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|partner| partner["slug"].as_str().unwrap())
                .collect();
            assert_eq!(found, expected, "partners of {slug}");
            assert_eq!(partners["pageInfo"]["hasNextPage"], size < 3);
            let leaf = &partners["nodes"][1];
            assert_eq!(
                leaf["partners"]["nodes"],
                json!([{ "slug": slug }]),
                "a leaf's one partner is its hub"
            );
        }
    }

    // The organisation by slug; one statement for the first page of partners and one for
    // their organisations; the same for the second level; and one for the third level's
    // pages, whose organisations (the hubs) the request has already loaded.
    assert_eq!(
        costs,
        [6, 6],
        "statements for 2 and for 40 partners per level, over three levels"
    );
}

on_both_backends!(
    a_proposal_accepted_makes_both_organisations_partners,
    a_pair_has_at_most_one_open_partnership,
    only_admins_and_owners_act_and_see_pending_partnerships,
    either_side_ends_an_active_partnership,
    proposals_are_checked_and_nothing_is_written,
    an_applicant_neither_proposes_nor_receives_partnerships,
    partners_page_forwards_and_backwards_by_cursor,
    nested_partners_cost_a_fixed_number_of_statements
);
