//! Accreditation over HTTP: from registration to approval, the whole table of who may take
//! which step from which status, concurrent officers, and who can see an application.

use diesel::ExpressionMethods as _;
use diesel_async::RunQueryDsl as _;
use entities_hub::db::documents::{self, NewDocument};
use entities_hub::db::schema::accreditation_applications as applications;
use entities_hub::domain::accounts;
use entities_hub::domain::membership::MemberRole;
use entities_hub::domain::user::PlatformRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends, token_for};
use crate::live_conversations::{ending_code, next_event, now, subscribe};
use crate::support::{
    add_applicant, global_id, member_of, organisation_gid, outsider, upload_document,
};

const APPLICATION_FIELDS: &str = "id status version requestedCategory submittedAt
    organisation { slug ... on Entity { accreditationStatus category accreditedOn } }
    decision { category cprDecisionDate letterDate letterReference }
    history { action fromStatus toStatus comment actor { displayName } }";

/// A user with a Secretariat role; returns their token.
pub async fn secretariat(app: &TestApp, role: PlatformRole) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let email = format!("{}-{n}@asean.example", role.as_str().to_lowercase());
    let name = format!("Officer {n}");
    let user = accounts::create_user(&app.db, &email, &name, "a long enough password", Some(role))
        .await
        .unwrap()
        .unwrap();
    token_for(user.id)
}

pub fn complete_form() -> Value {
    json!({
        "supportsAseanPurposes": "Research on regional integration, shared with ASEAN bodies.",
        "nonProfit": "Registered as a non-profit association; no distribution of surplus.",
        "existenceInAsean": "Active since 2015 in five Member States.",
        "membership": "120 members, nationals of seven Member States.",
        "funding": "Membership fees and published grants.",
        "registeredOffice": "Quezon City, Philippines.",
        "contactName": "Maria Santos",
        "contactEmail": "maria@coastal.example",
    })
}

/// Sends a mutation whose payload is `{ application userErrors }` and returns the payload,
/// or the whole body when it failed with errors.
pub async fn mutate(
    app: &TestApp,
    token: &str,
    name: &str,
    input_type: &str,
    input: Value,
) -> Value {
    let mutation = format!(
        "mutation ($input: {input_type}!) {{ {name}(input: $input) {{
            application {{ {APPLICATION_FIELDS} }} userErrors {{ field message code }} }} }}"
    );
    let body: Value = app
        .post_with_token(token, &mutation, json!({ "input": input }))
        .await
        .json()
        .await
        .expect("a JSON body");
    if body.get("errors").is_some() {
        return body;
    }
    body["data"][name].clone()
}

