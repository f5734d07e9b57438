//! The directory's entry points on `Query`: `organisation(slug:)` and `organisations`, with
//! their filter and order inputs.

use async_graphql::{Context, Enum, InputObject, Object};

use super::connection::{Connection, TotalCount};
use super::error::ApiResult;
use super::organisation::{
    AccreditationStatus, Country, EntityCategory, Organisation, OrganisationKind,
};
use super::post_query;
use crate::db::Database;
use crate::domain::directory::{self, DirectoryFilter, DirectoryOrder, DirectoryOrderField};
use crate::domain::pagination::PageArgs;

/// Narrows a list of organisations. Every field left out or null matches all; an empty list
/// matches none. Fields combine with AND, values within a field with OR.
#[derive(Clone, Debug, Default, InputObject)]
pub struct OrganisationFilter {
    /// Only these kinds of organisation.
    kinds: Option<Vec<OrganisationKind>>,
    /// Only entities in these Annex 2 categories.
    categories: Option<Vec<EntityCategory>>,
    /// Only organisations seated in these Member States.
    countries: Option<Vec<Country>>,
    /// Only entities with these accreditation statuses.
    accreditation_statuses: Option<Vec<AccreditationStatus>>,
    /// Text found anywhere in the name or the acronym, ignoring case (of ASCII letters);
    /// at most 200 characters.
    search: Option<String>,
}

impl From<OrganisationFilter> for DirectoryFilter {
    fn from(filter: OrganisationFilter) -> Self {
        fn all<T, U: From<T>>(values: Option<Vec<T>>) -> Option<Vec<U>> {
            values.map(|values| values.into_iter().map(U::from).collect())
        }
        Self {
            kinds: all(filter.kinds),
            categories: all(filter.categories),
            countries: all(filter.countries),
            accreditation_statuses: all(filter.accreditation_statuses),
            search: filter.search,
        }
    }
}

/// What to sort organisations by. Equal values keep the order in which the organisations
/// were added (reversed when descending), so the order is total and pages never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum OrganisationOrderField {
    /// The name, ignoring case (of ASCII letters).
    Name,
    /// The acronym, ignoring case; organisations without one sort by their name.
    Acronym,
    /// When the organisation joined the directory.
    CreatedAt,
}

/// Which way to sort.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
pub enum OrderDirection {
    /// Smallest first: A to Z, oldest first.
    #[default]
    Asc,
    /// Largest first: Z to A, newest first.
    Desc,
}

/// How to sort a list of organisations.
#[derive(Clone, Copy, Debug, InputObject)]
pub struct OrganisationOrder {
    /// The field to sort by.
    field: OrganisationOrderField,
    /// Which way; ascending when left out.
    #[graphql(default)]
    direction: OrderDirection,
}

impl From<OrganisationOrder> for DirectoryOrder {
    fn from(order: OrganisationOrder) -> Self {
        let field = match order.field {
            OrganisationOrderField::Name => DirectoryOrderField::Name,
            OrganisationOrderField::Acronym => DirectoryOrderField::Acronym,
            OrganisationOrderField::CreatedAt => DirectoryOrderField::CreatedAt,
        };
        Self {
            field,
            descending: order.direction == OrderDirection::Desc,
        }
    }
}

/// The directory's entry points on `Query`.
#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// The organisation with this slug, or null if there is none.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's slug, such as `aipa`.")] slug: String,
    ) -> ApiResult<Option<Organisation>> {
        let db = ctx.data_unchecked::<Database>();
        let organisation = directory::organisation_by_slug(db, &slug).await?;

        Ok(organisation.map(Organisation::from))
    }

    /// The directory of organisations, a page at a time: by name unless `orderBy` says
    /// otherwise, 20 to a page unless `first` or `last` says otherwise.
    #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus filter and order"
    )]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the item with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
        last: Option<i32>,
        #[graphql(desc = "End before the item with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which organisations to include; all when left out.")] filter: Option<
            OrganisationFilter,
        >,
        #[graphql(desc = "How to sort them; by name, A to Z, when left out.")] order_by: Option<
            OrganisationOrder,
        >,
    ) -> ApiResult<Connection<Organisation>> {
        let db = ctx.data_unchecked::<Database>();
        let filter = DirectoryFilter::from(filter.unwrap_or_default());
        let order = order_by.map(DirectoryOrder::from).unwrap_or_default();
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };

        let page = directory::list_organisations(db, &filter, order, &args).await?;
        let ids: Vec<i64> = page.edges.iter().map(|(_, org)| org.id).collect();
        post_query::preload_first_pages(ctx, &ids).await?;

        Ok(Connection::new(
            page,
            TotalCount::Organisations(filter),
            Organisation::from,
        ))
    }
}
