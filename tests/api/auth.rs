//! Accounts and sign-in: tokens, `viewer`, private fields, and the sign-in throttle.

use chrono::Utc;
use entities_hub::domain::accounts::{self, NewUserProblem};
use entities_hub::domain::token::TokenKeys;
use entities_hub::domain::user::PlatformRole;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, TestDatabase, on_both_backends, test_keys};

const SIGN_IN: &str = r#"mutation ($email: String!, $password: String!) {
  signIn(input: {email: $email, password: $password}) {
    token expiresAt user { id displayName email }
    userErrors { field message code }
  }
}"#;

const VIEWER: &str = "{ viewer { id displayName email platformRole createdAt lastSignInAt } }";

const PASSWORD: &str = "a long enough password";

/// Creates a user straight through the domain, as `admin create` does.
async fn create_user(app: &TestApp, email: &str, role: Option<PlatformRole>) -> i64 {
    let created = accounts::create_user(&app.db, email, "Test User", PASSWORD, role).await;
    created.expect("no fault").expect("a valid user").id
}

/// Signs in and returns the whole `signIn` payload.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    let variables = json!({ "email": email, "password": password });
    app.data(SIGN_IN, variables).await["signIn"].clone()
}

/// Signs in with the right password and returns the token.
async fn token_for(app: &TestApp, email: &str) -> String {
    let payload = sign_in(app, email, PASSWORD).await;
    payload["token"].as_str().expect("a token").to_owned()
}

async fn signing_in_returns_a_token_that_names_the_viewer(app: TestApp) {
    create_user(
        &app,
        "Officer@ASEAN.example",
        Some(PlatformRole::SecretariatOfficer),
    )
    .await;

    let payload = sign_in(&app, "  officer@asean.EXAMPLE ", PASSWORD).await;
    let token = payload["token"].as_str().expect("a token");
    let signed_in = app.data_as(token, VIEWER, json!({})).await;
    let anonymous = app.data(VIEWER, json!({})).await;

    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["user"]["email"], "officer@asean.example");
    let expires_at = chrono::DateTime::parse_from_rfc3339(payload["expiresAt"].as_str().unwrap());
    assert!(expires_at.unwrap() > Utc::now());
    let viewer = &signed_in["viewer"];
    assert_eq!(viewer["id"], payload["user"]["id"]);
    assert_eq!(viewer["email"], "officer@asean.example");
    assert_eq!(viewer["platformRole"], "SECRETARIAT_OFFICER");
    assert!(viewer["lastSignInAt"].is_string());
    assert_eq!(anonymous["viewer"], Value::Null);
}