/// Opens an application for `slug` with a complete form; returns it.
pub async fn open(app: &TestApp, token: &str, slug: &str) -> Value {
    let input = json!({ "organisationId": organisation_gid(app, slug).await,
        "form": complete_form() });
    let created = mutate(
        app,
        token,
        "createAccreditationApplication",
        "CreateAccreditationApplicationInput",
        input,
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    created["application"].clone()
}

/// Takes `action` (a mutation name) on `application` at its version.
pub async fn step(app: &TestApp, token: &str, action: &str, application: &Value) -> Value {
    let input = json!({ "applicationId": application["id"], "version": application["version"],
        "comment": "Noted." });
    mutate(app, token, action, "AccreditationStepInput", input).await
}

/// Records a CPR decision on `application`.
pub async fn decide(app: &TestApp, token: &str, application: &Value, decision: &str) -> Value {
    let input = json!({ "applicationId": application["id"], "version": application["version"],
        "decision": decision, "category": "THINK_TANK_AND_ACADEMIC_INSTITUTION",
        "cprDecisionDate": "2026-11-20", "letterDate": "2026-11-27",
        "letterReference": "ASEC/SG/2026/114" });
    mutate(
        app,
        token,
        "recordAccreditationDecision",
        "RecordAccreditationDecisionInput",
        input,
    )
    .await
}

pub fn succeeded(payload: &Value) -> Value {
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["application"].clone()
}

async fn the_whole_path_from_registration_to_approval(app: TestApp) {
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let admin = secretariat(&app, PlatformRole::SecretariatAdmin).await;
    // A visitor with no account registers the entity and its first user at once.
    let register = "mutation ($input: RegisterApplicantInput!) { registerApplicant(input: $input) {
        organisation { slug ... on Entity { accreditationStatus } } token
        userErrors { field code } } }";
    let registered = app
        .data(
            register,
            json!({ "input": { "slug": "coastal", "name": "Coastal Research Network",
            "country": "PH", "category": "CIVIL_SOCIETY_ORGANISATION",
            "account": { "email": "founder@coastal.example", "displayName": "Founder",
                "password": "a long enough password" } } }),
        )
        .await;
    assert_eq!(
        registered["registerApplicant"]["organisation"],
        json!({ "slug": "coastal", "accreditationStatus": "APPLICANT" })
    );
    let founder = registered["registerApplicant"]["token"]
        .as_str()
        .expect("signed in at once")
        .to_owned();

    let draft = open(&app, &founder, "coastal").await;
    let mut uploaded = Vec::new();
    for kind in ["NATURE_AND_PURPOSE", "ACTIVITIES_EVIDENCE", "CONSTITUTION"] {
        let response =
            upload_document(&app, &founder, &draft["id"], kind, "doc.pdf", b"%PDF-1.7 x");
        let answer: Value = response.await.json().await.unwrap();
        let payload = &answer["data"]["attachAccreditationDocument"];
        assert_eq!(payload["userErrors"], json!([]), "{answer}");
        uploaded.push(payload["document"]["id"].clone());
    }
    let submitted =
        succeeded(&step(&app, &founder, "submitAccreditationApplication", &draft).await);
    let in_review = succeeded(
        &step(
            &app,
            &officer,
            "takeAccreditationApplicationIntoReview",
            &submitted,
        )
        .await,
    );
    let revising =
        succeeded(&step(&app, &officer, "requestAccreditationRevision", &in_review).await);
    let mut revised_form = complete_form();
    revised_form["funding"] = "Membership fees; audited accounts attached.".into();
    let revised = succeeded(
        &mutate(
            &app,
            &founder,
            "updateAccreditationApplication",
            "UpdateAccreditationApplicationInput",
            json!({ "applicationId": revising["id"], "version": revising["version"],
                "form": revised_form }),
        )
        .await,
    );
    let resubmitted =
        succeeded(&step(&app, &founder, "submitAccreditationApplication", &revised).await);
    let too_early = step(
        &app,
        &admin,
        "forwardAccreditationApplicationToCpr",
        &resubmitted,
    )
    .await;
    assert_eq!(
        too_early["userErrors"][0]["code"], "DOCUMENTS_NOT_SATISFACTORY",
        "{too_early}"
    );
    let review = "mutation ($id: ID!) { reviewAccreditationDocument(input:
        {documentId: $id, review: SATISFACTORY}) { document { review } userErrors { code } } }";
    for id in &uploaded {
        let reviewed = app.data_as(&officer, review, json!({ "id": id })).await;
        assert_eq!(
            reviewed["reviewAccreditationDocument"]["document"]["review"],
            "SATISFACTORY"
        );
    }
    let endorsed = succeeded(
        &step(
            &app,
            &officer,
            "recordAccreditationEndorsement",
            &resubmitted,
        )
        .await,
    );
    let forwarded = succeeded(
        &step(
            &app,
            &admin,
            "forwardAccreditationApplicationToCpr",
            &endorsed,
        )
        .await,
    );
    let deferred = succeeded(&decide(&app, &admin, &forwarded, "DEFERRED").await);
    let again = succeeded(
        &step(
            &app,
            &admin,
            "forwardAccreditationApplicationToCpr",
            &deferred,
        )
        .await,
    );
    let approved = succeeded(&decide(&app, &admin, &again, "APPROVED").await);

    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(
        approved["organisation"],
        json!({ "slug": "coastal", "accreditationStatus": "ACCREDITED",
            "category": "THINK_TANK_AND_ACADEMIC_INSTITUTION", "accreditedOn": "2026-11-20" }),
        "accredited in the decided category, not the requested one"
    );
    assert_eq!(
        approved["decision"],
        json!({ "category": "THINK_TANK_AND_ACADEMIC_INSTITUTION",
            "cprDecisionDate": "2026-11-20", "letterDate": "2026-11-27",
            "letterReference": "ASEC/SG/2026/114" })
    );
    let entity_history = app
        .data_as(
            &founder,
            "{ organisation(slug: \"coastal\") { ... on Entity {
                accreditationHistory { action fromStatus toStatus reason } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        entity_history["organisation"]["accreditationHistory"],
        json!([{ "action": "ACCREDIT", "fromStatus": "APPLICANT", "toStatus": "ACCREDITED",
            "reason": "Approved by the CPR on 2026-11-20; Secretary-General's letter ASEC/SG/2026/114" }])
    );
    let steps: Vec<(&str, &str)> = approved["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap(),
                s["toStatus"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("CREATE", "DRAFT"),
            ("SUBMIT", "SUBMITTED"),
            ("TAKE_INTO_REVIEW", "UNDER_REVIEW"),
            ("REQUEST_REVISION", "REVISION_REQUESTED"),
            ("EDIT", "REVISION_REQUESTED"),
            ("SUBMIT", "UNDER_REVIEW"),
            ("RECORD_ENDORSEMENT", "UNDER_REVIEW"),
            ("FORWARD_TO_CPR", "FORWARDED_TO_CPR"),
            ("DEFER", "DEFERRED"),
            ("FORWARD_TO_CPR", "FORWARDED_TO_CPR"),
            ("APPROVE", "APPROVED"),
        ]
    );
    assert_eq!(approved["history"][0]["actor"]["displayName"], "Founder");
    let reviewer = approved["history"][2]["actor"]["displayName"]
        .as_str()
        .unwrap();
    assert!(reviewer.starts_with("Officer"), "{reviewer}");
    assert_eq!(approved["history"][3]["comment"], "Noted.");

    // The correspondence thread came with the application, between the entity and the
    // Secretariat, in the founder's inbox, and the request for revision went into it.
    let inbox = app
        .data_as(
            &founder,
            "{ viewer { inbox { nodes { subject participants { slug } unreadCount
                messages { nodes { body organisation { slug } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        inbox["viewer"]["inbox"]["nodes"][0]["subject"],
        "Accreditation of Coastal Research Network"
    );
    assert_eq!(
        inbox["viewer"]["inbox"]["nodes"][0]["participants"],
        json!([{ "slug": "asean-secretariat" }, { "slug": "coastal" }])
    );
    let messages = &inbox["viewer"]["inbox"]["nodes"][0]["messages"]["nodes"];
    assert_eq!(messages.as_array().unwrap().len(), 2, "{messages}");
    assert_eq!(
        messages[1],
        json!({ "body": "Noted.", "organisation": { "slug": "asean-secretariat" } })
    );
    assert_eq!(inbox["viewer"]["inbox"]["nodes"][0]["unreadCount"], 1);
}

/// The process as the issue states it, written out independently of the code: from each
/// status, the step each mutation leads to, and who may take it.
fn expected_status(status: &str, mutation: &str) -> Option<&'static str> {
    let open = !matches!(status, "APPROVED" | "REJECTED" | "WITHDRAWN");
    match (mutation, status) {
        ("updateAccreditationApplication", "DRAFT") => Some("DRAFT"),
        ("updateAccreditationApplication", "REVISION_REQUESTED") => Some("REVISION_REQUESTED"),
        ("submitAccreditationApplication", "DRAFT") => Some("SUBMITTED"),
        ("submitAccreditationApplication", "REVISION_REQUESTED") => Some("UNDER_REVIEW"),
        ("takeAccreditationApplicationIntoReview", "SUBMITTED") => Some("UNDER_REVIEW"),
        ("requestAccreditationRevision", "UNDER_REVIEW") => Some("REVISION_REQUESTED"),
        ("recordAccreditationEndorsement", "DRAFT") => None,
        ("recordAccreditationEndorsement", _) if open => Some(leak(status)),
        ("forwardAccreditationApplicationToCpr", "UNDER_REVIEW" | "DEFERRED") => {
            Some("FORWARDED_TO_CPR")
        }
        ("APPROVED" | "REJECTED" | "DEFERRED", "FORWARDED_TO_CPR") => Some(leak(mutation)),
        ("withdrawAccreditationApplication", _) if open => Some("WITHDRAWN"),
        _ => None,
    }
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn may_take(role: &str, mutation: &str) -> bool {
    match mutation {
        "updateAccreditationApplication"
        | "submitAccreditationApplication"
        | "withdrawAccreditationApplication" => role == "applicant",
        "takeAccreditationApplicationIntoReview"
        | "requestAccreditationRevision"
        | "recordAccreditationEndorsement" => matches!(role, "officer" | "admin"),
        _ => role == "admin",
    }
}

async fn every_step_is_allowed_or_refused_as_the_table_says(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let roles = [
        (
            "applicant",
            member_of(&app, "coastal", MemberRole::Admin).await,
        ),
        (
            "member",
            member_of(&app, "coastal", MemberRole::Editor).await,
        ),
        (
            "officer",
            secretariat(&app, PlatformRole::SecretariatOfficer).await,
        ),
        (
            "admin",
            secretariat(&app, PlatformRole::SecretariatAdmin).await,
        ),
        ("outsider", member_of(&app, "acb", MemberRole::Owner).await),
    ];
    let application = open(&app, &roles[0].1, "coastal").await;
    let key = {
        use base64::Engine as _;
        let id = application["id"].as_str().unwrap();
        let plain = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id)
            .unwrap();
        let plain = String::from_utf8(plain).unwrap();
        plain.rsplit(':').next().unwrap().parse::<i64>().unwrap()
    };
    // The required documents, found satisfactory, so that forwarding to the CPR is up to
    // the status and the role alone.
    let applicant_id = crate::harness::test_keys()
        .verify(&roles[0].1)
        .expect("a valid token");
    let mut conn = app.db.conn().await.unwrap();
    for kind in ["NATURE_AND_PURPOSE", "ACTIVITIES_EVIDENCE", "CONSTITUTION"] {
        let document = NewDocument {
            application_id: key,
            kind,
            filename: "document.pdf",
            media_type: "application/pdf",
            byte_size: 8,
            sha256: "0",
            uploaded_by: applicant_id,
            uploaded_at: entities_hub::db::now(),
            review: "SATISFACTORY",
        };
        documents::insert(&mut conn, &document, b"%PDF-1.7")
            .await
            .unwrap();
    }
    drop(conn);
    let statuses = [
        "DRAFT",
        "SUBMITTED",
        "UNDER_REVIEW",
        "REVISION_REQUESTED",
        "FORWARDED_TO_CPR",
        "APPROVED",
        "REJECTED",
        "DEFERRED",
        "WITHDRAWN",
    ];
    let mutations = [
        "updateAccreditationApplication",
        "submitAccreditationApplication",
        "takeAccreditationApplicationIntoReview",
        "requestAccreditationRevision",
        "recordAccreditationEndorsement",
        "forwardAccreditationApplicationToCpr",
        "withdrawAccreditationApplication",
        "APPROVED",
        "REJECTED",
        "DEFERRED",
    ];

    let mut checked = 0;
    for status in statuses {
        for mutation in mutations {
            for (role, token) in &roles {
                // The application in `status` at version 1, whatever came before.
                let mut conn = app.db.conn().await.unwrap();
                entities_hub::on_conn!(&mut conn, |c| {
                    diesel::update(applications::table)
                        .filter(applications::id.eq(key))
                        .set((
                            applications::status.eq(status),
                            applications::version.eq(1_i64),
                        ))
                        .execute(c)
                        .await
                })
                .unwrap();
                drop(conn);
                let seen = json!({ "id": application["id"], "version": 1 });

                let answer = match mutation {
                    "APPROVED" | "REJECTED" | "DEFERRED" => {
                        decide(&app, token, &seen, mutation).await
                    }
                    "updateAccreditationApplication" => {
                        let input = json!({ "applicationId": seen["id"], "version": 1,
                            "form": complete_form() });
                        let input_type = "UpdateAccreditationApplicationInput";
                        mutate(&app, token, mutation, input_type, input).await
                    }
                    _ => step(&app, token, mutation, &seen).await,
                };
                let now = app
                    .data_as(
                        &roles[3].1,
                        "query ($id: ID!) { node(id: $id) {
                        ... on AccreditationApplication { status version } } }",
                        json!({ "id": seen["id"] }),
                    )
                    .await;

                let case = format!("{role} {mutation} from {status}: {answer}");
                match (*role, expected_status(status, mutation)) {
                    ("outsider", _) => {
                        assert_eq!(
                            answer["errors"][0]["extensions"]["code"], "NOT_FOUND",
                            "{case}"
                        );
                    }
                    (_, _) if !may_take(role, mutation) => {
                        assert_eq!(
                            answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
                            "{case}"
                        );
                    }
                    (_, None) => {
                        assert_eq!(answer["userErrors"][0]["code"], "WRONG_STATUS", "{case}");
                    }
                    (_, Some(to)) => {
                        assert_eq!(answer["userErrors"], json!([]), "{case}");
                        assert_eq!(answer["application"]["status"], to, "{case}");
                        assert_eq!(now["node"], json!({ "status": to, "version": 2 }), "{case}");
                        checked += 1;
                        continue;
                    }
                }
                assert_eq!(
                    now["node"],
                    json!({ "status": status, "version": 1 }),
                    "a refusal changes nothing: {case}"
                );
            }
        }
    }
    assert_eq!(checked, 29, "allowed steps in the table");
}

