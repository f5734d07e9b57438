//! Calls for applications over HTTP: applying while open, once; deciding; withdrawing; who
//! sees the applications.

use std::time::Duration;

use entities_hub::domain::membership::MemberRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{create_post, member_of, organisation_gid, publish_post};

const APPLY: &str = "mutation ($input: ApplyToCallInput!) { applyToCall(input: $input) {
    application { id status statement organisation { slug } call { title } }
    userErrors { field message code } } }";

const DECIDE: &str = "mutation ($id: ID!, $decision: CallApplicationDecision!) {
    decideCallApplication(input: {applicationId: $id, decision: $decision}) {
    application { status } userErrors { field code } } }";

const WITHDRAW: &str = "mutation ($id: ID!) {
    withdrawCallApplication(input: {applicationId: $id}) {
    application { status } userErrors { field code } } }";

async fn a_call(app: &TestApp, token: &str, deadline: &str) -> Value {
    let draft = create_post(
        app,
        token,
        "acb",
        json!({ "kind": "CALL_FOR_APPLICATIONS", "title": "Call for research partners",
            "call": { "deadline": deadline, "eligibility": "Accredited entities" } }),
    )
    .await;
    publish_post(app, token, &draft["id"]).await
}

async fn apply(app: &TestApp, token: &str, call: &Value, slug: &str) -> Value {
    let input = json!({ "callId": call["id"], "organisationId": organisation_gid(app, slug).await,
        "statement": "We would bring field data from twelve sites." });
    app.data_as(token, APPLY, json!({ "input": input })).await["applyToCall"].clone()
}

async fn decide(app: &TestApp, token: &str, id: &Value, decision: &str) -> Value {
    let variables = json!({ "id": id, "decision": decision });
    let response = app.post_with_token(token, DECIDE, variables).await;
    response.json().await.unwrap()
}

