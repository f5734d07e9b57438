//! The GraphQL schema: types per area, the root objects, and the limits every request meets.
//!
//! Resolvers stay thin: they read arguments, call `domain`, and shape the answer.

mod accreditation;
mod accreditation_document;
mod annual_report;
mod auth;
mod call_application;
mod connection;
mod conversation_mutation;
mod directory;
mod directory_management;
mod document;
mod document_cache;
mod error;
mod field_order;
mod ids;
mod invitation;
mod loaders;
mod membership;
mod membership_mutation;
mod node;
mod organisation;
mod partnership;
mod post;
mod post_mutation;
mod post_query;
mod scalars;
mod subscription;
mod thread;
mod user;
mod user_error;
mod websocket;

use async_graphql::{MergedObject, Schema, SchemaBuilder, ValidationMode};

use crate::db::Database;
use crate::domain::accreditation_feed::AccreditationFeed;
use crate::domain::annual_reports::ReportSchedule;
use crate::domain::conversation_feed::ConversationFeed;
use crate::domain::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::domain::post_feed::PostFeed;
use crate::domain::token::TokenKeys;
#[cfg(doc)]
use crate::domain::user::Actor;

pub use document::{check_aliases, selected_operation};
pub use document_cache::{CachedDocument, DocumentCache};
pub use error::{ApiError, ApiResult};
pub use field_order::restore_field_order;
pub use loaders::Loaders;
pub use subscription::Subscription;
pub use websocket::ConnectionToken;

/// The root query type.
#[derive(Default, MergedObject)]
pub struct Query(
    node::NodeQuery,
    auth::ViewerQuery,
    directory::DirectoryQuery,
    post_query::PostQuery,
    subscription::LiveQuery,
    accreditation::AccreditationQuery,
    annual_report::AnnualReportQuery,
);

/// The root mutation type. Every mutation takes one `input` and returns a payload whose
/// `userErrors` list what the user can fix; nothing is written when it is not empty.
#[derive(Default, MergedObject)]
pub struct Mutation(
    auth::AuthMutation,
    invitation::InvitationMutation,
    membership_mutation::MembershipMutation,
    directory_management::DirectoryMutation,
    post_mutation::PostMutation,
    call_application::CallApplicationMutation,
    conversation_mutation::ConversationMutation,
    partnership::PartnershipMutation,
    accreditation::AccreditationMutation,
    accreditation_document::DocumentMutation,
    annual_report::AnnualReportMutation,
);

/// The whole schema.
pub type HubSchema = Schema<Query, Mutation, Subscription>;

/// How large a single request may be.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest nesting of selections.
    pub depth: usize,
    /// Highest total cost, where a list field costs its page size times its selection.
    pub complexity: usize,
    /// Most aliased fields in one document.
    pub aliases: usize,
    /// How many parsed documents to keep (see [`DocumentCache`]).
    pub cached_documents: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            depth: 32,
            complexity: 50_000,
            aliases: 64,
            cached_documents: 1_000,
        }
    }
}

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
}

/// The live feeds the schema publishes to and subscribes from.
#[derive(Clone)]
pub struct Feeds {
    pub posts: PostFeed,
    pub conversations: ConversationFeed,
    pub accreditation: AccreditationFeed,
}

/// The schemas of one server: the same types and data, checked in different ways.
///
/// The HTTP schemas carry no extension. With one, async-graphql sends every field of every
/// object through the extension chain and looks its type up by name, which for a page of
/// results costs more than parsing and validating the document; so the HTTP layer parses
/// through the [`DocumentCache`], counts aliases there, and remembers which requests passed
/// validation.
#[derive(Clone)]
pub struct Schemas {
    /// For an HTTP request not validated before: every rule.
    pub http: HubSchema,
    /// For an HTTP request whose document, operation and variables passed every rule
    /// before: only the limits on depth and complexity, computed again.
    pub http_validated: HubSchema,
    /// For WebSocket operations, which authenticate through their connection and are
    /// parsed per operation, with the alias limit as an extension.
    pub websocket: HubSchema,
    /// The most aliases a document may hold; checked by the HTTP layer.
    pub alias_limit: usize,
}

/// The schemas that serve requests against `db`, signing tokens with `keys` and publishing
/// to `feeds`.
///
/// Each request must carry its [`Actor`] and its [`Loaders`] as request data.
pub fn schemas(
    db: Database,
    keys: TokenKeys,
    feeds: Feeds,
    limits: QueryLimits,
    reports: ReportSchedule,
) -> Schemas {
    let build = || {
        builder()
            .data(db.clone())
            .data(reports)
            .data(keys.clone())
            .data(feeds.posts.clone())
            .data(feeds.conversations.clone())
            .data(feeds.accreditation.clone())
            .limit_depth(limits.depth)
            .limit_complexity(limits.complexity)
    };
    Schemas {
        http: build().finish(),
        http_validated: build().validation_mode(ValidationMode::Fast).finish(),
        websocket: build()
            .extension(document::AliasLimit(limits.aliases))
            .extension(websocket::ConnectionAuthentication)
            .finish(),
        alias_limit: limits.aliases,
    }
}

/// The schema in SDL, as kept in `schema.graphql` at the repository's root.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The global ID of a post, for links to it from outside the graph, such as feeds.
pub fn post_global_id(id: i64) -> String {
    ids::NodeId::Post(id).encode().0
}

/// The row id of a document from its global ID, as the download route receives it.
pub fn document_key(global_id: &str) -> Option<DocumentKey> {
    match ids::NodeId::decode(&async_graphql::ID(global_id.to_owned())) {
        Ok(ids::NodeId::Document(key)) => Some(DocumentKey::Application(key)),
        Ok(ids::NodeId::AnnualReportDocument(key)) => Some(DocumentKey::AnnualReport(key)),
        _ => None,
    }
}

/// Which stored document a download names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKey {
    /// A document of an accreditation application.
    Application(i64),
    /// A document of an annual report.
    AnnualReport(i64),
}

/// The cost of a list field: its page size times the cost of what is selected in it.
fn page_complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    (size as usize).saturating_mul(child_complexity)
}
