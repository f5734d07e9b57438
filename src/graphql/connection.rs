//! Relay connections: one generic page type for every list of the graph.

use std::borrow::Cow;

use async_graphql::{Context, Object, OutputType, SimpleObject, TypeName};

use super::error::ApiResult;
use super::loaders::Loaders;
use crate::db::Database;
use crate::db::call_applications::ApplicationScope;
use crate::domain::annual_reports::{ReportSchedule, YearQuery};
use crate::domain::directory::{self, DirectoryFilter};
use crate::domain::pagination::Page;
use crate::domain::posts::{self, PostListFilter, PostOrder};
use crate::domain::threads::{self, InboxFilter};
use crate::domain::user::Actor;
use crate::domain::{accreditation, annual_reports, call_applications, membership, partnerships};

/// Whether the selection of the connection being resolved asks, under `nodes` or
/// `edges.node`, for the field at `path`: what a preload must fetch for the whole page.
pub fn selects_in_nodes(ctx: &Context<'_>, path: &[&str]) -> bool {
    let look_ahead = ctx.look_ahead();
    [
        look_ahead.field("nodes"),
        look_ahead.field("edges").field("node"),
    ]
    .into_iter()
    .any(|node| {
        path.iter()
            .fold(node, |field, name| field.field(name))
            .exists()
    })
}

/// Where to count a connection's `totalCount` from, should the client ask for it.
#[derive(Clone, Debug)]
pub enum TotalCount {
    Organisations(DirectoryFilter),
    /// The members of one organisation.
    Members(i64),
    /// The posts the request's actor may read that match a filter, in an ordering's scope.
    Posts(PostListFilter, PostOrder),
    CallApplications(ApplicationScope),
    /// The request's actor's inbox, with a filter.
    Inbox(InboxFilter),
    /// The messages of one thread.
    Messages(i64),
    /// Accreditation applications: one organisation's, or the Secretariat's queue.
    AccreditationApplications(accreditation::ApplicationScope),
    /// The active partners of one organisation.
    Partners(i64),
    /// The unanswered partnership proposals made by or to one organisation.
    PartnershipRequests(i64),
    /// One year's annual reports, for the Secretariat.
    AnnualReports(YearQuery),
}

impl TotalCount {
    async fn count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let db = ctx.data_unchecked::<Database>();
        match self {
            Self::Organisations(filter) => Ok(directory::count_organisations(db, filter).await?),
            Self::Members(organisation_id) => {
                Ok(membership::count_members(db, *organisation_id).await?)
            }
            Self::Posts(filter, order) => {
                let actor = ctx.data_unchecked::<Actor>();
                Ok(posts::count_posts(db, actor, filter, *order).await?)
            }
            Self::CallApplications(scope) => {
                Ok(call_applications::count_applications(db, *scope).await?)
            }
            Self::Inbox(filter) => {
                let actor = ctx.data_unchecked::<Actor>();
                Ok(threads::count_inbox(db, actor, *filter).await?)
            }
            Self::Messages(thread_id) => {
                let loaders = ctx.data_unchecked::<Loaders>();
                let count = loaders.message_counts.load_one(*thread_id).await?;
                Ok(count.unwrap_or(0))
            }
            Self::AccreditationApplications(scope) => {
                let actor = ctx.data_unchecked::<Actor>();
                Ok(accreditation::count_applications(db, actor, scope).await?)
            }
            Self::Partners(organisation_id) => {
                Ok(partnerships::count_partners(db, *organisation_id).await?)
            }
            Self::PartnershipRequests(organisation_id) => {
                Ok(partnerships::count_requests(db, *organisation_id).await?)
            }
            Self::AnnualReports(query) => {
                let actor = ctx.data_unchecked::<Actor>();
                let schedule = *ctx.data_unchecked::<ReportSchedule>();
                Ok(annual_reports::count_year(db, schedule, actor, query).await?)
            }
        }
    }
}

/// A page of a list, with the cursors to fetch the pages either side.
pub struct Connection<N> {
    edges: Vec<Edge<N>>,
    page_info: PageInfo,
    total: TotalCount,
}

impl<N> Connection<N> {
    /// Wraps a domain page, turning each item into its GraphQL node.
    pub fn new<T>(page: Page<T>, total: TotalCount, node: impl Fn(T) -> N) -> Self {
        let page_info = PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.edges.first().map(|(cursor, _)| cursor.clone()),
            end_cursor: page.edges.last().map(|(cursor, _)| cursor.clone()),
        };
        let edges = page
            .edges
            .into_iter()
            .map(|(cursor, item)| Edge {
                cursor,
                node: node(item),
            })
            .collect();
        Self {
            edges,
            page_info,
            total,
        }
    }
}

impl<N: OutputType> TypeName for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// A page of a list. Page forwards with `first` and `after: pageInfo.endCursor`, backwards
/// with `last` and `before: pageInfo.startCursor`.
#[Object(name_type)]
impl<N: OutputType + Clone> Connection<N> {
    /// The items of this page, each with its cursor.
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }

    /// The items of this page, without cursors.
    async fn nodes(&self) -> Vec<N> {
        self.edges.iter().map(|edge| edge.node.clone()).collect()
    }

    /// Whether more pages exist, and the cursors that reach them.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many items the whole list holds with this filter, across all pages. Costs one
    /// extra query; ask for it only when you show it.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        self.total.count(ctx).await
    }
}

/// One item of a list and its position.
pub struct Edge<N> {
    cursor: String,
    node: N,
}

impl<N: OutputType> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// One item of a list and its position in it.
#[Object(name_type)]
impl<N: OutputType + Clone> Edge<N> {
    /// Opaque position of this item; pass it as `after` or `before` to page from here.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The item.
    async fn node(&self) -> &N {
        &self.node
    }
}

/// Where a page sits in its list.
#[derive(Clone, Debug, SimpleObject)]
pub struct PageInfo {
    /// Whether items follow this page.
    has_next_page: bool,
    /// Whether items precede this page.
    has_previous_page: bool,
    /// The cursor of the first item of the page; null when the page is empty.
    start_cursor: Option<String>,
    /// The cursor of the last item of the page; null when the page is empty.
    end_cursor: Option<String>,
}