async fn two_officers_at_once_yield_one_success_and_one_conflict(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let first = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let second = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let draft = open(&app, &applicant, "coastal").await;
    let submitted =
        succeeded(&step(&app, &applicant, "submitAccreditationApplication", &draft).await);

    let action = "takeAccreditationApplicationIntoReview";
    let (one, other) = futures::join!(
        step(&app, &first, action, &submitted),
        step(&app, &second, action, &submitted)
    );
    let stale = step(
        &app,
        &applicant,
        "withdrawAccreditationApplication",
        &submitted,
    )
    .await;

    let mut codes: Vec<Value> = [&one, &other]
        .iter()
        .map(|answer| answer["userErrors"][0]["code"].clone())
        .collect();
    codes.sort_by_key(Value::to_string);
    assert_eq!(codes, [json!("CONFLICT"), Value::Null], "{one} {other}");
    assert_eq!(stale["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(stale["userErrors"][0]["field"], json!(["input", "version"]));
    let winner = if one["application"].is_null() {
        &other
    } else {
        &one
    };
    let history = &winner["application"]["history"];
    assert_eq!(history.as_array().unwrap().len(), 3, "one step recorded");
    assert_eq!(winner["application"]["status"], "UNDER_REVIEW");
}

async fn nobody_else_knows_an_application_exists(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let member = member_of(&app, "coastal", MemberRole::Member).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let stranger = outsider(&app).await;
    let other_member = member_of(&app, "acb", MemberRole::Owner).await;
    let application = open(&app, &applicant, "coastal").await;
    let node = "query ($id: ID!) { node(id: $id) { ... on AccreditationApplication { status } } }";
    let list = "{ organisation(slug: \"coastal\") { ... on Entity {
        accreditationApplications { totalCount nodes { status } } } } }";
    let queue = "{ accreditationApplications { totalCount nodes { organisation { slug } } }
        accreditationStatusCounts { status count } }";
    let missing = global_id("AccreditationApplication", 999_999);

    for token in [&applicant, &member, &officer] {
        let seen = app
            .data_as(token, node, json!({ "id": application["id"] }))
            .await;
        assert_eq!(seen["node"]["status"], "DRAFT");
        let listed = app.data_as(token, list, json!({})).await;
        assert_eq!(
            listed["organisation"]["accreditationApplications"]["totalCount"],
            1
        );
    }
    for token in [&stranger, &other_member] {
        let hidden = app
            .post_with_token(token, node, json!({ "id": application["id"] }))
            .await
            .text()
            .await
            .unwrap();
        let absent = app
            .post_with_token(token, node, json!({ "id": missing }))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(hidden, absent);
        assert_eq!(hidden, r#"{"data":{"node":null}}"#);
        let listed = app.data_as(token, list, json!({})).await;
        assert_eq!(
            listed["organisation"]["accreditationApplications"],
            Value::Null
        );
        let refused = app.post_with_token(token, queue, json!({})).await;
        let refused: Value = refused.json().await.unwrap();
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let anonymous = app.data(node, json!({ "id": application["id"] })).await;
    assert_eq!(anonymous["node"], Value::Null);

    // The queue holds the application once it is sent.
    let drafting = app.data_as(&officer, queue, json!({})).await;
    assert_eq!(drafting["accreditationApplications"]["totalCount"], 0);
    succeeded(
        &step(
            &app,
            &applicant,
            "submitAccreditationApplication",
            &application,
        )
        .await,
    );
    let work = app.data_as(&officer, queue, json!({})).await;
    assert_eq!(work["accreditationApplications"]["totalCount"], 1);
    let counts = work["accreditationStatusCounts"].as_array().unwrap();
    assert_eq!(counts.len(), 9, "every status listed");
    assert_eq!(counts[1], json!({ "status": "SUBMITTED", "count": 1 }));
    assert!(
        counts
            .iter()
            .filter(|c| c["status"] != "SUBMITTED")
            .all(|c| c["count"] == 0)
    );
}

async fn one_open_application_per_entity_and_none_while_accredited(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let accredited = member_of(&app, "asean-isis", MemberRole::Owner).await;
    let first = open(&app, &applicant, "coastal").await;
    let create = |slug: &'static str, token: String| {
        let app = &app;
        async move {
            let input = json!({ "organisationId": organisation_gid(app, slug).await,
                "form": complete_form() });
            mutate(
                app,
                &token,
                "createAccreditationApplication",
                "CreateAccreditationApplicationInput",
                input,
            )
            .await
        }
    };

    let second = create("coastal", applicant.clone()).await;
    let by_accredited = create("asean-isis", accredited).await;
    succeeded(&step(&app, &applicant, "withdrawAccreditationApplication", &first).await);
    let after_withdrawal = create("coastal", applicant.clone()).await;

    assert_eq!(second["userErrors"][0]["code"], "TAKEN");
    assert_eq!(second["application"], Value::Null);
    assert_eq!(
        by_accredited["errors"][0]["extensions"]["reason"],
        "ALREADY_ACCREDITED"
    );
    assert_eq!(after_withdrawal["userErrors"], json!([]));
}

