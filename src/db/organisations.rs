//! Queries over the organisation directory.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::expression_methods::EscapeExpressionMethods as _;
use diesel::sql_types::{Nullable, Text};
use diesel::{
    AsChangeset, BoolExpressionMethods as _, ExpressionMethods as _, Insertable,
    OptionalExtension as _, QueryDsl as _, Queryable, Selectable, SelectableHelper as _,
    TextExpressionMethods as _,
};
use diesel_async::RunQueryDsl as _;

use super::memberships::NewInvitation;
use super::schema::{invitations, organisations};
use super::stamp::Stamp;
use super::{DbConn, DbError, PageRows};

diesel::define_sql_function!(fn lower(x: Text) -> Text);
diesel::define_sql_function!(fn coalesce(x: Nullable<Text>, y: Text) -> Text);

/// One row of `organisations`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: i64,
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub acronym: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub category: Option<String>,
    pub accreditation_status: Option<String>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    pub accredited_on: Option<NaiveDate>,
}

/// An organisation to insert, or the values to set on the one with the same slug.
#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct NewOrganisation {
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub acronym: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub category: Option<String>,
    pub accreditation_status: Option<String>,
}

impl NewOrganisation {
    /// An organisation with only what every row must have; set the rest with `..`.
    pub fn new(slug: &str, kind: &str, name: &str) -> Self {
        Self {
            slug: slug.to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            acronym: None,
            description: None,
            website: None,
            country: None,
            city: None,
            established_on: None,
            category: None,
            accreditation_status: None,
        }
    }

    /// Whether the stored row already holds these values, timestamps aside.
    fn matches(&self, row: &OrganisationRow) -> bool {
        self.kind == row.kind
            && self.name == row.name
            && self.acronym == row.acronym
            && self.description == row.description
            && self.website == row.website
            && self.country == row.country
            && self.city == row.city
            && self.established_on == row.established_on
            && self.category == row.category
            && self.accreditation_status == row.accreditation_status
    }
}

/// Which organisations a list holds. `None` leaves a dimension unfiltered; an empty list
/// matches nothing.
#[derive(Clone, Debug, Default)]
pub struct OrganisationFilter {
    pub kinds: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    pub countries: Option<Vec<String>>,
    pub accreditation_statuses: Option<Vec<String>>,
    /// Matched case-insensitively (ASCII) anywhere in the name or the acronym.
    pub search: Option<String>,
}

/// A position in one ordering: the sort key's value and the id that breaks ties.
#[derive(Clone, Debug, PartialEq)]
pub enum Keyset {
    /// `lower(name)`.
    Name(String, i64),
    /// `lower(coalesce(acronym, name))`: organisations without an acronym sort by name.
    Acronym(String, i64),
    CreatedAt(NaiveDateTime, i64),
}

/// The orderings a list can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Acronym,
    CreatedAt,
}

impl SortKey {
    /// The position of `row` in this ordering, computed as the SQL sort key computes it.
    ///
    /// Both backends lower-case only ASCII letters here (PostgreSQL because the columns use
    /// the "C" collation), so `to_ascii_lowercase` is exact.
    pub fn keyset_of(self, row: &OrganisationRow) -> Keyset {
        match self {
            Self::Name => Keyset::Name(row.name.to_ascii_lowercase(), row.id),
            Self::Acronym => {
                let key = row
                    .acronym
                    .as_deref()
                    .unwrap_or(&row.name)
                    .to_ascii_lowercase();
                Keyset::Acronym(key, row.id)
            }
            Self::CreatedAt => Keyset::CreatedAt(row.created_at, row.id),
        }
    }

    /// Whether `keyset` is a position in this ordering.
    pub fn accepts(self, keyset: &Keyset) -> bool {
        matches!(
            (self, keyset),
            (Self::Name, Keyset::Name(..))
                | (Self::Acronym, Keyset::Acronym(..))
                | (Self::CreatedAt, Keyset::CreatedAt(..))
        )
    }
}

