//! Annual reports over HTTP, with real multipart uploads: which years an entity owes, due and
//! overdue by the configured schedule, uploads, submission, acknowledgement by the
//! Secretariat, the Secretariat's list of a year, and who may see any of it.

use chrono::{Datelike as _, NaiveDate, Utc};
use diesel::{ExpressionMethods as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use entities_hub::config::Config;
use entities_hub::db::schema::{annual_report_documents, annual_reports, organisations};
use entities_hub::domain::annual_reports::ReportSchedule;
use entities_hub::domain::membership::MemberRole;
use entities_hub::domain::user::PlatformRole;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::accreditation::secretariat;
use crate::harness::{Backend, TestApp, on_each_backend};
use crate::support::{member_of, outsider, upload_file};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

const REPORTS: &str = "query ($slug: String!) { organisation(slug: $slug) { ... on Entity {
    annualReports { id year status dueOn overdueAfter submittedAt
        submittedBy { displayName } acknowledgedBy { displayName } acknowledgementNote
        documents { kind filename mediaType } } } } }";

const ATTACH: &str = "mutation ($input: AttachAnnualReportDocumentInput!) {
    attachAnnualReportDocument(input: $input) {
    document { id kind filename mediaType byteSize sha256 downloadPath }
    userErrors { field message code } } }";

/// A server whose reports fall due on 31 December with `grace_days` of grace, so that
/// last year's report is due and the one before overdue whatever the day the tests run.
async fn spawn(backend: Backend, grace_days: u32) -> Option<TestApp> {
    TestApp::spawn_with(backend, |config: &mut Config| {
        config.reports = ReportSchedule::parse("12-31", grace_days).unwrap();
    })
    .await
}

fn this_year() -> i32 {
    Utc::now().year()
}

/// Accredits the sample entity `slug` on 1 June three years ago, so that it owes reports
/// for the two years since.
async fn accredit_three_years_ago(app: &TestApp, slug: &str) {
    let on = NaiveDate::from_ymd_opt(this_year() - 3, 6, 1).unwrap();
    let mut conn = app.db.conn().await.unwrap();
    entities_hub::on_conn!(&mut conn, |c| {
        diesel::update(organisations::table.filter(organisations::slug.eq(slug)))
            .set((
                organisations::accredited_on.eq(on),
                organisations::accreditation_status.eq("ACCREDITED"),
            ))
            .execute(c)
            .await
    })
    .unwrap();
}

async fn reports(app: &TestApp, token: &str, slug: &str) -> Value {
    let data = app.data_as(token, REPORTS, json!({ "slug": slug })).await;
    data["organisation"]["annualReports"].clone()
}

async fn attach(
    app: &TestApp,
    token: &str,
    report: &Value,
    kind: &str,
    file: (&str, &[u8]),
) -> Value {
    let input = json!({ "reportId": report, "kind": kind });
    let response = upload_file(app, token, ATTACH, input, file).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    match body.get("errors") {
        Some(_) => body,
        None => body["data"]["attachAnnualReportDocument"].clone(),
    }
}

async fn report_mutation(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = format!("{}Input", capitalised(name));
    let mutation = format!(
        "mutation ($input: {input_type}!) {{ {name}(input: $input) {{
            report {{ year status submittedBy {{ displayName }}
                acknowledgedBy {{ displayName }} acknowledgementNote }}
            userErrors {{ field message code }} }} }}"
    );
    let body: Value = app
        .post_with_token(token, &mutation, json!({ "input": input }))
        .await
        .json()
        .await
        .unwrap();
    match body.get("errors") {
        Some(_) => body,
        None => body["data"][name].clone(),
    }
}

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn error_code(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["code"]
}

