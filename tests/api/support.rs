//! Shared arrangements: extra organisations, members and posts, and the queries several
//! tests send.

use chrono::{NaiveDate, NaiveDateTime};
use entities_hub::db::Database;
use entities_hub::db::organisations::{NewOrganisation, upsert_by_slug};
use entities_hub::domain::membership::{self, MemberRole};
use entities_hub::domain::{accounts, directory};
use serde_json::{Value, json};

use crate::harness::{TestApp, token_for};

/// One page of the directory with everything the pagination tests look at.
pub const PAGE_QUERY: &str = r#"
query Page($first: Int, $after: String, $last: Int, $before: String,
           $filter: OrganisationFilter, $orderBy: OrganisationOrder) {
  organisations(first: $first, after: $after, last: $last, before: $before,
                filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id slug name acronym country createdAt updatedAt
      ... on Entity { category accreditationStatus } } }
  }
}"#;

/// Adds `count` centres named `"{prefix} {i}"`, or all named `prefix` when `same_name`.
///
/// They are dated 1 January 2020, before the sample directory, so that ordering by creation
/// differs from ordering by id.
pub async fn add_centres(db: &Database, prefix: &str, count: usize, same_name: bool) {
    let slug_prefix = prefix.to_ascii_lowercase().replace(' ', "-");
    let centres: Vec<NewOrganisation> = (0..count)
        .map(|i| {
            let name = if same_name {
                prefix.to_owned()
            } else {
                format!("{prefix} {i:03}")
            };
            NewOrganisation {
                country: Some("SG".into()),
                ..NewOrganisation::new(&format!("{slug_prefix}-{i}"), "CENTRE", &name)
            }
        })
        .collect();
    let long_ago = NaiveDate::from_ymd_opt(2020, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    upsert(db, &centres, long_ago).await;
}

/// Writes organisations straight to the database, as the seed does, dated `at`.
pub async fn upsert(db: &Database, organisations: &[NewOrganisation], at: NaiveDateTime) {
    let mut conn = db.conn().await.expect("a connection");
    upsert_by_slug(&mut conn, organisations, at)
        .await
        .expect("organisations written");
}

/// The nodes of a connection.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// The given field of each node, as strings.
pub fn field_of(nodes: &[Value], field: &str) -> Vec<String> {
    nodes
        .iter()
        .map(|node| node[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The opaque ID the API gives a row of this type.
pub fn global_id(kind: &str, id: i64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// A new user with `role` in the organisation `slug`; returns their token.
pub async fn member_of(app: &TestApp, slug: &str, role: MemberRole) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let email = format!("{}-{slug}-{n}@example.org", role.as_str().to_lowercase());
    let user = accounts::create_user(&app.db, &email, "Member", "a long enough password", None)
        .await
        .unwrap()
        .unwrap();
    let organisation = organisation_id(app, slug).await;
    membership::enrol(&app.db, organisation, user.id, role)
        .await
        .unwrap();
    token_for(user.id)
}

/// A new signed-in user who belongs to no organisation; returns their token.
pub async fn outsider(app: &TestApp) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let email = format!(
        "outsider-{}@example.org",
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let user = accounts::create_user(&app.db, &email, "Outsider", "a long enough password", None)
        .await
        .unwrap()
        .unwrap();
    token_for(user.id)
}

/// The row id of the organisation `slug`.
pub async fn organisation_id(app: &TestApp, slug: &str) -> i64 {
    directory::organisation_by_slug(&app.db, slug)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no organisation {slug}"))
        .id
}

/// The global ID of the organisation `slug`.
pub async fn organisation_gid(app: &TestApp, slug: &str) -> String {
    global_id("Organisation", organisation_id(app, slug).await)
}

/// Adds an entity that has applied for accreditation but is not accredited.
pub async fn add_applicant(app: &TestApp, slug: &str) {
    let applicant = NewOrganisation {
        category: Some("CIVIL_SOCIETY_ORGANISATION".into()),
        accreditation_status: Some("APPLICANT".into()),
        country: Some("PH".into()),
        ..NewOrganisation::new(slug, "ENTITY", "Coastal Communities Network (fictional)")
    };
    upsert(&app.db, &[applicant], entities_hub::db::now()).await;
}

/// Everything the post tests read of a post.
pub const POST_FIELDS: &str = "id __typename title summary body bodyHtml tags visibility
    status publishedAt organisation { slug } author { displayName }
    ... on EventAnnouncement { startsAt endsAt timeZone venue onlineUrl }
    ... on CallForApplications { opensAt deadline eligibility isOpen }";

/// Creates a post as `token` with `input` (`organisationId` of `slug` added), checks that
/// it succeeded, and returns it.
pub async fn create_post(app: &TestApp, token: &str, slug: &str, input: Value) -> Value {
    let mut input = input;
    input["organisationId"] = organisation_gid(app, slug).await.into();
    let mutation = format!(
        "mutation ($input: CreatePostInput!) {{ createPost(input: $input) {{
            post {{ {POST_FIELDS} }} userErrors {{ field message code }} }} }}"
    );
    let data = app
        .data_as(token, &mutation, json!({ "input": input }))
        .await;
    let payload = &data["createPost"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["post"].clone()
}

/// Publishes a post as `token`, checks that it succeeded, and returns it.
pub async fn publish_post(app: &TestApp, token: &str, id: &Value) -> Value {
    let mutation = format!(
        "mutation ($id: ID!) {{ publishPost(input: {{postId: $id}}) {{
            post {{ {POST_FIELDS} }} userErrors {{ field message code }} }} }}"
    );
    let data = app.data_as(token, &mutation, json!({ "id": id })).await;
    let payload = &data["publishPost"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["post"].clone()
}

