//! `schema.graphql` at the root must be what the code exports.

#[test]
fn schema_graphql_matches_the_exported_sdl() {
    let committed = include_str!("../../schema.graphql");

    let exported = entities_hub::graphql::sdl();

    assert!(
        committed == exported,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn every_type_field_argument_and_enum_value_is_described() {
    let sdl = entities_hub::graphql::sdl();

    let mut undocumented = Vec::new();
    let (mut in_description, mut described, mut in_schema_block) = (false, false, false);
    for line in sdl.lines().map(str::trim) {
        if line == "\"\"\"" {
            in_description = !in_description;
            described = !in_description;
            continue;
        }
        if in_description || line.is_empty() || line == "}" || line.starts_with(')') {
            continue;
        }
        if line.starts_with("schema ") {
            in_schema_block = true;
        }
        let builtin = line.starts_with("directive ") || in_schema_block;
        if line.starts_with('"') && line.ends_with('"') {
            described = true;
            continue;
        }
        if !described && !builtin {
            undocumented.push(line.to_owned());
        }
        described = false;
    }

    assert!(
        undocumented.is_empty(),
        "described nowhere: {undocumented:#?}"
    );
}