async fn an_open_call_takes_one_application_per_organisation(app: TestApp) {
    let publisher = member_of(&app, "acb", MemberRole::Editor).await;
    let applicant = member_of(&app, "adf", MemberRole::Editor).await;
    let applicant_member = member_of(&app, "adf", MemberRole::Member).await;
    let call = a_call(&app, &publisher, "2099-01-01T00:00:00Z").await;

    let first = apply(&app, &applicant, &call, "adf").await;
    let again = apply(&app, &applicant, &call, "adf").await;
    let own_call = apply(&app, &publisher, &call, "acb").await;
    let not_an_editor = app
        .post_with_token(
            &applicant_member,
            APPLY,
            json!({ "input": { "callId": call["id"],
                "organisationId": organisation_gid(&app, "adf").await, "statement": "x" } }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();

    assert_eq!(call["isOpen"], true);
    assert_eq!(first["userErrors"], json!([]));
    assert_eq!(first["application"]["status"], "SUBMITTED");
    assert_eq!(first["application"]["organisation"]["slug"], "adf");
    assert_eq!(
        first["application"]["call"]["title"],
        "Call for research partners"
    );
    assert_eq!(again["userErrors"][0]["code"], "TAKEN");
    assert_eq!(
        again["userErrors"][0]["field"],
        json!(["input", "organisationId"])
    );
    assert_eq!(own_call["userErrors"][0]["code"], "INVALID");
    assert_eq!(
        not_an_editor["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
}

async fn a_call_closes_at_its_deadline(app: TestApp) {
    let publisher = member_of(&app, "acb", MemberRole::Editor).await;
    let applicant = member_of(&app, "adf", MemberRole::Editor).await;
    let deadline = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let call = a_call(&app, &publisher, &deadline.to_rfc3339()).await;
    let is_open = "query ($id: ID!) { node(id: $id) { ... on CallForApplications { isOpen } } }";
    let open_calls = "{ posts(filter: {openCallsOnly: true}) { totalCount } }";

    // Wait until the deadline has certainly passed; the assertion never races it.
    while chrono::Utc::now() <= deadline + chrono::Duration::milliseconds(100) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let late = apply(&app, &applicant, &call, "adf").await;
    let after_deadline = app.data(is_open, json!({ "id": call["id"] })).await;
    let listed = app.data(open_calls, json!({})).await;

    assert_eq!(late["application"], Value::Null);
    assert_eq!(late["userErrors"][0]["code"], "CLOSED");
    assert_eq!(after_deadline["node"]["isOpen"], false);
    assert_eq!(listed["posts"]["totalCount"], 0);
}

async fn the_publisher_decides_and_the_applicant_withdraws(app: TestApp) {
    let publisher = member_of(&app, "acb", MemberRole::Editor).await;
    let applicant = member_of(&app, "adf", MemberRole::Editor).await;
    let second_applicant = member_of(&app, "asten", MemberRole::Owner).await;
    let call = a_call(&app, &publisher, "2099-01-01T00:00:00Z").await;
    let first = apply(&app, &applicant, &call, "adf").await["application"]["id"].clone();
    let second = apply(&app, &second_applicant, &call, "asten").await["application"]["id"].clone();
    let by_applicant = decide(&app, &applicant, &first, "ACCEPTED").await;
    let shortlisted = decide(&app, &publisher, &first, "SHORTLISTED").await;
    let accepted = decide(&app, &publisher, &first, "ACCEPTED").await;
    let after_final = decide(&app, &publisher, &first, "DECLINED").await;
    let withdrawn = app
        .data_as(&second_applicant, WITHDRAW, json!({ "id": second }))
        .await;
    let withdrawn_again = app
        .data_as(&second_applicant, WITHDRAW, json!({ "id": second }))
        .await;

    assert_eq!(by_applicant["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        shortlisted["data"]["decideCallApplication"]["application"]["status"],
        "SHORTLISTED"
    );
    assert_eq!(
        accepted["data"]["decideCallApplication"]["application"]["status"],
        "ACCEPTED"
    );
    assert_eq!(
        after_final["data"]["decideCallApplication"]["userErrors"][0]["code"],
        "WRONG_STATUS"
    );
    assert_eq!(
        withdrawn["withdrawCallApplication"]["application"]["status"],
        "WITHDRAWN"
    );
    assert_eq!(
        withdrawn_again["withdrawCallApplication"]["userErrors"][0]["code"],
        "WRONG_STATUS"
    );
}

async fn applications_are_visible_to_publisher_and_applicant_only(app: TestApp) {
    let publisher = member_of(&app, "acb", MemberRole::Editor).await;
    let applicant = member_of(&app, "adf", MemberRole::Editor).await;
    let bystander = member_of(&app, "asten", MemberRole::Owner).await;
    let call = a_call(&app, &publisher, "2099-01-01T00:00:00Z").await;
    let application = apply(&app, &applicant, &call, "adf").await["application"]["id"].clone();
    let of_call = "query ($id: ID!) { node(id: $id) { ... on CallForApplications {
        applications { totalCount nodes { statement organisation { slug } } } } } }";
    let of_applicant = r#"{ organisation(slug: "adf") {
        callApplications { totalCount nodes { status call { title } } } } }"#;
    let by_id = "query ($id: ID!) { node(id: $id) { ... on CallApplication { status } } }";

    let publisher_view = app
        .data_as(&publisher, of_call, json!({ "id": call["id"] }))
        .await;
    let bystander_view = app
        .data_as(&bystander, of_call, json!({ "id": call["id"] }))
        .await;
    let applicant_view = app.data_as(&applicant, of_applicant, json!({})).await;
    let publisher_of_applicant = app.data_as(&publisher, of_applicant, json!({})).await;
    let node_for_bystander = app
        .data_as(&bystander, by_id, json!({ "id": application }))
        .await;
    let node_for_publisher = app
        .data_as(&publisher, by_id, json!({ "id": application }))
        .await;

    let received = &publisher_view["node"]["applications"];
    assert_eq!(received["totalCount"], 1);
    assert_eq!(received["nodes"][0]["organisation"]["slug"], "adf");
    assert_eq!(bystander_view["node"]["applications"], Value::Null);
    let sent = &applicant_view["organisation"]["callApplications"];
    assert_eq!(sent["totalCount"], 1);
    assert_eq!(
        sent["nodes"][0]["call"]["title"],
        "Call for research partners"
    );
    assert_eq!(
        publisher_of_applicant["organisation"]["callApplications"],
        Value::Null
    );
    assert_eq!(node_for_bystander["node"], Value::Null);
    assert_eq!(node_for_publisher["node"]["status"], "SUBMITTED");
}

on_both_backends!(
    an_open_call_takes_one_application_per_organisation,
    a_call_closes_at_its_deadline,
    the_publisher_decides_and_the_applicant_withdraws,
    applications_are_visible_to_publisher_and_applicant_only
);
