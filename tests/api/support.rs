//! Shared arrangements: extra organisations, and the queries several tests send.

use chrono::{NaiveDate, NaiveDateTime};
use entities_hub::db::Database;
use entities_hub::db::organisations::{NewOrganisation, upsert_by_slug};
use serde_json::Value;

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
