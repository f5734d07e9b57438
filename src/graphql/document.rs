//! Reading a parsed request before it runs: which operation it selects, and whether it
//! stays within the limits that validation does not check.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Pos, ServerError};

use super::{HubSchema, QueryLimits};

/// The operation a request runs: the one named, or the only one. Returns its name too.
pub fn selected_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'a str>, &'a OperationDefinition)> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some((None, &operation.node)),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get_key_value(name)
            .map(|(name, operation)| (Some(name.as_str()), &operation.node)),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name.as_str()), &operation.node)),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Refuses a document with more aliases than allowed: aliases multiply the work of one
/// request without deepening it, so the depth and complexity limits alone miss them.
pub fn check_limits(schema: &HubSchema, document: &ExecutableDocument) -> Result<(), ServerError> {
    let limits = schema.data::<QueryLimits>().copied().unwrap_or_default();
    let mut aliases = 0;
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node);
    let fragments = document
        .fragments
        .values()
        .map(|fragment| &fragment.node.selection_set.node);
    for selection_set in operations.chain(fragments) {
        aliases += count_aliases(selection_set);
    }
    if aliases > limits.aliases {
        let message = format!(
            "the query has {aliases} aliases; at most {} are allowed",
            limits.aliases
        );
        return Err(ServerError::new(message, Some(Pos { line: 1, column: 1 })));
    }
    Ok(())
}

fn count_aliases(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(inline) => count_aliases(&inline.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}
