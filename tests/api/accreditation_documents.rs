//! Accreditation documents over HTTP with real multipart uploads: what is stored, who may
//! download, limits that store nothing, and requests that forge uploads.

use diesel::QueryDsl as _;
use diesel_async::RunQueryDsl as _;
use entities_hub::db::schema::{application_documents, document_contents};
use entities_hub::domain::membership::MemberRole;
use entities_hub::domain::user::PlatformRole;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::accreditation::{open, secretariat};
use crate::harness::{Backend, TestApp, on_both_backends, on_each_backend};
use crate::support::{add_applicant, global_id, member_of, outsider, upload_document};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

/// The payload of an upload that answered 200.
async fn uploaded(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["data"]["attachAccreditationDocument"].clone()
}

/// How many documents and how many stored contents there are.
async fn stored(app: &TestApp) -> (i64, i64) {
    let mut conn = app.db.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| {
        let documents: i64 = application_documents::table
            .count()
            .get_result(c)
            .await
            .unwrap();
        let contents: i64 = document_contents::table
            .count()
            .get_result(c)
            .await
            .unwrap();
        (documents, contents)
    })
}

async fn a_document_is_stored_as_it_is_and_reaches_only_the_two_sides(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let member = member_of(&app, "coastal", MemberRole::Member).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let stranger = outsider(&app).await;
    let other_entity = member_of(&app, "asean-isis", MemberRole::Owner).await;
    let application = open(&app, &applicant, "coastal").await;

    // Named as a program, typed by the client as anything: stored as what it is.
    let first = uploaded(
        upload_document(
            &app,
            &applicant,
            &application["id"],
            "CONSTITUTION",
            "../statutes.exe",
            PDF,
        )
        .await,
    )
    .await;
    let document = &first["document"];
    let expected_hash: String = Sha256::digest(PDF)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(first["userErrors"], json!([]));
    assert_eq!(document["mediaType"], "application/pdf");
    assert_eq!(document["filename"], "statutes.exe");
    assert_eq!(document["byteSize"], PDF.len());
    assert_eq!(document["sha256"], expected_hash.as_str());
    assert_eq!(document["review"], "PENDING");

    let path = document["downloadPath"].as_str().unwrap();
    let download = |token: Option<String>| {
        let (app, path) = (&app, path.to_owned());
        async move {
            let mut request = app.client.get(format!("{}{path}", app.address));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await.unwrap()
        }
    };
    for token in [&applicant, &member, &officer] {
        let response = download(Some(token.clone())).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            PDF,
            "the same bytes"
        );
    }
    let missing = format!("/documents/{}", global_id("AccreditationDocument", 999_999));
    for token in [&stranger, &other_entity] {
        assert_eq!(download(Some(token.clone())).await.status(), 404);
        let absent = app
            .client
            .get(format!("{}{missing}", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(absent.status(), 404, "the same as for no document");
        let node = app
            .data_as(
                token,
                "query ($id: ID!) { node(id: $id) { id } }",
                json!({ "id": document["id"] }),
            )
            .await;
        assert_eq!(node["node"], Value::Null);
    }
    assert_eq!(download(None).await.status(), 401);

    // A second upload of the kind replaces the first for review; the first is kept.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let second = uploaded(
        upload_document(
            &app,
            &applicant,
            &application["id"],
            "CONSTITUTION",
            "scan.png",
            png,
        )
        .await,
    )
    .await;
    assert_eq!(second["document"]["mediaType"], "image/png");
    let listed = app
        .data_as(
            &officer,
            "query ($id: ID!) { node(id: $id) { ... on AccreditationApplication {
                current: documents { filename replacedAt }
                all: documents(includeReplaced: true) { filename replacedAt } } } }",
            json!({ "id": application["id"] }),
        )
        .await;
    assert_eq!(
        listed["node"]["current"],
        json!([{ "filename": "scan.png", "replacedAt": null }])
    );
    let all = listed["node"]["all"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0]["replacedAt"].is_string(), "the first was replaced");
    assert_eq!(
        download(Some(applicant.clone())).await.status(),
        200,
        "and kept"
    );
}

