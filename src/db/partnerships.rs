//! Queries over partnerships between organisations.
//!
//! A row keeps who proposed (`proposer_id`) and to whom (`recipient_id`); a partner may sit
//! on either side, so the lists of partners look at both. Its table in `schema.rs`:
//!
//! ```text
//! diesel::table! {
//!     partnerships (id) {
//!         id -> BigInt,
//!         proposer_id -> BigInt,
//!         recipient_id -> BigInt,
//!         description -> Text,
//!         status -> Text,
//!         proposed_at -> Timestamp,
//!         responded_at -> Nullable<Timestamp>,
//!         ended_at -> Nullable<Timestamp>,
//!     }
//! }
//! ```

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel::sql_types::BigInt;
use diesel::{
    AsChangeset, BoolExpressionMethods as _, ExpressionMethods as _, Insertable,
    OptionalExtension as _, QueryDsl as _, Queryable, QueryableByName, Selectable,
    SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;

use super::schema::partnerships;
use super::{DbConn, DbError, PageRows};

/// One row of `partnerships`, as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = partnerships)]
pub struct PartnershipRow {
    pub id: i64,
    pub proposer_id: i64,
    pub recipient_id: i64,
    pub description: String,
    pub status: String,
    pub proposed_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

/// A proposal to insert.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = partnerships)]
pub struct NewPartnership<'a> {
    pub proposer_id: i64,
    pub recipient_id: i64,
    pub description: &'a str,
    pub status: &'a str,
    pub proposed_at: NaiveDateTime,
}

/// A change of status, with the time it answers or ends the partnership.
#[derive(Clone, Debug, AsChangeset)]
#[diesel(table_name = partnerships)]
pub struct PartnershipChanges<'a> {
    pub status: &'a str,
    pub responded_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

/// One active partner of an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, QueryableByName)]
pub struct PartnerRow {
    #[diesel(sql_type = BigInt)]
    pub organisation_id: i64,
    #[diesel(sql_type = BigInt)]
    pub partner_id: i64,
}

/// Both sides of every active partnership, as (organisation, partner).
const ACTIVE_SIDES: &str = "SELECT proposer_id AS organisation_id, recipient_id AS partner_id \
     FROM partnerships WHERE status = 'ACTIVE' \
     UNION ALL \
     SELECT recipient_id, proposer_id FROM partnerships WHERE status = 'ACTIVE'";

/// Inserts a proposal; `None` when the two organisations already have an open partnership
/// (the unique index `partnerships_open_pair` refused it).
pub async fn insert(
    conn: &mut DbConn,
    proposal: &NewPartnership<'_>,
) -> Result<Option<PartnershipRow>, DbError> {
    let inserted = crate::on_conn!(conn, |c| {
        diesel::insert_into(partnerships::table)
            .values(proposal)
            .returning(PartnershipRow::as_returning())
            .get_result(c)
            .await
    });

    match inserted {
        Ok(row) => Ok(Some(row)),
        Err(QueryError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Loads the partnerships with these ids; unknown ids are skipped.
pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<PartnershipRow>, DbError> {
    let rows = crate::on_conn!(conn, |c| {
        partnerships::table
            .filter(partnerships::id.eq_any(ids))
            .select(PartnershipRow::as_select())
            .load(c)
            .await
    })?;

    Ok(rows)
}

/// Applies `changes` to a partnership whose status is still `from`; `None` when it no
/// longer is.
pub async fn change_status(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    changes: &PartnershipChanges<'_>,
) -> Result<Option<PartnershipRow>, DbError> {
    let row = crate::on_conn!(conn, |c| {
        diesel::update(
            partnerships::table
                .find(id)
                .filter(partnerships::status.eq(from)),
        )
        .set(changes)
        .returning(PartnershipRow::as_returning())
        .get_result(c)
        .await
        .optional()
    })?;

    Ok(row)
}

/// One page of the partnerships in `status` that involve an organisation on either side,
/// oldest first, paged by id.
pub async fn page_involving(
    conn: &mut DbConn,
    organisation_id: i64,
    status: &str,
    (after, before): (Option<i64>, Option<i64>),
    limit: i64,
    from_end: bool,
) -> Result<PageRows<PartnershipRow>, DbError> {
    let rows: Vec<PartnershipRow> = crate::on_conn!(conn, |c| {
        let mut query = partnerships::table
            .filter(partnerships::status.eq(status))
            .filter(
                partnerships::proposer_id
                    .eq(organisation_id)
                    .or(partnerships::recipient_id.eq(organisation_id)),
            )
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(partnerships::id.gt(after));
        }
        if let Some(before) = before {
            query = query.filter(partnerships::id.lt(before));
        }
        let query = if from_end {
            query.order_by(partnerships::id.desc())
        } else {
            query.order_by(partnerships::id.asc())
        };
        query
            .select(PartnershipRow::as_select())
            .limit(limit + 1)
            .load(c)
            .await
    })?;

    Ok(PageRows::from_extra_row(rows, limit, from_end))
}

/// How many partnerships in `status` involve an organisation on either side.
pub async fn count_involving(
    conn: &mut DbConn,
    organisation_id: i64,
    status: &str,
) -> Result<i64, DbError> {
    let total = crate::on_conn!(conn, |c| {
        partnerships::table
            .filter(partnerships::status.eq(status))
            .filter(
                partnerships::proposer_id
                    .eq(organisation_id)
                    .or(partnerships::recipient_id.eq(organisation_id)),
            )
            .select(count_star())
            .get_result(c)
            .await
    })?;

    Ok(total)
}

/// The first `limit` active partners of each organisation, by partner id, in one statement.
///
/// Ordered by organisation, then partner. Fetch one more than a page to learn whether
/// another page follows.
///
/// Placeholders are written `$n`: PostgreSQL's form, which SQLite reads as named parameters
/// numbered in order of first appearance, so each appears once and in order.
pub async fn first_partners(
    conn: &mut DbConn,
    organisation_ids: &[i64],
    limit: i64,
) -> Result<Vec<PartnerRow>, DbError> {
    if organisation_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=organisation_ids.len())
        .map(|n| format!("${n}"))
        .collect();
    let sql = format!(
        "SELECT ranked.organisation_id, ranked.partner_id FROM ( \
             SELECT sides.organisation_id, sides.partner_id, ROW_NUMBER() OVER ( \
                 PARTITION BY sides.organisation_id ORDER BY sides.partner_id) AS rn \
             FROM ({ACTIVE_SIDES}) sides \
             WHERE sides.organisation_id IN ({}) \
         ) ranked \
         WHERE ranked.rn <= ${} \
         ORDER BY ranked.organisation_id, ranked.partner_id",
        placeholders.join(", "),
        organisation_ids.len() + 1,
    );

    let rows = crate::on_conn!(conn, |c| {
        let mut query = diesel::sql_query(&sql).into_boxed();
        for id in organisation_ids {
            query = query.bind::<BigInt, _>(*id);
        }
        query.bind::<BigInt, _>(limit).load(c).await
    })?;

    Ok(rows)
}

/// One page of an organisation's active partners, by partner id, for pages that start at a
/// cursor or count from the end.
pub async fn partner_page(
    conn: &mut DbConn,
    organisation_id: i64,
    (after, before): (Option<i64>, Option<i64>),
    limit: i64,
    from_end: bool,
) -> Result<PageRows<i64>, DbError> {
    let direction = if from_end { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT sides.organisation_id, sides.partner_id FROM ({ACTIVE_SIDES}) sides \
         WHERE sides.organisation_id = $1 AND sides.partner_id > $2 AND sides.partner_id < $3 \
         ORDER BY sides.partner_id {direction} LIMIT $4"
    );

    let rows: Vec<PartnerRow> = crate::on_conn!(conn, |c| {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(organisation_id)
            .bind::<BigInt, _>(after.unwrap_or(i64::MIN))
            .bind::<BigInt, _>(before.unwrap_or(i64::MAX))
            .bind::<BigInt, _>(limit + 1)
            .load(c)
            .await
    })?;
    let partner_ids = rows.into_iter().map(|row| row.partner_id).collect();

    Ok(PageRows::from_extra_row(partner_ids, limit, from_end))
}