async fn incomplete_or_malformed_steps_change_nothing(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let admin = secretariat(&app, PlatformRole::SecretariatAdmin).await;
    let input = json!({ "organisationId": organisation_gid(&app, "coastal").await,
        "form": { "supportsAseanPurposes": "Research.", "contactEmail": "not an address" } });
    let bad_email = mutate(
        &app,
        &applicant,
        "createAccreditationApplication",
        "CreateAccreditationApplicationInput",
        input.clone(),
    )
    .await;
    let mut partial = input;
    partial["form"]["contactEmail"] = "maria@coastal.example".into();
    let draft = succeeded(
        &mutate(
            &app,
            &applicant,
            "createAccreditationApplication",
            "CreateAccreditationApplicationInput",
            partial,
        )
        .await,
    );
    let incomplete = step(&app, &applicant, "submitAccreditationApplication", &draft).await;
    let untold = mutate(
        &app,
        &admin,
        "requestAccreditationRevision",
        "AccreditationStepInput",
        json!({ "applicationId": draft["id"], "version": draft["version"] }),
    )
    .await;

    assert_eq!(
        bad_email["userErrors"][0]["field"],
        json!(["input", "contactEmail"])
    );
    assert_eq!(
        incomplete["userErrors"][0],
        json!({ "field": ["input", "nonProfit"], "code": "INVALID",
            "message": "nonProfit must be answered before the application is submitted" })
    );
    assert_eq!(untold["userErrors"][0]["code"], "WRONG_STATUS");
    let now = app
        .data_as(
            &applicant,
            "query ($id: ID!) { node(id: $id) { ... on AccreditationApplication {
            status version history { action } } } }",
            json!({ "id": draft["id"] }),
        )
        .await;
    assert_eq!(
        now["node"],
        json!({ "status": "DRAFT", "version": 1, "history": [{ "action": "CREATE" }] })
    );
}