/// One page of a keyset-paginated list.
#[derive(Clone, Debug)]
pub struct PageQuery {
    pub sort: SortKey,
    pub descending: bool,
    /// Only rows strictly after this position, in the requested order.
    pub after: Option<Keyset>,
    /// Only rows strictly before this position, in the requested order.
    pub before: Option<Keyset>,
    pub limit: i64,
    /// Take the last `limit` rows of the range rather than the first.
    pub from_end: bool,
}

/// Builds a boxed `organisations` query with the filter applied; the backend is inferred.
macro_rules! filtered {
    ($filter:expr) => {{
        let filter: &OrganisationFilter = $filter;
        let mut query = organisations::table.into_boxed();
        if let Some(kinds) = &filter.kinds {
            query = query.filter(organisations::kind.eq_any(kinds.clone()));
        }
        if let Some(categories) = &filter.categories {
            query = query.filter(organisations::category.eq_any(categories.clone()));
        }
        if let Some(countries) = &filter.countries {
            query = query.filter(organisations::country.eq_any(countries.clone()));
        }
        if let Some(statuses) = &filter.accreditation_statuses {
            query = query.filter(organisations::accreditation_status.eq_any(statuses.clone()));
        }
        if let Some(search) = &filter.search {
            let pattern = like_pattern(search);
            query = query.filter(
                lower(organisations::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(coalesce(organisations::acronym, ""))
                        .like(pattern)
                        .escape('\\')),
            );
        }
        query
    }};
}

/// Restricts `$query` to rows beyond `($value, $id)` and orders it by the key, then the id.
macro_rules! keyset_order {
    ($query:ident, $page:expr, $key:expr, $variant:path) => {{
        let page: &PageQuery = $page;
        for (bound, after) in [(&page.after, true), (&page.before, false)] {
            if let Some($variant(value, id)) = bound {
                let (value, id) = (value.clone(), *id);
                // Strictly after in ascending order, or strictly before in descending
                // order, both mean "greater than".
                $query = if after != page.descending {
                    $query.filter(
                        $key.gt(value.clone())
                            .or($key.eq(value).and(organisations::id.gt(id))),
                    )
                } else {
                    $query.filter(
                        $key.lt(value.clone())
                            .or($key.eq(value).and(organisations::id.lt(id))),
                    )
                };
            }
        }
        if page.descending != page.from_end {
            $query
                .order_by($key.desc())
                .then_order_by(organisations::id.desc())
        } else {
            $query
                .order_by($key.asc())
                .then_order_by(organisations::id.asc())
        }
    }};
}

/// Loads one page of organisations in the requested order.
///
/// Bounds must be positions in `page.sort` (see [`SortKey::accepts`]); others are ignored.
pub async fn page(
    conn: &mut DbConn,
    filter: &OrganisationFilter,
    page: &PageQuery,
) -> Result<PageRows<OrganisationRow>, DbError> {
    let rows: Vec<OrganisationRow> = crate::on_conn!(conn, |c| {
        let mut query = filtered!(filter);
        let query = match page.sort {
            SortKey::Name => keyset_order!(query, page, lower(organisations::name), Keyset::Name),
            SortKey::Acronym => keyset_order!(
                query,
                page,
                lower(coalesce(organisations::acronym, organisations::name)),
                Keyset::Acronym
            ),
            SortKey::CreatedAt => {
                keyset_order!(query, page, organisations::created_at, Keyset::CreatedAt)
            }
        };
        query
            .select(OrganisationRow::as_select())
            .limit(page.limit + 1)
            .load(c)
            .await
    })?;

    Ok(PageRows::from_extra_row(rows, page.limit, page.from_end))
}

/// Counts the organisations a filter matches.
pub async fn count(conn: &mut DbConn, filter: &OrganisationFilter) -> Result<i64, DbError> {
    let total = crate::on_conn!(conn, |c| {
        filtered!(filter).select(count_star()).get_result(c).await
    })?;

    Ok(total)
}

/// The ids of the organisations a filter matches.
pub async fn ids(conn: &mut DbConn, filter: &OrganisationFilter) -> Result<Vec<i64>, DbError> {
    let ids = crate::on_conn!(conn, |c| {
        filtered!(filter).select(organisations::id).load(c).await
    })?;

    Ok(ids)
}

