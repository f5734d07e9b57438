//! Reading the organisation directory: lists, look-ups and counts.

use std::collections::HashMap;

use super::DomainError;
use super::organisation::{
    AccreditationStatus, Country, EntityCategory, Organisation, OrganisationKind,
};
use super::pagination::{Page, PageArgs, decode_cursor, encode_cursor};
use super::validation::check_text;
use crate::db::Database;
use crate::db::organisations::{self as queries, OrganisationFilter, PageQuery, SortKey};

/// The longest `search` text accepted.
const MAX_SEARCH_LENGTH: usize = 200;

/// Which organisations a list holds; `None` leaves a dimension open, an empty list matches
/// nothing.
#[derive(Clone, Debug, Default)]
pub struct DirectoryFilter {
    pub kinds: Option<Vec<OrganisationKind>>,
    pub categories: Option<Vec<EntityCategory>>,
    pub countries: Option<Vec<Country>>,
    pub accreditation_statuses: Option<Vec<AccreditationStatus>>,
    pub search: Option<String>,
}

/// What a directory list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryOrderField {
    Name,
    Acronym,
    CreatedAt,
}

/// The order of a directory list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectoryOrder {
    pub field: DirectoryOrderField,
    pub descending: bool,
}

impl Default for DirectoryOrder {
    fn default() -> Self {
        Self {
            field: DirectoryOrderField::Name,
            descending: false,
        }
    }
}

impl DirectoryFilter {
    /// Validates the filter and puts it in the terms the queries use.
    fn to_query(&self) -> Result<OrganisationFilter, DomainError> {
        fn names<T: Copy>(
            values: &Option<Vec<T>>,
            name: fn(T) -> &'static str,
        ) -> Option<Vec<String>> {
            values
                .as_ref()
                .map(|values| values.iter().map(|v| name(*v).to_owned()).collect())
        }
        let search = match self.search.as_deref().map(str::trim) {
            Some(text) if text.chars().count() > MAX_SEARCH_LENGTH => {
                return Err(DomainError::invalid(format!(
                    "`search` may be at most {MAX_SEARCH_LENGTH} characters"
                )));
            }
            Some("") | None => None,
            Some(text) => {
                check_text("search", text)?;
                Some(text.to_owned())
            }
        };

        Ok(OrganisationFilter {
            kinds: names(&self.kinds, OrganisationKind::as_str),
            categories: names(&self.categories, EntityCategory::as_str),
            countries: names(&self.countries, Country::as_str),
            accreditation_statuses: names(
                &self.accreditation_statuses,
                AccreditationStatus::as_str,
            ),
            search,
        })
    }
}

/// One page of the directory.
pub async fn list_organisations(
    db: &Database,
    filter: &DirectoryFilter,
    order: DirectoryOrder,
    args: &PageArgs,
) -> Result<Page<Organisation>, DomainError> {
    let query_filter = filter.to_query()?;
    let window = args.window()?;
    let sort = match order.field {
        DirectoryOrderField::Name => SortKey::Name,
        DirectoryOrderField::Acronym => SortKey::Acronym,
        DirectoryOrderField::CreatedAt => SortKey::CreatedAt,
    };
    let after = args
        .after
        .as_deref()
        .map(|c| decode_cursor("after", c))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| decode_cursor("before", c))
        .transpose()?;
    for (name, keyset) in [("after", &after), ("before", &before)] {
        if keyset.as_ref().is_some_and(|keyset| !sort.accepts(keyset)) {
            return Err(DomainError::invalid(format!(
                "`{name}` is a cursor of another ordering; keep `orderBy` the same while paging"
            )));
        }
    }

    let page = PageQuery {
        sort,
        descending: order.descending,
        after,
        before,
        limit: window.limit,
        from_end: window.from_end,
    };
    let mut conn = db.conn().await?;
    let rows = queries::page(&mut conn, &query_filter, &page).await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|row| {
            let cursor = encode_cursor(&sort.keyset_of(&row));
            Ok((cursor, Organisation::try_from(row)?))
        })
        .collect::<Result<Vec<_>, DomainError>>()?;

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// How many organisations a filter matches.
pub async fn count_organisations(
    db: &Database,
    filter: &DirectoryFilter,
) -> Result<i64, DomainError> {
    let query_filter = filter.to_query()?;
    let mut conn = db.conn().await?;

    Ok(queries::count(&mut conn, &query_filter).await?)
}

/// The organisation with this slug, if any.
pub async fn organisation_by_slug(
    db: &Database,
    slug: &str,
) -> Result<Option<Organisation>, DomainError> {
    check_text("slug", slug)?;
    let mut conn = db.conn().await?;
    let row = queries::by_slug(&mut conn, slug).await?;

    row.map(Organisation::try_from).transpose()
}

/// The organisations with these ids, by id; unknown ids are absent.
pub async fn organisations_by_ids(
    db: &Database,
    ids: &[i64],
) -> Result<HashMap<i64, Organisation>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;

    rows.into_iter()
        .map(|row| Ok((row.id, Organisation::try_from(row)?)))
        .collect()
}