async fn the_applicant_and_the_secretariat_follow_an_application_live(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let member = member_of(&app, "coastal", MemberRole::Member).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let stranger = member_of(&app, "acb", MemberRole::Owner).await;
    let updates = "subscription ($id: ID!, $after: String) {
        accreditationApplicationUpdated(id: $id, after: $after) {
        cursor application { status version } } }";
    let application = open(&app, &applicant, "coastal").await;
    let from_now = json!({ "id": application["id"], "after": now(&app).await });
    let mut watching = subscribe(&app, &member, updates, from_now.clone()).await;
    let mut outsider = subscribe(&app, &stranger, updates, from_now).await;

    let submitted = succeeded(
        &step(
            &app,
            &applicant,
            "submitAccreditationApplication",
            &application,
        )
        .await,
    );
    let first = next_event(&mut watching, "accreditationApplicationUpdated").await;
    drop(watching);
    let action = "takeAccreditationApplicationIntoReview";
    let in_review = succeeded(&step(&app, &officer, action, &submitted).await);
    let resume = json!({ "id": application["id"], "after": first["cursor"] });
    let mut resumed = subscribe(&app, &officer, updates, resume).await;
    let missed = next_event(&mut resumed, "accreditationApplicationUpdated").await;
    succeeded(&step(&app, &officer, "requestAccreditationRevision", &in_review).await);
    let live = next_event(&mut resumed, "accreditationApplicationUpdated").await;

    assert_eq!(first["application"]["version"], 2);
    assert_eq!(missed["application"]["version"], 3, "the step missed, once");
    assert_eq!(live["application"]["status"], "REVISION_REQUESTED");
    assert_eq!(ending_code(&mut outsider).await, "NOT_FOUND");
}

