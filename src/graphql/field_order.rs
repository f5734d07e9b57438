//! Puts response fields back in the order the query asked for them.
//!
//! async-graphql 7 resolves a query's fields concurrently and writes each into the response
//! as it completes, so a slow field (say `totalCount`) can land after fields selected after
//! it. The specification asks for the selection order; clients and people reading GraphiQL
//! expect it.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value};

use super::document::selected_operation;

/// Reorders `data`, the result of `operation_name` in `document`, to follow the selections.
pub fn restore_field_order(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    data: &mut Value,
) {
    if let Some((_, operation)) = selected_operation(document, operation_name) {
        reorder(document, &[&operation.selection_set.node], data);
    }
}

/// Reorders one value, given every selection set that applies to it (a field selected
/// twice, or through fragments, merges their selections).
fn reorder(document: &ExecutableDocument, selections: &[&SelectionSet], value: &mut Value) {
    if !matches!(value, Value::List(_) | Value::Object(_)) {
        return;
    }
    // The items of a list share their selections: their keys are listed once for all.
    let mut keys = IndexMap::new();
    for selection_set in selections {
        collect_keys(document, selection_set, &mut keys);
    }
    reorder_by(document, &keys, value);
}

/// The response keys in selection order, each with the selection sets below it.
type Keys<'a> = IndexMap<&'a str, Vec<&'a SelectionSet>>;

fn reorder_by(document: &ExecutableDocument, keys: &Keys<'_>, value: &mut Value) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder_by(document, keys, item);
            }
        }
        Value::Object(map) => {
            // Fields that completed in order, the common case, stay where they are.
            if !follows(keys, map) {
                let mut ordered = IndexMap::with_capacity(map.len());
                for key in keys.keys() {
                    if let Some((name, field)) = map.swap_remove_entry(*key) {
                        ordered.insert(name, field);
                    }
                }
                // Nothing should be left; if something is, it keeps its place after the rest.
                ordered.extend(map.drain(..));
                *map = ordered;
            }
            for (name, field) in map.iter_mut() {
                match keys.get(name.as_str()) {
                    Some(below) if !below.is_empty() => reorder(document, below, field),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Whether the fields of `map` already come in the order of `keys`, where an object may
/// lack some (a fragment on another type).
fn follows(keys: &Keys<'_>, map: &IndexMap<Name, Value>) -> bool {
    let mut fields = map.keys().peekable();
    for key in keys.keys() {
        if fields.peek().is_some_and(|name| name.as_str() == *key) {
            fields.next();
        }
    }
    fields.peek().is_none()
}

/// Lists the response keys of a selection set in order, fragments expanded where they
/// stand, each with the selection sets below it. Validation has already refused
/// fragment cycles.
fn collect_keys<'a>(
    document: &'a ExecutableDocument,
    selection_set: &'a SelectionSet,
    keys: &mut Keys<'a>,
) {
    for selection in &selection_set.items {
        match &selection.node {
            Selection::Field(field) => {
                let sub_selections = keys
                    .entry(field.node.response_key().node.as_str())
                    .or_default();
                if !field.node.selection_set.node.items.is_empty() {
                    sub_selections.push(&field.node.selection_set.node);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect_keys(document, &fragment.node.selection_set.node, keys);
                }
            }
            Selection::InlineFragment(inline) => {
                collect_keys(document, &inline.node.selection_set.node, keys);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    #[test]
    fn follows_the_selection_through_aliases_fragments_and_lists() {
        let document = parse_query(
            "query Named { b: organisations { totalCount nodes { ...F id } } a: __typename }
             fragment F on Organisation { name ... on Entity { category } slug }",
        )
        .unwrap();
        let mut data = Value::from_json(json!({
            "a": "Query",
            "b": { "nodes": [{ "id": "1", "slug": "s", "category": "C", "name": "n" }],
                   "totalCount": 1 }
        }))
        .unwrap();

        restore_field_order(&document, None, &mut data);

        let text = serde_json::to_string(&data).unwrap();
        let expected = r#"{"b":{"totalCount":1,"nodes":[{"name":"n","category":"C","slug":"s","id":"1"}]},"a":"Query"}"#;
        assert_eq!(text, expected);
    }
}
