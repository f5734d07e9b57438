//! Shared arrangements: extra organisations, and the queries several tests send.

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

/// Adds `count` centres named `"{name} {i}"` (or all named `name` when `same_name`).
pub async fn add_centres(db: &Database, prefix: &str, count: usize, same_name: bool) {
    let centres: Vec<NewOrganisation> = (0..count)
        .map(|i| NewOrganisation {
            slug: format!("{}-{i}", prefix.to_ascii_lowercase().replace(' ', "-")),
            kind: "CENTRE".into(),
            name: if same_name {
                prefix.to_owned()
            } else {
                format!("{prefix} {i:03}")
            },
            acronym: None,
            description: None,
            website: None,
            country: Some("SG".into()),
            city: None,
            established_on: None,
            category: None,
            accreditation_status: None,
        })
        .collect();
    let mut conn = db.conn().await.expect("a connection");
    upsert_by_slug(&mut conn, &centres, entities_hub::db::now())
        .await
        .expect("centres added");
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