async fn the_secretariat_admin_suspends_reinstates_and_revokes_with_a_reason(app: TestApp) {
    let admin = secretariat(&app, PlatformRole::SecretariatAdmin).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let member = member_of(&app, "asean-isis", MemberRole::Editor).await;
    let stranger = member_of(&app, "acb", MemberRole::Owner).await;
    let entity = organisation_gid(&app, "asean-isis").await;
    let change = |token: String, action: &'static str, reason: &'static str| {
        let (app, entity) = (&app, entity.clone());
        async move {
            let body: Value = app
                .post_with_token(
                    &token,
                    "mutation ($input: ChangeAccreditationStatusInput!) {
                        changeAccreditationStatus(input: $input) {
                        organisation { ... on Entity { accreditationStatus } }
                        userErrors { field code } } }",
                    json!({ "input": { "organisationId": entity, "action": action,
                        "reason": reason } }),
                )
                .await
                .json()
                .await
                .unwrap();
            body
        }
    };
    let status = |body: &Value| {
        body["data"]["changeAccreditationStatus"]["organisation"]["accreditationStatus"].clone()
    };
    let problem = |body: &Value| body["data"]["changeAccreditationStatus"]["userErrors"][0].clone();

    let by_officer = change(officer.clone(), "SUSPEND", "Late reports").await;
    let without_reason = change(admin.clone(), "SUSPEND", "  ").await;
    let suspended = change(admin.clone(), "SUSPEND", "Annual reports overdue").await;
    let publishing = app
        .post_with_token(
            &member,
            "mutation ($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            json!({ "input": { "organisationId": entity, "kind": "NEWS", "title": "News" } }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let reinstated = change(admin.clone(), "REINSTATE", "Reports received").await;
    let twice = change(admin.clone(), "REINSTATE", "Again").await;
    let revoked = change(
        admin.clone(),
        "REVOKE",
        "Ceased to support ASEAN's purposes",
    )
    .await;
    let history = "{ organisation(slug: \"asean-isis\") { ... on Entity {
        accreditationHistory { action fromStatus toStatus reason actor { displayName } } } } }";

    assert_eq!(by_officer["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        problem(&without_reason),
        json!({ "field": ["input", "reason"], "code": "INVALID" })
    );
    assert_eq!(status(&suspended), "SUSPENDED");
    assert_eq!(
        publishing["errors"][0]["extensions"]["reason"], "NOT_ACCREDITED",
        "a suspended entity does not publish"
    );
    assert_eq!(status(&reinstated), "ACCREDITED");
    assert_eq!(problem(&twice)["code"], "WRONG_STATUS");
    assert_eq!(status(&revoked), "REVOKED");
    let seen = app.data_as(&member, history, json!({})).await;
    let steps: Vec<(&str, &str, &str, &str)> = seen["organisation"]["accreditationHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap(),
                s["fromStatus"].as_str().unwrap(),
                s["toStatus"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (
                "SUSPEND",
                "ACCREDITED",
                "SUSPENDED",
                "Annual reports overdue"
            ),
            ("REINSTATE", "SUSPENDED", "ACCREDITED", "Reports received"),
            (
                "REVOKE",
                "ACCREDITED",
                "REVOKED",
                "Ceased to support ASEAN's purposes"
            ),
        ]
    );
    let hidden = app.data_as(&stranger, history, json!({})).await;
    assert_eq!(hidden["organisation"]["accreditationHistory"], Value::Null);
}