async fn a_wrong_password_and_an_unknown_address_look_the_same(app: TestApp) {
    create_user(&app, "member@centre.example", None).await;

    let wrong_password = sign_in(&app, "member@centre.example", "not the password").await;
    let unknown = sign_in(&app, "nobody@centre.example", PASSWORD).await;
    let malformed = sign_in(&app, "not-an-address", PASSWORD).await;

    for payload in [&wrong_password, &unknown] {
        assert_eq!(payload["token"], Value::Null);
        assert_eq!(payload["user"], Value::Null);
        assert_eq!(payload["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    }
    assert_eq!(wrong_password["userErrors"], unknown["userErrors"]);
    assert_eq!(malformed["userErrors"][0]["code"], "INVALID");
    assert_eq!(
        malformed["userErrors"][0]["field"],
        json!(["input", "email"])
    );
}

async fn bad_tokens_are_refused_not_treated_as_anonymous(app: TestApp) {
    let user = create_user(&app, "member@centre.example", None).await;
    let ours = test_keys();
    let theirs = TokenKeys::new(&[7; 32], std::time::Duration::from_secs(3600)).unwrap();
    let good = ours.issue(user, Utc::now()).unwrap().token;
    let expired = ours
        .issue(user, Utc::now() - chrono::Duration::hours(2))
        .unwrap()
        .token;
    let forged = theirs.issue(user, Utc::now()).unwrap().token;
    let nobody = ours.issue(987_654, Utc::now()).unwrap().token;
    let tampered = with_subject(&good, user + 1);

    for token in [
        expired.as_str(),
        &forged,
        &nobody,
        &tampered,
        "not-a-token",
        "",
    ] {
        let response = app.post_with_token(token, VIEWER, json!({})).await;

        assert_eq!(response.status(), 401, "{token}");
        assert!(response.headers().contains_key(WWW_AUTHENTICATE));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(body.get("data").is_none());
    }
    let basic = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_eq!(
        app.data_as(&good, VIEWER, json!({})).await["viewer"]["email"],
        "member@centre.example"
    );
}

/// The token with its payload's subject replaced, signature kept.
fn with_subject(token: &str, subject: i64) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
    let mut claims: Value = serde_json::from_slice(&payload).unwrap();
    claims["sub"] = json!(subject.to_string());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

async fn repeated_failures_are_refused_for_a_while_whatever_the_password(app: TestApp) {
    create_user(&app, "target@centre.example", None).await;
    create_user(&app, "bystander@centre.example", None).await;

    for _ in 0..3 {
        let payload = sign_in(&app, "target@centre.example", "guess guess guess").await;
        assert_eq!(payload["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    }
    let variables = json!({ "email": "target@centre.example", "password": PASSWORD });
    let refused = app.graphql(SIGN_IN, variables).await;
    let bystander = sign_in(&app, "bystander@centre.example", PASSWORD).await;

    let error = &refused["errors"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED");
    let retry_after = error["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert!(
        bystander["token"].is_string(),
        "other addresses are not affected"
    );
}

async fn parallel_guesses_get_no_more_than_the_free_failures(app: TestApp) {
    create_user(&app, "target@centre.example", None).await;
    let variables = json!({ "email": "target@centre.example", "password": "guess guess guess" });

    let attempts = (0..12).map(|_| app.graphql(SIGN_IN, variables.clone()));
    let answers = futures::future::join_all(attempts).await;

    let checked = answers
        .iter()
        .filter(|answer| answer["data"]["signIn"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS")
        .count();
    let refused = answers
        .iter()
        .filter(|answer| answer["errors"][0]["extensions"]["code"] == "RATE_LIMITED")
        .count();
    assert!(checked <= 3, "{checked} passwords were checked");
    assert_eq!(checked + refused, 12);
}

async fn a_sign_in_payload_shows_the_user_their_memberships(app: TestApp) {
    create_user(&app, "member@centre.example", None).await;
    let query = r#"mutation { signIn(input: {email: "member@centre.example",
        password: "a long enough password"}) {
        user { memberships { role user { displayName } organisation { name } } } } }"#;

    let body = app.graphql(query, json!({})).await;

    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["signIn"]["user"]["memberships"], json!([]));
}

async fn a_success_before_the_limit_forgets_the_failures(app: TestApp) {
    create_user(&app, "forgetful@centre.example", None).await;

    for _ in 0..3 {
        for _ in 0..2 {
            sign_in(&app, "forgetful@centre.example", "wrong wrong wrong").await;
        }
        let payload = sign_in(&app, "forgetful@centre.example", PASSWORD).await;

        assert!(payload["token"].is_string(), "{payload}");
    }
}

async fn private_fields_are_null_for_other_members_and_visible_to_the_secretariat(app: TestApp) {
    let member = create_user(&app, "member@centre.example", None).await;
    create_user(&app, "other@centre.example", None).await;
    create_user(
        &app,
        "officer@asean.example",
        Some(PlatformRole::SecretariatOfficer),
    )
    .await;
    let ids = app
        .data(r#"{ organisations(first: 1) { nodes { id } } }"#, json!({}))
        .await;
    assert!(ids["organisations"]["nodes"][0]["id"].is_string());
    let member_token = token_for(&app, "member@centre.example").await;
    let other_token = token_for(&app, "other@centre.example").await;
    let officer_token = token_for(&app, "officer@asean.example").await;
    let member_id = app.data_as(&member_token, VIEWER, json!({})).await["viewer"]["id"].clone();
    let query = r#"query ($id: ID!) { node(id: $id) {
        ... on User { id displayName email lastSignInAt } } }"#;

    let by_other = app
        .data_as(&other_token, query, json!({ "id": member_id }))
        .await;
    let by_officer = app
        .data_as(&officer_token, query, json!({ "id": member_id }))
        .await;
    let by_anonymous = app.data(query, json!({ "id": member_id })).await;

    assert!(member > 0);
    assert_eq!(by_other["node"]["displayName"], "Test User");
    assert_eq!(by_other["node"]["email"], Value::Null);
    assert_eq!(by_other["node"]["lastSignInAt"], Value::Null);
    assert_eq!(by_officer["node"]["email"], "member@centre.example");
    assert!(by_officer["node"]["lastSignInAt"].is_string());
    assert_eq!(
        by_anonymous["node"],
        Value::Null,
        "anonymous visitors see no users"
    );
}

async fn new_accounts_are_validated_and_unique(app: TestApp) {
    let create = |email: &'static str, name: &'static str, password: &'static str| {
        let db = app.db.clone();
        async move {
            accounts::create_user(&db, email, name, password, None)
                .await
                .unwrap()
        }
    };

    assert!(
        create("first@centre.example", "First", PASSWORD)
            .await
            .is_ok()
    );
    let taken = create("FIRST@centre.example", "Again", PASSWORD).await;
    let short = create("second@centre.example", "Second", "too short").await;
    let nameless = create("third@centre.example", "  ", PASSWORD).await;
    let bad_address = create("fourth", "Fourth", PASSWORD).await;

    assert_eq!(taken.unwrap_err(), NewUserProblem::EmailTaken);
    assert!(matches!(short.unwrap_err(), NewUserProblem::Password(_)));
    assert!(matches!(
        nameless.unwrap_err(),
        NewUserProblem::DisplayName(_)
    ));
    assert!(matches!(bad_address.unwrap_err(), NewUserProblem::Email(_)));
}

async fn passwords_are_stored_only_as_argon2id_hashes(app: TestApp) {
    use diesel::QueryDsl as _;
    use diesel_async::RunQueryDsl as _;
    use entities_hub::db::{DbConn, schema::users};

    create_user(&app, "member@centre.example", None).await;

    let mut conn = app.db.conn().await.unwrap();
    let stored = users::table.select(users::password_hash);
    let hashes: Vec<String> = match &mut conn {
        DbConn::Pg(c) => stored.load(&mut **c).await.unwrap(),
        DbConn::Sqlite(c) => stored.load(&mut **c).await.unwrap(),
    };
    assert!(
        !hashes.is_empty(),
        "users are there, demo accounts too on SQLite"
    );
    for hash in hashes {
        assert!(
            hash.starts_with("$argon2id$") && !hash.contains(PASSWORD),
            "{hash}"
        );
    }
}

on_both_backends!(
    passwords_are_stored_only_as_argon2id_hashes,
    signing_in_returns_a_token_that_names_the_viewer,
    a_wrong_password_and_an_unknown_address_look_the_same,
    bad_tokens_are_refused_not_treated_as_anonymous,
    repeated_failures_are_refused_for_a_while_whatever_the_password,
    a_success_before_the_limit_forgets_the_failures,
    parallel_guesses_get_no_more_than_the_free_failures,
    a_sign_in_payload_shows_the_user_their_memberships,
    private_fields_are_null_for_other_members_and_visible_to_the_secretariat,
    new_accounts_are_validated_and_unique
);

/// SQLite only: PostgreSQL refuses to start without `HUB_TOKEN_SECRET` (see the CLI tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_secret_survives_a_restart_on_sqlite() {
    let database = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let app = TestApp::start(database, |config| config.token_secret = None).await;
    create_user(&app, "member@centre.example", None).await;
    let token = token_for(&app, "member@centre.example").await;

    let restarted = TestApp::start(app.stop(), |config| config.token_secret = None).await;

    let viewer = restarted.data_as(&token, VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["email"], "member@centre.example");
}
