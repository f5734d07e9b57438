//! Creating organisations and editing their profiles.

use entities_hub::domain::accounts;
use entities_hub::domain::user::PlatformRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};

const PASSWORD: &str = "a long enough password";

const CREATE: &str = r#"mutation ($input: CreateOrganisationInput!) {
  createOrganisation(input: $input) {
    organisation { id slug name kind ... on Entity { category accreditationStatus } }
    invitationToken userErrors { field message code } } }"#;

const UPDATE: &str = r#"mutation ($input: UpdateOrganisationInput!) {
  updateOrganisation(input: $input) {
    organisation { name acronym website country updatedAt } userErrors { field code } } }"#;

const SIGN_UP: &str = r#"mutation ($token: String!) {
  signUp(input: {invitationToken: $token, displayName: "First Owner",
                 password: "a long enough password"}) { token userErrors { message } } }"#;

async fn admin_token(app: &TestApp) -> String {
    let role = Some(PlatformRole::SecretariatAdmin);
    accounts::create_user(&app.db, "admin@asean.example", "Admin", PASSWORD, role)
        .await
        .unwrap()
        .unwrap();
    let sign_in = r#"mutation { signIn(input: {email: "admin@asean.example",
        password: "a long enough password"}) { token } }"#;
    app.data(sign_in, json!({})).await["signIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn count(app: &TestApp) -> i64 {
    let data = app
        .data("{ organisations { totalCount } }", json!({}))
        .await;
    data["organisations"]["totalCount"].as_i64().unwrap()
}

async fn a_new_entity_gets_its_first_owner_who_edits_its_profile(app: TestApp) {
    let admin = admin_token(&app).await;
    let input = json!({ "kind": "ENTITY", "slug": "asean-youth-forum", "name": "ASEAN Youth Forum",
        "category": "CIVIL_SOCIETY_ORGANISATION", "firstOwnerEmail": "owner@ayf.example",
        "acronym": "AYF", "website": "https://ayf.example" });

    let created = app.data_as(&admin, CREATE, json!({ "input": input })).await;
    let payload = &created["createOrganisation"];
    let signed_up = app
        .data(SIGN_UP, json!({ "token": payload["invitationToken"] }))
        .await;
    let owner = signed_up["signUp"]["token"]
        .as_str()
        .expect("the invitee signs up");
    let id = &payload["organisation"]["id"];
    let update = json!({ "organisationId": id, "name": "ASEAN Youth Forum (AYF)",
        "acronym": null, "country": "PH" });
    let updated = app.data_as(owner, UPDATE, json!({ "input": update })).await;

    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["organisation"]["kind"], "ENTITY");
    assert_eq!(payload["organisation"]["accreditationStatus"], "APPLICANT");
    let organisation = &updated["updateOrganisation"]["organisation"];
    assert_eq!(organisation["name"], "ASEAN Youth Forum (AYF)");
    assert_eq!(organisation["acronym"], Value::Null, "null clears");
    assert_eq!(
        organisation["website"], "https://ayf.example",
        "left out keeps"
    );
    assert_eq!(organisation["country"], "PH");
}

async fn bad_organisations_are_user_errors_and_write_nothing(app: TestApp) {
    let admin = admin_token(&app).await;
    let before = count(&app).await;
    let cases = [
        (
            json!({ "kind": "CENTRE", "slug": "Bad Slug", "name": "X" }),
            "slug",
            "INVALID",
        ),
        (
            json!({ "kind": "CENTRE", "slug": "acb", "name": "X" }),
            "slug",
            "TAKEN",
        ),
        (
            json!({ "kind": "CENTRE", "slug": "new-one", "name": "  " }),
            "name",
            "INVALID",
        ),
        (
            json!({ "kind": "ENTITY", "slug": "new-one", "name": "X" }),
            "category",
            "INVALID",
        ),
        (
            json!({ "kind": "CENTRE", "slug": "new-one", "name": "X",
                 "category": "OTHER_STAKEHOLDER" }),
            "category",
            "INVALID",
        ),
        (
            json!({ "kind": "CENTRE", "slug": "new-one", "name": "X",
                 "website": "javascript:alert(1)" }),
            "website",
            "INVALID",
        ),
        (
            json!({ "kind": "CENTRE", "slug": "new-one", "name": "X",
                 "firstOwnerEmail": "nobody" }),
            "firstOwnerEmail",
            "INVALID",
        ),
    ];

    for (input, field, code) in cases {
        let data = app.data_as(&admin, CREATE, json!({ "input": input })).await;

        let error = &data["createOrganisation"]["userErrors"][0];
        assert_eq!(error["field"], json!(["input", field]), "{input}");
        assert_eq!(error["code"], code, "{input}");
        assert_eq!(data["createOrganisation"]["organisation"], Value::Null);
    }
    assert_eq!(count(&app).await, before);
}

on_both_backends!(
    a_new_entity_gets_its_first_owner_who_edits_its_profile,
    bad_organisations_are_user_errors_and_write_nothing
);