async fn the_work_queue_filters_orders_pages_and_counts(app: TestApp) {
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let mut opened = Vec::new();
    let mut owners = Vec::new();
    for slug in ["first", "second", "third"] {
        add_applicant(&app, slug).await;
        let owner = member_of(&app, slug, MemberRole::Owner).await;
        opened.push(open(&app, &owner, slug).await);
        owners.push(owner);
    }
    // Submitted in another order than opened; the third stays a draft.
    let second = succeeded(
        &step(
            &app,
            &owners[1],
            "submitAccreditationApplication",
            &opened[1],
        )
        .await,
    );
    succeeded(
        &step(
            &app,
            &owners[0],
            "submitAccreditationApplication",
            &opened[0],
        )
        .await,
    );
    succeeded(
        &step(
            &app,
            &officer,
            "takeAccreditationApplicationIntoReview",
            &second,
        )
        .await,
    );
    let opened: Vec<Value> = opened.iter().map(|a| a["id"].clone()).collect();

    let queue =
        "query ($filter: AccreditationApplicationFilter, $order: AccreditationApplicationOrder,
        $after: String, $first: Int = 1) {
        accreditationApplications(filter: $filter, orderBy: $order, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id } }
        accreditationStatusCounts(filter: $filter) { status count } }";
    let in_order = |field: &str, direction: &str| {
        let (app, officer) = (&app, &officer);
        let order = json!({ "field": field, "direction": direction });
        async move {
            let mut ids = Vec::new();
            let mut after = Value::Null;
            loop {
                let variables = json!({ "order": order, "after": after });
                let page = app.data_as(officer, queue, variables).await;
                let page = &page["accreditationApplications"];
                ids.extend(
                    page["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["id"].clone()),
                );
                if page["pageInfo"]["hasNextPage"] != true {
                    return ids;
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
        }
    };
    let submitted = json!({ "statuses": ["SUBMITTED"] });
    let oldest_first = json!({ "field": "CREATED_AT", "direction": "ASC" });

    let page_one = app
        .data_as(
            &officer,
            queue,
            json!({ "filter": submitted, "order": oldest_first }),
        )
        .await;
    let newest = app.data_as(&officer, queue, json!({ "first": 10 })).await;
    let later = json!({ "submittedBetween": { "from": "2999-01-01T00:00:00Z" } });
    let none_yet = app
        .data_as(&officer, queue, json!({ "filter": later }))
        .await;
    let other_category = json!({ "categories": ["BUSINESS_ORGANISATION"] });
    let no_business = app
        .data_as(&officer, queue, json!({ "filter": other_category }))
        .await;

    let ids = |data: &Value| data["accreditationApplications"]["nodes"].clone();
    assert_eq!(page_one["accreditationApplications"]["totalCount"], 1);
    assert_eq!(ids(&page_one), json!([{ "id": opened[0] }]));
    assert_eq!(
        ids(&newest),
        json!([{ "id": opened[1] }, { "id": opened[0] }]),
        "newest first, and no drafts: the queue holds what was sent"
    );
    assert_eq!(newest["accreditationApplications"]["totalCount"], 2);
    assert_eq!(
        in_order("CREATED_AT", "ASC").await,
        [opened[0].clone(), opened[1].clone()]
    );
    assert_eq!(
        in_order("SUBMITTED_AT", "ASC").await,
        [opened[1].clone(), opened[0].clone()]
    );
    assert_eq!(
        in_order("SUBMITTED_AT", "DESC").await,
        [opened[0].clone(), opened[1].clone()]
    );
    assert_eq!(
        in_order("UPDATED_AT", "DESC").await,
        [opened[1].clone(), opened[0].clone()],
        "the one taken into review changed last"
    );
    let counts = &page_one["accreditationStatusCounts"];
    assert_eq!(
        counts[0],
        json!({ "status": "DRAFT", "count": 0 }),
        "statuses ignored, drafts not in the queue"
    );
    assert_eq!(counts[1], json!({ "status": "SUBMITTED", "count": 1 }));
    assert_eq!(counts[2], json!({ "status": "UNDER_REVIEW", "count": 1 }));
    assert_eq!(none_yet["accreditationApplications"]["totalCount"], 0);
    assert_eq!(no_business["accreditationApplications"]["totalCount"], 0);
}

async fn a_queue_page_costs_a_fixed_number_of_statements(app: TestApp) {
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    for i in 0..12 {
        let slug = format!("applicant-{i}");
        add_applicant(&app, &slug).await;
        let owner = member_of(&app, &slug, MemberRole::Owner).await;
        let application = open(&app, &owner, &slug).await;
        let upload = upload_document(
            &app,
            &owner,
            &application["id"],
            "CONSTITUTION",
            "c.pdf",
            b"%PDF-1.7",
        );
        assert_eq!(upload.await.status(), 200);
        succeeded(&step(&app, &owner, "submitAccreditationApplication", &application).await);
    }
    let query = "query ($first: Int!) { accreditationApplications(first: $first) {
        nodes { status organisation { name } history { action actor { displayName } }
        documents { kind uploadedBy { displayName } } thread { subject } } } }";

    let mut costs = Vec::new();
    for size in [3, 12] {
        let before = app.statements_sent().await;
        let data = app.data_as(&officer, query, json!({ "first": size })).await;
        costs.push(app.statements_sent().await - before);
        let nodes = data["accreditationApplications"]["nodes"]
            .as_array()
            .unwrap();
        assert_eq!(nodes.len(), size);
        assert!(
            nodes
                .iter()
                .all(|n| n["history"].as_array().unwrap().len() == 2)
        );
        assert!(
            nodes
                .iter()
                .all(|n| n["documents"][0]["kind"] == "CONSTITUTION")
        );
    }

    // One to authenticate; the page; the organisations; the threads and their participants;
    // the histories; their actors; the documents (their uploaders, the same users, come
    // from the request's cache).
    assert_eq!(costs, [8, 8], "statements for 3 and for 12 applications");
}

