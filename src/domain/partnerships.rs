//! Partnerships between organisations: one proposes, the other accepts or declines, either
//! side ends an active one. Two organisations have at most one proposed or active
//! partnership at a time; the database enforces it too.
//!
//! Who may do what: anyone sees an organisation's active partners; only its owners and
//! admins propose partnerships for it, accept or decline those proposed to it, end its
//! active ones, and see its proposed, declined or ended ones. The Secretariat's platform
//! roles add nothing here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::DomainError;
use super::directory;
use super::membership::MemberRole;
use super::pagination::{Page, PageArgs, encode_id_cursor};
use super::text_enum::text_enum;
use super::user::Actor;
use super::validation::{FieldProblem, optional_text};
use crate::db::partnerships::{
    self as queries, NewPartnership, PartnershipChanges, PartnershipRow,
};
use crate::db::{self, Database};

const MAX_DESCRIPTION_LENGTH: usize = 2_000;

text_enum! {
    /// Where a partnership stands.
    pub enum PartnershipStatus {
        Proposed => "PROPOSED",
        Active => "ACTIVE",
        Declined => "DECLINED",
        Ended => "ENDED",
    }
}

/// A partnership between two organisations, proposed by one of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Partnership {
    pub id: i64,
    pub proposer_id: i64,
    pub recipient_id: i64,
    pub description: String,
    pub status: PartnershipStatus,
    pub proposed_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl TryFrom<PartnershipRow> for Partnership {
    type Error = DomainError;

    fn try_from(row: PartnershipRow) -> Result<Self, DomainError> {
        let status = PartnershipStatus::parse(&row.status).ok_or_else(|| {
            DomainError::Internal(format!("partnership {} has a bad status", row.id))
        })?;
        Ok(Self {
            id: row.id,
            proposer_id: row.proposer_id,
            recipient_id: row.recipient_id,
            description: row.description,
            status,
            proposed_at: row.proposed_at.and_utc(),
            responded_at: row.responded_at.map(|at| at.and_utc()),
            ended_at: row.ended_at.map(|at| at.and_utc()),
        })
    }
}

/// The recipient's answer to a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnershipResponse {
    Accept,
    Decline,
}

/// Why a partnership could not be proposed or changed, when the user can do something
/// about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnershipProblem {
    Field(FieldProblem),
    /// The two organisations already have a proposed or active partnership.
    AlreadyOpen,
    /// The partnership's status does not allow this.
    WrongStatus(PartnershipStatus),
    /// Someone else changed the partnership meanwhile.
    Changed,
}

/// The outcome of a write: the partnership, or what the user must fix.
pub type PartnershipOutcome = Result<Result<Partnership, PartnershipProblem>, DomainError>;

/// Whether the actor may propose, answer and end partnerships for an organisation, and
/// see its pending ones: its owners and admins.
pub fn may_manage_partnerships(actor: &Actor, organisation_id: i64) -> bool {
    actor
        .role_in(organisation_id)
        .is_some_and(MemberRole::is_admin)
}

/// Whether the actor may see a partnership: anyone while it is active, otherwise the
/// owners and admins of either organisation.
pub fn may_see_partnership(actor: &Actor, partnership: &Partnership) -> bool {
    partnership.status == PartnershipStatus::Active
        || may_manage_partnerships(actor, partnership.proposer_id)
        || may_manage_partnerships(actor, partnership.recipient_id)
}

