//! Puts response fields back in the order the query asked for them.
//!
//! async-graphql 7 resolves a query's fields concurrently and writes each into the response
//! as it completes, so a slow field (say `totalCount`) can land after fields selected after
//! it. The specification asks for the selection order; clients and people reading GraphiQL
//! expect it.

use std::cell::OnceCell;

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
        let keys = keys_of(document, &[&operation.selection_set.node]);
        reorder_by(document, &keys, data);
    }
}

/// One response key of a selection, in selection order.
struct Key<'a> {
    name: &'a str,
    /// The selection sets below the key; empty for a leaf.
    below: Vec<&'a SelectionSet>,
    /// The keys of `below`, listed when the first value under this key is reordered and
    /// shared by the rest: a list of a thousand posts lists its authors' keys once.
    below_keys: OnceCell<Keys<'a>>,
}

/// The response keys of a selection in order. A selection holds a handful of keys, so a
/// list searched in order costs less than hashing each field's name.
type Keys<'a> = Vec<Key<'a>>;

/// The keys of every selection set that applies to one value (a field selected twice, or
/// through fragments, merges their selections).
fn keys_of<'a>(document: &'a ExecutableDocument, selections: &[&'a SelectionSet]) -> Keys<'a> {
    let mut keys = Vec::new();
    for selection_set in selections {
        collect_keys(document, selection_set, &mut keys);
    }
    keys
}

fn reorder_by<'a>(document: &'a ExecutableDocument, keys: &Keys<'a>, value: &mut Value) {
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
                for key in keys {
                    if let Some((name, field)) = map.swap_remove_entry(key.name) {
                        ordered.insert(name, field);
                    }
                }
                // Nothing should be left; if something is, it keeps its place after the rest.
                ordered.extend(map.drain(..));
                *map = ordered;
            }
            for (name, field) in map.iter_mut() {
                let key = keys.iter().find(|key| key.name == name.as_str());
                if let Some(key) = key.filter(|key| !key.below.is_empty())
                    && matches!(field, Value::List(_) | Value::Object(_))
                {
                    let below = key.below_keys.get_or_init(|| keys_of(document, &key.below));
                    reorder_by(document, below, field);
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
    for key in keys {
        if fields.peek().is_some_and(|name| name.as_str() == key.name) {
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
                let name = field.node.response_key().node.as_str();
                let index = match keys.iter().position(|key| key.name == name) {
                    Some(index) => index,
                    None => {
                        keys.push(Key {
                            name,
                            below: Vec::new(),
                            below_keys: OnceCell::new(),
                        });
                        keys.len() - 1
                    }
                };
                if !field.node.selection_set.node.items.is_empty() {
                    keys[index].below.push(&field.node.selection_set.node);
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