async fn registration_writes_everything_or_nothing(app: TestApp) {
    let register = "mutation ($input: RegisterApplicantInput!) { registerApplicant(input: $input) {
        organisation { slug } token userErrors { field code } } }";
    let input = |slug: &str, email: &str, password: &str| {
        json!({ "input": { "slug": slug, "name": "Delta Network", "country": "VN",
            "category": "OTHER_STAKEHOLDER",
            "account": { "email": email, "displayName": "Delta", "password": password } } })
    };
    let signed_in = member_of(&app, "acb", MemberRole::Member).await;

    let weak = app
        .data(register, input("delta", "d@delta.example", "short"))
        .await;
    let first = app
        .data(
            register,
            input("delta", "d@delta.example", "a long enough password"),
        )
        .await;
    let same_email = app
        .data(
            register,
            input("delta-two", "d@delta.example", "a long enough password"),
        )
        .await;
    let same_slug = app
        .data(
            register,
            input("delta", "e@delta.example", "a long enough password"),
        )
        .await;
    let with_account_when_signed_in = app
        .data_as(
            &signed_in,
            register,
            input("echo", "f@echo.example", "a long enough password"),
        )
        .await;
    let anonymous_without_account = app
        .data(
            register,
            json!({ "input": { "slug": "foxtrot", "name": "Foxtrot", "country": "TH",
                "category": "OTHER_STAKEHOLDER" } }),
        )
        .await;

    let problem = |data: &Value| data["registerApplicant"]["userErrors"][0].clone();
    assert_eq!(
        problem(&weak),
        json!({ "field": ["input", "account", "password"], "code": "INVALID" })
    );
    assert!(first["registerApplicant"]["token"].is_string());
    assert_eq!(
        problem(&same_email),
        json!({ "field": ["input", "account", "email"], "code": "TAKEN" })
    );
    assert_eq!(
        problem(&same_slug),
        json!({ "field": ["input", "slug"], "code": "TAKEN" })
    );
    assert_eq!(
        problem(&with_account_when_signed_in)["field"],
        json!(["input", "account"])
    );
    assert_eq!(
        problem(&anonymous_without_account)["field"],
        json!(["input", "account"])
    );
    // The refused registrations left no account behind: the address of the one refused
    // for its slug is still free.
    let again = app
        .data(
            register,
            input("golf", "e@delta.example", "a long enough password"),
        )
        .await;
    assert_eq!(again["registerApplicant"]["userErrors"], json!([]));
    for slug in ["delta-two", "echo", "foxtrot"] {
        let found = app
            .data(
                "query ($slug: String!) { organisation(slug: $slug) { slug } }",
                json!({ "slug": slug }),
            )
            .await;
        assert_eq!(found["organisation"], Value::Null, "{slug}");
    }
}

on_both_backends!(
    registration_writes_everything_or_nothing,
    a_queue_page_costs_a_fixed_number_of_statements,
    the_work_queue_filters_orders_pages_and_counts,
    the_secretariat_admin_suspends_reinstates_and_revokes_with_a_reason,
    the_applicant_and_the_secretariat_follow_an_application_live,
    the_whole_path_from_registration_to_approval,
    every_step_is_allowed_or_refused_as_the_table_says,
    two_officers_at_once_yield_one_success_and_one_conflict,
    nobody_else_knows_an_application_exists,
    one_open_application_per_entity_and_none_while_accredited,
    incomplete_or_malformed_steps_change_nothing
);
