//! Joining organisations: invitations, `acceptInvitation` and `signUp`.

use diesel::{ExpressionMethods as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use entities_hub::db::DbConn;
use entities_hub::db::schema::invitations;
use entities_hub::domain::accounts;
use entities_hub::domain::membership::{self, MemberRole};
use entities_hub::domain::user::PlatformRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends, token_for};
use crate::support::global_id;

const PASSWORD: &str = "a long enough password";

const INVITE: &str = r#"mutation ($organisationId: ID!, $email: String!, $role: MemberRole!) {
  inviteMember(input: {organisationId: $organisationId, email: $email, role: $role}) {
    invitationToken invitation { email role expiresAt } userErrors { field message code } } }"#;

const SIGN_UP: &str = r#"mutation ($token: String!, $name: String!, $password: String!) {
  signUp(input: {invitationToken: $token, displayName: $name, password: $password}) {
    token user { email displayName memberships { role organisation { name } } }
    userErrors { field message code } } }"#;

const ACCEPT: &str = r#"mutation ($token: String!) {
  acceptInvitation(input: {invitationToken: $token}) {
    membership { role user { email } organisation { name } }
    userErrors { field message code } } }"#;

/// A Secretariat admin's token and the ID of the sample centre `acb`.
async fn admin_and_centre(app: &TestApp) -> (String, String) {
    let role = Some(PlatformRole::SecretariatAdmin);
    let admin = accounts::create_user(&app.db, "admin@asean.example", "Admin", PASSWORD, role)
        .await
        .unwrap()
        .unwrap();
    let centre = app
        .data(r#"{ organisation(slug: "acb") { id } }"#, json!({}))
        .await;
    (
        token_for(admin.id),
        centre["organisation"]["id"].as_str().unwrap().to_owned(),
    )
}

/// Invites `email` as `role` and returns the whole payload.
async fn invite(app: &TestApp, token: &str, centre: &str, email: &str, role: &str) -> Value {
    let variables = json!({ "organisationId": centre, "email": email, "role": role });
    app.data_as(token, INVITE, variables).await["inviteMember"].clone()
}

async fn an_invitee_signs_up_once_and_joins(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;
    let invited = invite(&app, &admin, &centre, " New.Owner@Centre.example ", "OWNER").await;
    let token = invited["invitationToken"].as_str().unwrap();
    let sign_up = |name: &str, password: &str| {
        let variables = json!({ "token": token, "name": name, "password": password });
        variables
    };

    let too_short = app.data(SIGN_UP, sign_up("New Owner", "short")).await;
    let joined = app.data(SIGN_UP, sign_up("New Owner", PASSWORD)).await;
    let again = app.data(SIGN_UP, sign_up("Someone Else", PASSWORD)).await;

    assert_eq!(invited["invitation"]["email"], "new.owner@centre.example");
    assert_eq!(
        too_short["signUp"]["userErrors"][0]["field"],
        json!(["input", "password"])
    );
    assert_eq!(too_short["signUp"]["token"], Value::Null);
    let user = &joined["signUp"]["user"];
    assert_eq!(user["email"], "new.owner@centre.example");
    assert_eq!(
        user["memberships"],
        json!([{ "role": "OWNER",
        "organisation": { "name": "ASEAN Centre for Biodiversity" } }])
    );
    let new_token = joined["signUp"]["token"].as_str().unwrap();
    let viewer = app
        .data_as(new_token, "{ viewer { displayName } }", json!({}))
        .await;
    assert_eq!(viewer["viewer"]["displayName"], "New Owner");
    assert_eq!(again["signUp"]["userErrors"][0]["code"], "INVALID");
    assert_eq!(again["signUp"]["user"], Value::Null);
}

async fn a_member_accepts_only_an_invitation_to_their_own_address(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;
    let member = accounts::create_user(&app.db, "member@centre.example", "Member", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    let other = accounts::create_user(&app.db, "other@centre.example", "Other", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    let invited = invite(&app, &admin, &centre, "member@centre.example", "EDITOR").await;
    let token = json!({ "token": invited["invitationToken"] });

    let anonymous = app.graphql(ACCEPT, token.clone()).await;
    let by_other = app
        .data_as(&token_for(other.id), ACCEPT, token.clone())
        .await;
    let accepted = app
        .data_as(&token_for(member.id), ACCEPT, token.clone())
        .await;
    let twice = app.data_as(&token_for(member.id), ACCEPT, token).await;

    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(by_other["acceptInvitation"]["membership"], Value::Null);
    assert!(
        by_other["acceptInvitation"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("another e-mail address")
    );
    let membership = &accepted["acceptInvitation"]["membership"];
    assert_eq!(membership["role"], "EDITOR");
    assert_eq!(membership["user"]["email"], "member@centre.example");
    assert_eq!(
        twice["acceptInvitation"]["userErrors"][0]["code"],
        "INVALID"
    );
}

async fn a_member_invited_again_keeps_the_invitation_unused(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;
    let member = accounts::create_user(&app.db, "member@centre.example", "Member", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    let first = invite(&app, &admin, &centre, "member@centre.example", "MEMBER").await;
    let second = invite(&app, &admin, &centre, "member@centre.example", "ADMIN").await;
    let token = token_for(member.id);
    app.data_as(&token, ACCEPT, json!({ "token": first["invitationToken"] }))
        .await;

    let refused = app
        .data_as(
            &token,
            ACCEPT,
            json!({ "token": second["invitationToken"] }),
        )
        .await;

    assert_eq!(
        refused["acceptInvitation"]["userErrors"][0]["code"],
        "TAKEN"
    );
    let mut conn = app.db.conn().await.unwrap();
    let unused = invitations::table
        .filter(invitations::accepted_at.is_null())
        .select(invitations::email);
    let unused: Vec<String> = match &mut conn {
        DbConn::Pg(c) => unused.load(&mut **c).await.unwrap(),
        DbConn::Sqlite(c) => unused.load(&mut **c).await.unwrap(),
    };
    assert_eq!(
        unused,
        ["member@centre.example"],
        "the second invitation was not used up"
    );
}

async fn an_invitation_dies_with_its_inviters_right_to_invite(app: TestApp) {
    let (_, centre) = admin_and_centre(&app).await;
    let acb = entities_hub::domain::directory::organisation_by_slug(&app.db, "acb")
        .await
        .unwrap()
        .unwrap();
    let admin = accounts::create_user(&app.db, "admin@centre.example", "Admin", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    let membership = membership::enrol(&app.db, acb.id, admin.id, MemberRole::Admin)
        .await
        .unwrap()
        .unwrap();
    let invited = invite(
        &app,
        &token_for(admin.id),
        &centre,
        "alias@centre.example",
        "ADMIN",
    )
    .await;
    let owner = app.owner_of_acb().await;
    let remove = r#"mutation ($id: ID!) { removeMember(input: {membershipId: $id}) {
        removedMembershipId } }"#;
    let id = global_id("Membership", membership);
    app.data_as(&owner, remove, json!({ "id": id })).await;

    let variables = json!({ "token": invited["invitationToken"], "name": "Alias",
        "password": PASSWORD });
    let signed_up = app.data(SIGN_UP, variables).await;

    assert!(invited["invitationToken"].is_string());
    assert_eq!(signed_up["signUp"]["userErrors"][0]["code"], "INVALID");
    assert_eq!(signed_up["signUp"]["token"], Value::Null);
}

async fn expired_invitations_and_existing_accounts_are_refused(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;
    let expired = invite(&app, &admin, &centre, "late@centre.example", "MEMBER").await;
    let existing = invite(&app, &admin, &centre, "admin@asean.example", "MEMBER").await;
    let mut conn = app.db.conn().await.unwrap();
    let yesterday = entities_hub::db::now() - chrono::Duration::days(1);
    let expire =
        diesel::update(invitations::table.filter(invitations::email.eq("late@centre.example")))
            .set(invitations::expires_at.eq(yesterday));
    match &mut conn {
        DbConn::Pg(c) => expire.execute(&mut **c).await.unwrap(),
        DbConn::Sqlite(c) => expire.execute(&mut **c).await.unwrap(),
    };
    drop(conn);
    let sign_up = |token: &Value| json!({ "token": token, "name": "Late", "password": PASSWORD });

    let late = app
        .data(SIGN_UP, sign_up(&expired["invitationToken"]))
        .await;
    let taken = app
        .data(SIGN_UP, sign_up(&existing["invitationToken"]))
        .await;

    assert_eq!(late["signUp"]["userErrors"][0]["code"], "INVALID");
    assert_eq!(taken["signUp"]["userErrors"][0]["code"], "TAKEN");
    assert_eq!(taken["signUp"]["token"], Value::Null);
}

async fn invitation_input_is_checked(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;
    let nowhere = "T3JnYW5pc2F0aW9uOjk5OTk5OQ"; // Organisation:999999
    let a_user = "VXNlcjox"; // User:1

    let bad_address = invite(&app, &admin, &centre, "not an address", "MEMBER").await;
    let unknown = invite(&app, &admin, nowhere, "x@centre.example", "MEMBER").await;
    let variables =
        json!({ "organisationId": a_user, "email": "x@centre.example", "role": "MEMBER" });
    let wrong_kind = app
        .post_with_token(&admin, INVITE, variables)
        .await
        .json::<Value>()
        .await;

    assert_eq!(
        bad_address["userErrors"][0]["field"],
        json!(["input", "email"])
    );
    assert_eq!(
        unknown["userErrors"][0]["field"],
        json!(["input", "organisationId"])
    );
    assert_eq!(
        wrong_kind.unwrap()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

async fn invitation_tokens_are_stored_only_as_hashes(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;

    let invited = invite(&app, &admin, &centre, "someone@centre.example", "MEMBER").await;

    let token = invited["invitationToken"].as_str().unwrap();
    let mut conn = app.db.conn().await.unwrap();
    let stored = invitations::table.select(invitations::token_hash);
    let hashes: Vec<String> = match &mut conn {
        DbConn::Pg(c) => stored.load(&mut **c).await.unwrap(),
        DbConn::Sqlite(c) => stored.load(&mut **c).await.unwrap(),
    };
    assert_eq!(hashes.len(), 1);
    assert_eq!(hashes[0].len(), 64);
    assert!(!hashes[0].contains(token) && token.len() >= 43);
}

async fn a_page_of_members_costs_the_same_statements_at_any_size(app: TestApp) {
    let (admin, centre) = admin_and_centre(&app).await;
    let acb = entities_hub::domain::directory::organisation_by_slug(&app.db, "acb")
        .await
        .unwrap()
        .unwrap();
    let query = r#"query ($id: ID!, $first: Int!) { node(id: $id) { ... on Organisation {
        members(first: $first) { nodes { role user { displayName
          memberships { role organisation { name } } } } } } } }"#;

    let mut costs = Vec::new();
    for size in [5, 100] {
        while membership::count_members(&app.db, acb.id).await.unwrap() < size {
            let n = membership::count_members(&app.db, acb.id).await.unwrap();
            let email = format!("member{n}@centre.example");
            let user = accounts::create_user(&app.db, &email, "M", PASSWORD, None)
                .await
                .unwrap()
                .unwrap();
            membership::enrol(&app.db, acb.id, user.id, MemberRole::Member)
                .await
                .unwrap();
        }
        let before = app.statements_sent().await;
        let data = app
            .data_as(&admin, query, json!({ "id": centre, "first": size }))
            .await;
        costs.push(app.statements_sent().await - before);
        assert_eq!(
            data["node"]["members"]["nodes"].as_array().unwrap().len(),
            size as usize
        );
    }

    assert_eq!(
        costs[0], costs[1],
        "statements for 5 and for 100 members: {costs:?}"
    );
}

on_both_backends!(
    an_invitee_signs_up_once_and_joins,
    a_member_accepts_only_an_invitation_to_their_own_address,
    expired_invitations_and_existing_accounts_are_refused,
    a_member_invited_again_keeps_the_invitation_unused,
    an_invitation_dies_with_its_inviters_right_to_invite,
    invitation_input_is_checked,
    invitation_tokens_are_stored_only_as_hashes,
    a_page_of_members_costs_the_same_statements_at_any_size
);