async fn an_upload_over_the_limit_or_of_a_forbidden_type_stores_nothing(backend: Backend) {
    let Some(app) =
        TestApp::spawn_with(backend, |config| config.http.max_upload_bytes = 1024).await
    else {
        return;
    };
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let editor = member_of(&app, "coastal", MemberRole::Editor).await;
    let application = open(&app, &applicant, "coastal").await;
    let mut large = PDF.to_vec();
    large.resize(1025, b' ');
    let mut fits = PDF.to_vec();
    fits.resize(1000, b' ');

    let too_large = upload_document(
        &app,
        &applicant,
        &application["id"],
        "OTHER",
        "big.pdf",
        &large,
    )
    .await;
    let program = uploaded(
        upload_document(
            &app,
            &applicant,
            &application["id"],
            "OTHER",
            "x.pdf",
            b"MZ\x90\x00\x03",
        )
        .await,
    )
    .await;
    let web_page = uploaded(
        upload_document(
            &app,
            &applicant,
            &application["id"],
            "OTHER",
            "x.pdf",
            b"<html><script>",
        )
        .await,
    )
    .await;
    let empty = uploaded(
        upload_document(&app, &applicant, &application["id"], "OTHER", "x.pdf", b"").await,
    )
    .await;
    let by_editor = upload_document(&app, &editor, &application["id"], "OTHER", "x.pdf", PDF).await;
    let by_editor: Value = by_editor.json().await.unwrap();
    let nothing = stored(&app).await;
    let fitting = uploaded(
        upload_document(
            &app,
            &applicant,
            &application["id"],
            "OTHER",
            "ok.pdf",
            &fits,
        )
        .await,
    )
    .await;

    assert_eq!(too_large.status(), 413);
    for refused in [&program, &web_page] {
        assert_eq!(
            refused["userErrors"][0]["code"], "UNSUPPORTED_MEDIA_TYPE",
            "{refused}"
        );
        assert_eq!(refused["userErrors"][0]["field"], json!(["input", "file"]));
    }
    assert_eq!(empty["userErrors"][0]["code"], "INVALID");
    assert_eq!(by_editor["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(nothing, (0, 0), "nothing stored");
    assert_eq!(fitting["userErrors"], json!([]), "1,000 bytes fit");
    assert_eq!(stored(&app).await, (1, 1));
}

async fn uploads_need_a_token_and_forged_files_are_refused(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let application = open(&app, &applicant, "coastal").await;
    let operations = json!({ "query": "mutation ($input: AttachAccreditationDocumentInput!) {
        attachAccreditationDocument(input: $input) { userErrors { code } } }",
        "variables": { "input": { "applicationId": application["id"], "kind": "OTHER",
            "file": null } } });
    let body = |map: Value| {
        crate::support::multipart_body("b0undary", &operations, &map, &[("0", "a.pdf", PDF)])
    };
    let send = |token: Option<&str>, body: Vec<u8>| {
        let app = &app;
        let token = token.map(str::to_owned);
        async move {
            let mut request = app
                .client
                .post(format!("{}/graphql", app.address))
                .header("content-type", "multipart/form-data; boundary=b0undary")
                .body(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await.unwrap().status()
        }
    };

    let anonymous = send(None, body(json!({ "0": ["variables.input.file"] }))).await;
    let unmapped = send(
        Some(&applicant),
        body(json!({ "1": ["variables.input.file"] })),
    )
    .await;
    let forged_in_json = app
        .post_with_token(
            &applicant,
            "mutation ($input: AttachAccreditationDocumentInput!) {
                attachAccreditationDocument(input: $input) { userErrors { code } } }",
            json!({ "input": { "applicationId": application["id"], "kind": "OTHER",
                "file": "#__graphql_file__:x" } }),
        )
        .await
        .status();
    let out_of_range = app
        .post_with_token(
            &applicant,
            "query ($f: String) { __typename }",
            json!({ "f": "#__graphql_file__:7" }),
        )
        .await
        .status();

    assert_eq!(anonymous, 401);
    assert_eq!(unmapped, 400);
    assert_eq!(forged_in_json, 400);
    assert_eq!(out_of_range, 400);
    assert_eq!(stored(&app).await, (0, 0));
    // The server is still up and well.
    assert_eq!(
        app.data("{ __typename }", json!({})).await["__typename"],
        "Query"
    );
}

async fn reviews_are_for_the_secretariat_on_applications_under_review(app: TestApp) {
    add_applicant(&app, "coastal").await;
    let applicant = member_of(&app, "coastal", MemberRole::Owner).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let application = open(&app, &applicant, "coastal").await;
    let document = uploaded(
        upload_document(
            &app,
            &applicant,
            &application["id"],
            "CONSTITUTION",
            "s.pdf",
            PDF,
        )
        .await,
    )
    .await["document"]["id"]
        .clone();
    let review = |token: String, verdict: &'static str, note: Option<&'static str>| {
        let (app, document) = (&app, document.clone());
        async move {
            let body: Value = app
                .post_with_token(
                    &token,
                    "mutation ($input: ReviewAccreditationDocumentInput!) {
                        reviewAccreditationDocument(input: $input) {
                        document { review reviewNote } userErrors { field code } } }",
                    json!({ "input": { "documentId": document, "review": verdict, "note": note } }),
                )
                .await
                .json()
                .await
                .unwrap();
            body
        }
    };

    let while_draft = review(officer.clone(), "SATISFACTORY", None).await;
    let by_applicant = review(applicant.clone(), "SATISFACTORY", None).await;
    let mut conn = app.db.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| {
        use diesel::ExpressionMethods as _;
        use entities_hub::db::schema::accreditation_applications as applications;
        diesel::update(applications::table)
            .set(applications::status.eq("UNDER_REVIEW"))
            .execute(c)
            .await
    })
    .unwrap();
    drop(conn);
    let without_note = review(officer.clone(), "NEEDS_REVISION", None).await;
    let with_note = review(
        officer.clone(),
        "NEEDS_REVISION",
        Some("Signed copy, please."),
    )
    .await;

    let payload = |body: &Value| body["data"]["reviewAccreditationDocument"].clone();
    assert_eq!(
        payload(&while_draft)["userErrors"][0]["code"],
        "WRONG_STATUS"
    );
    assert_eq!(by_applicant["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        payload(&without_note)["userErrors"][0],
        json!({ "field": ["input", "note"], "code": "INVALID" })
    );
    assert_eq!(
        payload(&with_note)["document"],
        json!({ "review": "NEEDS_REVISION", "reviewNote": "Signed copy, please." })
    );
}

on_both_backends!(
    a_document_is_stored_as_it_is_and_reaches_only_the_two_sides,
    uploads_need_a_token_and_forged_files_are_refused,
    reviews_are_for_the_secretariat_on_applications_under_review
);

on_each_backend!(an_upload_over_the_limit_or_of_a_forbidden_type_stores_nothing);