/// Proposes a partnership to `partner_id` on behalf of `organisation_id`.
pub async fn propose(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    partner_id: i64,
    description: &str,
) -> PartnershipOutcome {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    if !may_manage_partnerships(actor, organisation_id) {
        return Err(DomainError::Forbidden);
    }
    if partner_id == organisation_id {
        let problem = FieldProblem::new("partnerId", "must be another organisation");
        return Ok(Err(PartnershipProblem::Field(problem)));
    }
    let description = match optional_text("description", Some(description), MAX_DESCRIPTION_LENGTH)
    {
        Ok(Some(description)) => description,
        Ok(None) => {
            let problem = FieldProblem::new("description", "must not be empty");
            return Ok(Err(PartnershipProblem::Field(problem)));
        }
        Err(problem) => return Ok(Err(PartnershipProblem::Field(problem))),
    };

    check_standing(db, &[organisation_id, partner_id]).await?;

    let mut conn = db.conn().await?;
    let proposal = NewPartnership {
        proposer_id: organisation_id,
        recipient_id: partner_id,
        description: &description,
        status: PartnershipStatus::Proposed.as_str(),
        proposed_at: db::now(),
    };

    match queries::insert(&mut conn, &proposal).await? {
        Some(row) => Ok(Ok(Partnership::try_from(row)?)),
        None => Ok(Err(PartnershipProblem::AlreadyOpen)),
    }
}

/// Accepts or declines a proposal on behalf of the organisation it was made to.
pub async fn respond(
    db: &Database,
    actor: &Actor,
    id: i64,
    response: PartnershipResponse,
) -> PartnershipOutcome {
    let partnership = visible_partnership(db, actor, id).await?;
    if !may_manage_partnerships(actor, partnership.recipient_id) {
        return Err(DomainError::Forbidden);
    }
    if partnership.status != PartnershipStatus::Proposed {
        return Ok(Err(PartnershipProblem::WrongStatus(partnership.status)));
    }

    let status = match response {
        PartnershipResponse::Accept => {
            check_standing(db, &[partnership.proposer_id, partnership.recipient_id]).await?;
            PartnershipStatus::Active
        }
        PartnershipResponse::Decline => PartnershipStatus::Declined,
    };
    let changes = PartnershipChanges {
        status: status.as_str(),
        responded_at: Some(db::now()),
        ended_at: None,
    };
    move_to(db, &partnership, &changes).await
}

/// Ends an active partnership on behalf of either organisation.
pub async fn end(db: &Database, actor: &Actor, id: i64) -> PartnershipOutcome {
    let partnership = visible_partnership(db, actor, id).await?;
    if !may_manage_partnerships(actor, partnership.proposer_id)
        && !may_manage_partnerships(actor, partnership.recipient_id)
    {
        return Err(DomainError::Forbidden);
    }
    if partnership.status != PartnershipStatus::Active {
        return Ok(Err(PartnershipProblem::WrongStatus(partnership.status)));
    }

    let changes = PartnershipChanges {
        status: PartnershipStatus::Ended.as_str(),
        responded_at: None,
        ended_at: Some(db::now()),
    };
    move_to(db, &partnership, &changes).await
}

/// Refuses a partnership unless both organisations exist and engage freely: a public
/// partnership with an entity not accredited would lend it a standing it does not have.
async fn check_standing(db: &Database, pair: &[i64; 2]) -> Result<(), DomainError> {
    let organisations = directory::organisations_by_ids(db, pair).await?;
    for id in pair {
        let organisation = organisations.get(id).ok_or(DomainError::NotFound)?;
        if !organisation.engages_freely() {
            return Err(DomainError::Refused {
                reason: "NOT_ACCREDITED",
                message: format!(
                    "{} is not accredited, and may not take partners until it is",
                    organisation.name
                ),
            });
        }
    }
    Ok(())
}

async fn visible_partnership(
    db: &Database,
    actor: &Actor,
    id: i64,
) -> Result<Partnership, DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    partnerships_by_ids(db, actor, &[id])
        .await?
        .remove(&id)
        .ok_or(DomainError::NotFound)
}

async fn move_to(
    db: &Database,
    partnership: &Partnership,
    changes: &PartnershipChanges<'_>,
) -> PartnershipOutcome {
    let mut conn = db.conn().await?;
    let from = partnership.status.as_str();
    let row = queries::change_status(&mut conn, partnership.id, from, changes).await?;

    match row {
        Some(row) => Ok(Ok(Partnership::try_from(row)?)),
        None => Ok(Err(PartnershipProblem::Changed)),
    }
}