async fn an_entity_reports_each_year_and_the_secretariat_acknowledges(backend: Backend) {
    let Some(app) = spawn(backend, 0).await else {
        return;
    };
    accredit_three_years_ago(&app, "asean-isis").await;
    let owner = member_of(&app, "asean-isis", MemberRole::Owner).await;
    let editor = member_of(&app, "asean-isis", MemberRole::Editor).await;
    let stranger = outsider(&app).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let (last_year, year_before) = (this_year() - 1, this_year() - 2);

    // Owed: the two full years since accreditation, newest first.
    let owed = reports(&app, &owner, "asean-isis").await;
    let summary: Vec<(i64, &str, &str)> = owed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["year"].as_i64().unwrap(),
                r["status"].as_str().unwrap(),
                r["dueOn"].as_str().unwrap(),
            )
        })
        .collect();
    let (due_last, due_before) = (
        format!("{}-12-31", this_year()),
        format!("{last_year}-12-31"),
    );
    assert_eq!(
        summary,
        [
            (i64::from(last_year), "DUE", due_last.as_str()),
            (i64::from(year_before), "OVERDUE", due_before.as_str()),
        ]
    );
    assert_eq!(reports(&app, &stranger, "asean-isis").await, Value::Null);
    let report = owed[0]["id"].clone();

    // Both documents are needed to submit.
    let submit = json!({ "reportId": report });
    let empty = report_mutation(&app, &owner, "submitAnnualReport", submit.clone()).await;
    assert_eq!(
        empty["userErrors"][0]["code"], "DOCUMENTS_MISSING",
        "{empty}"
    );
    let first = attach(
        &app,
        &owner,
        &report,
        "ACTIVITY_SUMMARY",
        ("summary.pdf", PDF),
    )
    .await;
    assert_eq!(first["userErrors"], json!([]), "{first}");
    let expected_hash: String = Sha256::digest(PDF)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(first["document"]["sha256"], expected_hash.as_str());
    assert_eq!(first["document"]["mediaType"], "application/pdf");
    let half = report_mutation(&app, &owner, "submitAnnualReport", submit.clone()).await;
    assert_eq!(half["userErrors"][0]["code"], "DOCUMENTS_MISSING");
    assert!(
        half["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("FINANCIAL_STATEMENT"),
        "{half}"
    );

    // Only owners and admins upload; outsiders do not know the report exists.
    let by_editor = attach(
        &app,
        &editor,
        &report,
        "FINANCIAL_STATEMENT",
        ("a.png", PNG),
    )
    .await;
    assert_eq!(error_code(&by_editor), "FORBIDDEN");
    let by_stranger = attach(
        &app,
        &stranger,
        &report,
        "FINANCIAL_STATEMENT",
        ("a.png", PNG),
    )
    .await;
    assert_eq!(error_code(&by_stranger), "NOT_FOUND");
    let svg = attach(
        &app,
        &owner,
        &report,
        "FINANCIAL_STATEMENT",
        ("a.svg", b"<svg onload=alert(1)>"),
    )
    .await;
    assert_eq!(svg["userErrors"][0]["code"], "UNSUPPORTED_MEDIA_TYPE");

    let statement = attach(
        &app,
        &owner,
        &report,
        "FINANCIAL_STATEMENT",
        ("accounts.png", PNG),
    )
    .await;
    assert_eq!(statement["userErrors"], json!([]));
    let revised = attach(
        &app,
        &owner,
        &report,
        "ACTIVITY_SUMMARY",
        ("summary-v2.pdf", PDF),
    )
    .await;
    assert_eq!(revised["userErrors"], json!([]));
    let all = app
        .data_as(
            &owner,
            "query ($id: ID!) { node(id: $id) { ... on AnnualReport {
                current: documents { filename }
                all: documents(includeReplaced: true) { filename replacedAt } } } }",
            json!({ "id": report }),
        )
        .await;
    assert_eq!(
        all["node"]["current"],
        json!([{ "filename": "accounts.png" }, { "filename": "summary-v2.pdf" }])
    );
    assert_eq!(
        all["node"]["all"].as_array().unwrap().len(),
        3,
        "the old one is kept"
    );
    assert!(all["node"]["all"][0]["replacedAt"].is_string());

    // Submitted, it no longer changes.
    let submitted = report_mutation(&app, &owner, "submitAnnualReport", submit.clone()).await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    assert_eq!(submitted["report"]["status"], "SUBMITTED");
    assert!(submitted["report"]["submittedBy"]["displayName"].is_string());
    let late_upload = attach(&app, &owner, &report, "ACTIVITY_SUMMARY", ("x.pdf", PDF)).await;
    assert_eq!(late_upload["userErrors"][0]["code"], "WRONG_STATUS");
    let again = report_mutation(&app, &owner, "submitAnnualReport", submit.clone()).await;
    assert_eq!(again["userErrors"][0]["code"], "WRONG_STATUS");

    // The Secretariat acknowledges it, once.
    let acknowledge = json!({ "reportId": report, "note": "Received with thanks." });
    let by_owner =
        report_mutation(&app, &owner, "acknowledgeAnnualReport", acknowledge.clone()).await;
    assert_eq!(error_code(&by_owner), "FORBIDDEN");
    let acknowledged = report_mutation(
        &app,
        &officer,
        "acknowledgeAnnualReport",
        acknowledge.clone(),
    )
    .await;
    assert_eq!(acknowledged["userErrors"], json!([]), "{acknowledged}");
    assert_eq!(acknowledged["report"]["status"], "ACKNOWLEDGED");
    assert_eq!(
        acknowledged["report"]["acknowledgementNote"],
        "Received with thanks."
    );
    let twice = report_mutation(&app, &officer, "acknowledgeAnnualReport", acknowledge).await;
    assert_eq!(twice["userErrors"][0]["code"], "WRONG_STATUS");

    // The documents reach the entity's members and the Secretariat only.
    let path = statement["document"]["downloadPath"].as_str().unwrap();
    let download = |token: Option<&String>| {
        let mut request = app.client.get(format!("{}{path}", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    for token in [&owner, &editor, &officer] {
        let response = download(Some(token)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    }
    assert_eq!(download(Some(&stranger)).await.unwrap().status(), 404);
    assert_eq!(download(None).await.unwrap().status(), 401);
    let node = "query ($id: ID!) { node(id: $id) { id } }";
    for id in [&report, &statement["document"]["id"]] {
        let hidden = app.data_as(&stranger, node, json!({ "id": id })).await;
        assert_eq!(hidden["node"], Value::Null);
        let seen = app.data_as(&editor, node, json!({ "id": id })).await;
        assert_eq!(&seen["node"]["id"], id);
    }
}

async fn the_secretariat_lists_a_year_by_status(backend: Backend) {
    let Some(app) = spawn(backend, 0).await else {
        return;
    };
    accredit_three_years_ago(&app, "asean-isis").await;
    accredit_three_years_ago(&app, "fasa").await;
    let owner = member_of(&app, "asean-isis", MemberRole::Owner).await;
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let (last_year, year_before) = (this_year() - 1, this_year() - 2);
    let owed = reports(&app, &owner, "asean-isis").await;
    let report = owed[0]["id"].clone();
    for (kind, file) in [
        ("ACTIVITY_SUMMARY", ("a.pdf", PDF)),
        ("FINANCIAL_STATEMENT", ("b.pdf", PDF)),
    ] {
        let attached = attach(&app, &owner, &report, kind, file).await;
        assert_eq!(attached["userErrors"], json!([]));
    }
    let submitted = report_mutation(
        &app,
        &owner,
        "submitAnnualReport",
        json!({ "reportId": report }),
    )
    .await;
    assert_eq!(submitted["userErrors"], json!([]));

    let list = "query ($year: Int!, $statuses: [AnnualReportStatus!]) {
        annualReports(year: $year, statuses: $statuses, first: 10) {
        totalCount nodes { year status organisation { slug } } } }";
    let slugs_and_statuses = |data: &Value| -> Vec<(String, String)> {
        data["annualReports"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["organisation"]["slug"].as_str().unwrap().to_owned(),
                    r["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let entry = |slug: &str, status: &str| (slug.to_owned(), status.to_owned());

    let last = app
        .data_as(&officer, list, json!({ "year": last_year }))
        .await;
    // Only the entities accredited on the platform owe reports, by the order they joined.
    assert_eq!(
        slugs_and_statuses(&last),
        [entry("asean-isis", "SUBMITTED"), entry("fasa", "DUE")]
    );
    assert_eq!(last["annualReports"]["totalCount"], 2);
    let submitted_only = app
        .data_as(
            &officer,
            list,
            json!({ "year": last_year, "statuses": ["SUBMITTED"] }),
        )
        .await;
    assert_eq!(
        slugs_and_statuses(&submitted_only),
        [entry("asean-isis", "SUBMITTED")]
    );
    assert_eq!(submitted_only["annualReports"]["totalCount"], 1);
    let due_only = app
        .data_as(
            &officer,
            list,
            json!({ "year": last_year, "statuses": ["DUE"] }),
        )
        .await;
    assert_eq!(slugs_and_statuses(&due_only), [entry("fasa", "DUE")]);
    let overdue = app
        .data_as(
            &officer,
            list,
            json!({ "year": year_before, "statuses": ["OVERDUE"] }),
        )
        .await;
    assert_eq!(
        slugs_and_statuses(&overdue),
        [entry("asean-isis", "OVERDUE"), entry("fasa", "OVERDUE")]
    );
    let none_due = app
        .data_as(
            &officer,
            list,
            json!({ "year": year_before, "statuses": ["DUE"] }),
        )
        .await;
    assert_eq!(
        none_due["annualReports"]["totalCount"], 0,
        "all are overdue"
    );

    let by_owner = app
        .post_with_token(&owner, list, json!({ "year": last_year }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(error_code(&by_owner), "FORBIDDEN");
    let this = app
        .post_with_token(&officer, list, json!({ "year": this_year() }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(error_code(&this), "BAD_USER_INPUT", "a year not yet ended");
}

async fn the_grace_period_delays_overdue(backend: Backend) {
    let Some(app) = spawn(backend, 400).await else {
        return;
    };
    accredit_three_years_ago(&app, "asean-isis").await;
    let owner = member_of(&app, "asean-isis", MemberRole::Owner).await;

    let owed = reports(&app, &owner, "asean-isis").await;
    let statuses: Vec<&str> = owed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["DUE", "DUE"]);
    let grace_end =
        NaiveDate::from_ymd_opt(this_year() - 1, 12, 31).unwrap() + chrono::TimeDelta::days(400);
    assert_eq!(owed[1]["overdueAfter"], grace_end.to_string());
}

async fn a_refused_upload_stores_nothing_and_a_revoked_entity_owes_no_more(backend: Backend) {
    let Some(app) = spawn(backend, 0).await else {
        return;
    };
    accredit_three_years_ago(&app, "asean-isis").await;
    let owner = member_of(&app, "asean-isis", MemberRole::Owner).await;
    let admin = secretariat(&app, PlatformRole::SecretariatAdmin).await;
    let owed = reports(&app, &owner, "asean-isis").await;
    let report = owed[0]["id"].clone();

    let exe = attach(
        &app,
        &owner,
        &report,
        "ACTIVITY_SUMMARY",
        ("report.pdf", b"MZ\x90\x00"),
    )
    .await;
    assert_eq!(exe["userErrors"][0]["code"], "UNSUPPORTED_MEDIA_TYPE");
    let mut conn = app.db.conn().await.unwrap();
    let (reports_stored, documents_stored) = entities_hub::on_conn!(&mut conn, |c| {
        let reports: i64 = annual_reports::table.count().get_result(c).await.unwrap();
        let documents: i64 = annual_report_documents::table
            .count()
            .get_result(c)
            .await
            .unwrap();
        (reports, documents)
    });
    assert_eq!((reports_stored, documents_stored), (0, 0));
    drop(conn);

    // One report sent, then the entity is revoked: it keeps what it sent and owes no more.
    let older = owed[1]["id"].clone();
    let kept = attach(&app, &owner, &older, "ACTIVITY_SUMMARY", ("a.pdf", PDF)).await;
    assert_eq!(kept["userErrors"], json!([]));
    let entity = crate::support::organisation_gid(&app, "asean-isis").await;
    let revoked = app
        .post_with_token(
            &admin,
            "mutation ($input: ChangeAccreditationStatusInput!) {
                changeAccreditationStatus(input: $input) { userErrors { code } } }",
            json!({ "input": { "organisationId": entity, "action": "REVOKE",
                "reason": "Ceased to exist" } }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        revoked["data"]["changeAccreditationStatus"]["userErrors"],
        json!([])
    );
    let after = reports(&app, &owner, "asean-isis").await;
    assert_eq!(after.as_array().unwrap().len(), 1, "{after}");
    assert_eq!(after[0]["year"], this_year() - 2);
    let closed = attach(&app, &owner, &older, "FINANCIAL_STATEMENT", ("b.pdf", PDF)).await;
    assert_eq!(closed["userErrors"][0]["code"], "WRONG_STATUS");
}

async fn a_page_of_reports_costs_a_fixed_number_of_statements(backend: Backend) {
    let Some(app) = spawn(backend, 0).await else {
        return;
    };
    let slugs = ["aipa", "cacj", "ala", "aseansai", "amf", "asten"];
    for slug in slugs {
        accredit_three_years_ago(&app, slug).await;
        let owner = member_of(&app, slug, MemberRole::Owner).await;
        let owed = reports(&app, &owner, slug).await;
        let attached = attach(
            &app,
            &owner,
            &owed[0]["id"],
            "ACTIVITY_SUMMARY",
            ("a.pdf", PDF),
        );
        assert_eq!(attached.await["userErrors"], json!([]));
    }
    let officer = secretariat(&app, PlatformRole::SecretariatOfficer).await;
    let query = "query ($year: Int!, $first: Int!) { annualReports(year: $year, first: $first) {
        nodes { status organisation { name } submittedBy { displayName }
            documents { kind uploadedBy { displayName } } } } }";

    let mut costs = Vec::new();
    for size in [2, 6] {
        let before = app.statements_sent().await;
        let variables = json!({ "year": this_year() - 1, "first": size });
        let data = app.data_as(&officer, query, variables).await;
        costs.push(app.statements_sent().await - before);
        let nodes = data["annualReports"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), size);
        assert!(
            nodes
                .iter()
                .all(|n| n["documents"][0]["kind"] == "ACTIVITY_SUMMARY")
        );
    }

    // One to authenticate; the page; the organisations; the documents; their uploaders.
    assert_eq!(costs, [5, 5], "statements for 2 and for 6 reports");
}

on_each_backend!(
    an_entity_reports_each_year_and_the_secretariat_acknowledges,
    the_secretariat_lists_a_year_by_status,
    the_grace_period_delays_overdue,
    a_refused_upload_stores_nothing_and_a_revoked_entity_owes_no_more,
    a_page_of_reports_costs_a_fixed_number_of_statements
);