/// Creates and publishes a news post titled `title`; returns it.
pub async fn publish_news(app: &TestApp, token: &str, slug: &str, title: &str) -> Value {
    let draft = create_post(app, token, slug, json!({ "kind": "NEWS", "title": title })).await;
    publish_post(app, token, &draft["id"]).await
}

/// A GraphQL multipart request body (the `operations` and `map` parts, then the files),
/// built by hand so that tests can also send bodies no client library would.
pub fn multipart_body(
    boundary: &str,
    operations: &Value,
    map: &Value,
    files: &[(&str, &str, &[u8])],
) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [
        ("operations", operations.to_string()),
        ("map", map.to_string()),
    ] {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (field, filename, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                 filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// Uploads one file as a document of an application, as `token`, with a real multipart
/// request; returns the response.
pub async fn upload_document(
    app: &TestApp,
    token: &str,
    application_id: &Value,
    kind: &str,
    filename: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let mutation = "mutation ($input: AttachAccreditationDocumentInput!) {
        attachAccreditationDocument(input: $input) {
        document { id kind filename mediaType byteSize sha256 review downloadPath }
        userErrors { field message code } } }";
    let input = json!({ "applicationId": application_id, "kind": kind });
    upload_file(app, token, mutation, input, (filename, bytes)).await
}

/// Sends `mutation` with `input` and a file in `input.file`, as `token`, as a GraphQL
/// multipart request; returns the response.
pub async fn upload_file(
    app: &TestApp,
    token: &str,
    mutation: &str,
    mut input: Value,
    (filename, bytes): (&str, &[u8]),
) -> reqwest::Response {
    input["file"] = Value::Null;
    let operations = json!({ "query": mutation, "variables": { "input": input } });
    let map = json!({ "0": ["variables.input.file"] });
    let body = multipart_body(
        "hubBoundary7MA4YWxk",
        &operations,
        &map,
        &[("0", filename, bytes)],
    );
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header(
            "content-type",
            "multipart/form-data; boundary=hubBoundary7MA4YWxk",
        )
        .body(body)
        .send()
        .await
        .expect("the server answers")
}