/// The partnerships with these ids that the actor may see, by id.
pub async fn partnerships_by_ids(
    db: &Database,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Partnership>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::by_ids(&mut conn, ids).await?;

    rows.into_iter()
        .map(Partnership::try_from)
        .filter(|partnership| {
            partnership
                .as_ref()
                .map_or(true, |partnership| may_see_partnership(actor, partnership))
        })
        .map(|partnership| partnership.map(|p| (p.id, p)))
        .collect()
}

/// Whether a page of partners is a first page, which [`first_partner_pages`] serves for
/// many organisations at once.
pub fn is_first_page(args: &PageArgs) -> bool {
    args.after.is_none() && args.before.is_none() && args.last.is_none()
}

/// The first `size` active partners of each organisation, as pages of partner ids, in one
/// statement. Every organisation asked for has a page, empty when it has no partners.
pub async fn first_partner_pages(
    db: &Database,
    organisation_ids: &[i64],
    size: i64,
) -> Result<HashMap<i64, Page<i64>>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = queries::first_partners(&mut conn, organisation_ids, size + 1).await?;

    let empty = || Page {
        edges: Vec::new(),
        has_previous_page: false,
        has_next_page: false,
    };
    let mut pages: HashMap<i64, Page<i64>> =
        organisation_ids.iter().map(|id| (*id, empty())).collect();
    // Rows come by organisation, then partner; one beyond `size` says another page follows.
    for row in rows {
        let page = pages.entry(row.organisation_id).or_insert_with(empty);
        if page.edges.len() as i64 == size {
            page.has_next_page = true;
        } else {
            page.edges
                .push((encode_id_cursor(row.partner_id), row.partner_id));
        }
    }

    Ok(pages)
}

/// One page of an organisation's active partners, as partner ids, by partner id.
pub async fn partner_page(
    db: &Database,
    organisation_id: i64,
    args: &PageArgs,
) -> Result<Page<i64>, DomainError> {
    let window = args.window()?;
    let bounds = args.id_bounds()?;

    let mut conn = db.conn().await?;
    let rows = queries::partner_page(
        &mut conn,
        organisation_id,
        bounds,
        window.limit,
        window.from_end,
    )
    .await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|id| (encode_id_cursor(id), id))
        .collect();

    Ok(Page::new(edges, args, window, rows.has_more))
}

/// How many active partners an organisation has.
pub async fn count_partners(db: &Database, organisation_id: i64) -> Result<i64, DomainError> {
    let mut conn = db.conn().await?;
    let status = PartnershipStatus::Active.as_str();

    Ok(queries::count_involving(&mut conn, organisation_id, status).await?)
}

/// One page of the proposals made by or to an organisation and not yet answered, oldest
/// first; `None` unless the actor is its owner or admin.
pub async fn partnership_requests(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    args: &PageArgs,
) -> Result<Option<Page<Partnership>>, DomainError> {
    if !may_manage_partnerships(actor, organisation_id) {
        return Ok(None);
    }
    let window = args.window()?;
    let bounds = args.id_bounds()?;
    let status = PartnershipStatus::Proposed.as_str();

    let mut conn = db.conn().await?;
    let rows = queries::page_involving(
        &mut conn,
        organisation_id,
        status,
        bounds,
        window.limit,
        window.from_end,
    )
    .await?;
    let edges = rows
        .rows
        .into_iter()
        .map(|row| Ok((encode_id_cursor(row.id), Partnership::try_from(row)?)))
        .collect::<Result<Vec<_>, DomainError>>()?;

    Ok(Some(Page::new(edges, args, window, rows.has_more)))
}

/// How many proposals made by or to an organisation await an answer.
pub async fn count_requests(db: &Database, organisation_id: i64) -> Result<i64, DomainError> {
    let mut conn = db.conn().await?;
    let status = PartnershipStatus::Proposed.as_str();

    Ok(queries::count_involving(&mut conn, organisation_id, status).await?)
}
