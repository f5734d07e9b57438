//! Reading a parsed request before it runs: which operation it selects, and whether it
//! stays within the alias limit, which async-graphql's validation does not check.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::{Pos, ServerError, ServerResult, Variables};

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

/// Refuses documents with more aliases than allowed, on every transport: aliases multiply
/// the work of one request without deepening it, so the depth and complexity limits alone
/// miss them (a thousand aliased `signIn`s would be a thousand password hashes).
pub struct AliasLimit(pub usize);

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension(self.0))
    }
}

struct AliasLimitExtension(usize);

#[async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check_aliases(count_aliases(&document), self.0)?;

        Ok(document)
    }
}

/// Refuses a document with `aliases` aliases when at most `limit` are allowed.
pub fn check_aliases(aliases: usize, limit: usize) -> ServerResult<()> {
    if aliases > limit {
        let message = format!("the query has {aliases} aliases; at most {limit} are allowed");
        return Err(ServerError::new(message, Some(Pos { line: 1, column: 1 })));
    }
    Ok(())
}

/// How many aliases a document holds, in its operations and its fragments.
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node);
    let fragments = document
        .fragments
        .values()
        .map(|f| &f.node.selection_set.node);
    operations.chain(fragments).map(aliases_in).sum()
}

fn aliases_in(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases_in(&field.node.selection_set.node)
            }
            Selection::InlineFragment(inline) => aliases_in(&inline.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}