/// Loads the organisations with these ids, in no particular order; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<OrganisationRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        organisations::table
            .filter(organisations::id.eq_any(ids))
            .select(OrganisationRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Loads the organisation with this slug.
pub async fn by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<OrganisationRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        organisations::table
            .filter(organisations::slug.eq(slug))
            .select(OrganisationRow::as_select())
            .first(c)
            .await
            .optional()
    })?;

    Ok(row)
}

/// What [`upsert_by_slug`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpsertReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Inserts the organisations whose slug is new and updates those whose values differ, in one
/// transaction; rows that already match are left alone, timestamps included.
pub async fn upsert_by_slug(
    conn: &mut DbConn,
    organisations: &[NewOrganisation],
    now: NaiveDateTime,
) -> Result<UpsertReport, DbError> {
    let slugs: Vec<&str> = organisations.iter().map(|o| o.slug.as_str()).collect();

    let report = crate::write_transaction!(conn, |c| {
        let existing: Vec<OrganisationRow> = organisations::table
            .filter(organisations::slug.eq_any(&slugs))
            .select(OrganisationRow::as_select())
            .load(c)
            .await?;
        let mut report = UpsertReport::default();
        for organisation in organisations {
            match existing.iter().find(|row| row.slug == organisation.slug) {
                None => {
                    // Another instance seeding the same empty database may have inserted
                    // it since the read above: leave its row.
                    report.inserted += diesel::insert_into(organisations::table)
                        .values((
                            organisation,
                            organisations::created_at.eq(now),
                            organisations::updated_at.eq(now),
                        ))
                        .on_conflict(organisations::slug)
                        .do_nothing()
                        .execute(c)
                        .await?;
                }
                Some(row) if organisation.matches(row) => report.unchanged += 1,
                Some(row) => {
                    diesel::update(organisations::table.find(row.id))
                        .set((organisation, organisations::updated_at.eq(now)))
                        .execute(c)
                        .await?;
                    report.updated += 1;
                }
            }
        }
        Ok::<_, diesel::result::Error>(report)
    })?;

    Ok(report)
}

/// Escapes `%`, `_` and `\` and wraps the lower-cased text for a "contains" `LIKE`.
fn like_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for ch in search.to_ascii_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// Changes to an organisation's profile: `None` leaves a column as it is; for nullable
/// columns `Some(None)` clears it.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub acronym: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub established_on: Option<Option<NaiveDate>>,
}

/// Applies profile changes and stamps `updated_at`; returns whether the organisation exists.
pub async fn update_profile(
    conn: &mut DbConn,
    id: i64,
    changes: &ProfileChanges,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let touched = crate::on_conn!(conn, |c| {
        diesel::update(organisations::table.find(id))
            .set((changes, organisations::updated_at.eq(now)))
            .execute(c)
            .await
    })?;

    Ok(touched == 1)
}

/// Inserts a new organisation and, if given, the invitation of its first owner, in one
/// transaction; `None` (and nothing written) when the slug is taken.
pub async fn insert_with_invitation(
    conn: &mut DbConn,
    organisation: &NewOrganisation,
    now: NaiveDateTime,
    invitation: Option<&NewInvitation<'_>>,
) -> Result<Option<i64>, DbError> {
    let id = crate::write_transaction!(conn, |c| {
        let id: Option<i64> = diesel::insert_into(organisations::table)
            .values((
                organisation,
                organisations::created_at.eq(now),
                organisations::updated_at.eq(now),
            ))
            .on_conflict(organisations::slug)
            .do_nothing()
            .returning(organisations::id)
            .get_result(c)
            .await
            .optional()?;
        if let (Some(id), Some(invitation)) = (id, invitation) {
            let invitation = NewInvitation {
                organisation_id: id,
                ..invitation.clone()
            };
            diesel::insert_into(invitations::table)
                .values(&invitation)
                .execute(c)
                .await?;
        }
        Ok::<_, diesel::result::Error>(id)
    })?;

    Ok(id)
}
