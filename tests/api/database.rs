//! The data layer seen from outside: migrations against `schema.rs`, and seeding.

use std::collections::BTreeMap;

use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl as _;
use entities_hub::db::organisations::NewOrganisation;
use entities_hub::db::{DatabaseUrl, DbConn};
use serde_json::json;

use crate::harness::{TestApp, on_both_backends};
use crate::support::{PAGE_QUERY, field_of, nodes, upsert};

#[derive(Debug, diesel::QueryableByName)]
struct ColumnInfo {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

/// Table → column → nullable, as the migrated database has them.
async fn migrated_columns(app: &TestApp) -> BTreeMap<String, BTreeMap<String, bool>> {
    let mut conn = app.db.conn().await.expect("a connection");
    let columns: Vec<ColumnInfo> = match &mut conn {
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             is_nullable = 'YES' AS nullable FROM information_schema.columns \
             WHERE table_schema = 'public'",
        )
        .load(&mut **c)
        .await
        .unwrap(),
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, \
             (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load(&mut **c)
        .await
        .unwrap(),
    };

    let mut tables: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for column in columns.into_iter().filter(|c| !is_search_structure(c)) {
        tables
            .entry(column.table_name)
            .or_default()
            .insert(column.column_name, column.nullable);
    }
    tables
}

/// Whether a column is Diesel's own bookkeeping or a full-text search structure, which only
/// the search module reads, by SQL of its own: the generated `search_document` column on
/// PostgreSQL and the FTS5 table `post_search` (with its shadow tables) on SQLite.
fn is_search_structure(column: &ColumnInfo) -> bool {
    column.table_name.starts_with("__diesel")
        || column.table_name.starts_with("post_search")
        || (column.table_name == "posts" && column.column_name == "search_document")
}

/// Table → column → nullable, as `src/db/schema.rs` declares them.
fn declared_columns() -> BTreeMap<String, BTreeMap<String, bool>> {
    let source = include_str!("../../src/db/schema.rs");
    let mut tables: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines().map(str::trim) {
        if let Some((name, _)) = line.split_once(" (").filter(|_| line.ends_with('{')) {
            current = Some(name.to_owned());
        } else if let (Some(table), Some((column, ty))) = (&current, line.split_once(" -> ")) {
            let nullable = ty.starts_with("Nullable<");
            tables
                .entry(table.clone())
                .or_default()
                .insert(column.to_owned(), nullable);
        } else if line == "}" {
            current = None;
        }
    }
    tables
}

async fn migrations_create_exactly_the_declared_columns(app: TestApp) {
    let declared = declared_columns();

    let migrated = migrated_columns(&app).await;

    assert!(
        declared.contains_key("organisations"),
        "schema.rs was read: {declared:?}"
    );
    assert_eq!(migrated, declared);
}

async fn seeding_twice_changes_nothing(app: TestApp) {
    let before = app.data(PAGE_QUERY, json!({ "first": 100 })).await;

    let output = run_seed(&app.database.url).await;

    let after = app.data(PAGE_QUERY, json!({ "first": 100 })).await;
    assert_eq!(
        output,
        "sample directory: 0 inserted, 0 updated, 29 unchanged"
    );
    assert_eq!(
        after, before,
        "ids, names and updatedAt all stay as they were"
    );
}

async fn seeding_restores_what_was_changed_and_keeps_the_rest(app: TestApp) {
    let renamed = NewOrganisation::new("acb", "CENTRE", "Renamed");
    upsert(&app.db, &[renamed], entities_hub::db::now()).await;

    let output = run_seed(&app.database.url).await;

    let query = r#"{ organisation(slug: "acb") { name acronym country } }"#;
    let data = app.data(query, json!({})).await;
    assert_eq!(
        output,
        "sample directory: 0 inserted, 1 updated, 28 unchanged"
    );
    assert_eq!(
        data["organisation"],
        json!({ "name": "ASEAN Centre for Biodiversity",
                                              "acronym": "ACB", "country": "PH" })
    );
}

async fn the_sample_directory_holds_the_secretariat_entities_and_centres(app: TestApp) {
    let data = app.data(PAGE_QUERY, json!({ "first": 100 })).await;

    let listed = nodes(&data["organisations"]);
    let kinds = field_of(&listed, "__typename");
    assert_eq!(kinds.iter().filter(|k| *k == "Secretariat").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "Entity").count(), 15);
    assert_eq!(kinds.iter().filter(|k| *k == "Centre").count(), 13);
}

on_both_backends!(
    migrations_create_exactly_the_declared_columns,
    seeding_twice_changes_nothing,
    seeding_restores_what_was_changed_and_keeps_the_rest,
    the_sample_directory_holds_the_secretariat_entities_and_centres
);

/// Runs `entities-hub seed` against `url` and returns what it printed.
async fn run_seed(url: &DatabaseUrl) -> String {
    let url = match url {
        DatabaseUrl::Postgres(url) => url.clone(),
        DatabaseUrl::Sqlite(path) => path.display().to_string(),
    };
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_entities-hub"))
        .arg("seed")
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "seed fails: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}
