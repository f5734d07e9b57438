//! Partnerships in the graph: the `Partnership` type, `Organisation.partners` and
//! `Organisation.partnershipRequests`, and `proposePartnership`, `acceptPartnership`,
//! `declinePartnership` and `endPartnership`.

use std::collections::{BTreeSet, HashMap};

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SelectionField, SimpleObject, Value};

use super::connection::{Connection, TotalCount};
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::Organisation;
use super::scalars::DateTime;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageArgs};
use crate::domain::partnerships::{self as model, PartnershipOutcome, PartnershipProblem};
use crate::domain::user::Actor;

/// Where a partnership stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::PartnershipStatus")]
pub enum PartnershipStatus {
    /// Proposed; the other organisation has not answered yet.
    Proposed,
    /// Accepted: the two organisations are partners until either ends it.
    Active,
    /// Declined by the organisation it was proposed to. Final; a new proposal may follow.
    Declined,
    /// Ended by either organisation. Final; a new proposal may follow.
    Ended,
}

/// A partnership between two organisations.
#[derive(Clone, Debug)]
pub struct Partnership(pub model::Partnership);

/// A partnership between two organisations, proposed by one of them. Anyone may see an
/// active one; otherwise only the owners and admins of the two organisations.
#[Object]
impl Partnership {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::Partnership(self.0.id).encode()
    }

    /// Where it stands.
    async fn status(&self) -> PartnershipStatus {
        self.0.status.into()
    }

    /// What the proposing organisation wrote about it, in plain text.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The organisation that proposed it.
    async fn proposed_by(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation(ctx, self.0.proposer_id).await
    }

    /// The organisation it was proposed to, which accepts or declines it.
    async fn proposed_to(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation(ctx, self.0.recipient_id).await
    }

    /// When it was proposed.
    async fn proposed_at(&self) -> DateTime {
        DateTime(self.0.proposed_at)
    }

    /// When it was accepted or declined; null while proposed.
    async fn responded_at(&self) -> Option<DateTime> {
        self.0.responded_at.map(DateTime)
    }

    /// When it was ended; null unless ended.
    async fn ended_at(&self) -> Option<DateTime> {
        self.0.ended_at.map(DateTime)
    }
}

async fn organisation(ctx: &Context<'_>, id: i64) -> ApiResult<Organisation> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let organisation = loaders.organisations.load_one(id).await?;
    organisation
        .map(Organisation::from)
        .ok_or(ApiError::Internal)
}

/// `Organisation.partners`: one page of an organisation's active partners, by id.
///
/// First pages come from [`PartnerPageLoader`], so that sibling organisations load theirs in
/// one statement; pages that start at a cursor or count from the end are queried alone.
pub async fn partners(
    ctx: &Context<'_>,
    organisation_id: i64,
    args: PageArgs,
) -> ApiResult<Connection<Organisation>> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let page = if model::is_first_page(&args) {
        let size = args.window()?.limit;
        let key = FirstPartners {
            organisation_id,
            size,
        };
        let page = loaders.partner_pages.load_one(key).await?;
        page.ok_or(ApiError::Internal)?
    } else {
        let db = ctx.data_unchecked::<Database>();
        model::partner_page(db, organisation_id, &args).await?
    };

    let partner_ids: Vec<i64> = page.edges.iter().map(|(_, id)| *id).collect();
    let organisations = loaders
        .organisations
        .load_many(partner_ids.iter().copied())
        .await?;
    preload_partners(ctx, &partner_ids).await?;

    let edges = page
        .edges
        .into_iter()
        .filter_map(|(cursor, id)| Some((cursor, organisations.get(&id)?.clone())))
        .collect();
    let page = Page {
        edges,
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
    };
    let total = TotalCount::Partners(organisation_id);
    Ok(Connection::new(page, total, Organisation::from))
}

/// Loads, in one batch per level and as deep as the selection goes, the first pages of
/// partners that the selection under a page of partners asks for, and the organisations on
/// them, so that every organisation below finds its page in the request's cache (see
/// `membership::preload`). Siblings batching their own loads would make the count depend on
/// timing.
async fn preload_partners(ctx: &Context<'_>, partner_ids: &[i64]) -> ApiResult<()> {
    let levels = nested_page_sizes(ctx)?;
    let loaders = ctx.data_unchecked::<Loaders>();

    let mut parents = partner_ids.to_vec();
    for sizes in levels {
        let mut children = Vec::new();
        for size in sizes {
            let keys = parents.iter().map(|&organisation_id| FirstPartners {
                organisation_id,
                size,
            });
            let pages = loaders.partner_pages.load_many(keys).await?;
            children.extend(
                pages
                    .values()
                    .flat_map(|page| page.edges.iter().map(|(_, id)| *id)),
            );
        }
        children.sort_unstable();
        children.dedup();
        loaders.organisations.load_many(children.clone()).await?;
        parents = children;
    }

    Ok(())
}

/// The page sizes of the first pages of `partners` selected under this page of partners,
/// one set per level down, for as many levels as the selection nests.
fn nested_page_sizes(ctx: &Context<'_>) -> ApiResult<Vec<BTreeSet<i64>>> {
    let mut levels = Vec::new();
    let mut connections = vec![ctx.look_ahead()];
    loop {
        let nested: Vec<_> = connections
            .iter()
            .flat_map(|connection| {
                [
                    connection.field("nodes").field("partners"),
                    connection.field("edges").field("node").field("partners"),
                ]
            })
            .filter(|partners| partners.exists())
            .collect();
        if nested.is_empty() {
            return Ok(levels);
        }
        let mut sizes = BTreeSet::new();
        for partners in &nested {
            for selection in partners.selection_fields() {
                sizes.extend(first_page_size(&selection)?);
            }
        }
        levels.push(sizes);
        connections = nested;
    }
}

/// The page size of a selected `partners` field that asks for a first page; `None` when it
/// asks for another page, or for one it will refuse.
pub(super) fn first_page_size(selection: &SelectionField<'_>) -> ApiResult<Option<i64>> {
    let arguments: HashMap<String, Value> = selection
        .arguments()
        .map_err(|error| ApiError::BadUserInput(error.message))?
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    let given = |name: &str| arguments.get(name).is_some_and(|v| *v != Value::Null);
    if given("after") || given("before") || given("last") {
        return Ok(None);
    }

    Ok(match arguments.get("first") {
        None | Some(Value::Null) => Some(i64::from(DEFAULT_PAGE_SIZE)),
        Some(Value::Number(first)) => first
            .as_i64()
            .filter(|size| (1..=i64::from(MAX_PAGE_SIZE)).contains(size)),
        Some(_) => None,
    })
}

/// `Organisation.partnershipRequests`: one page of its unanswered proposals, made or
/// received; null unless the actor is its owner or admin.
pub async fn partnership_requests(
    ctx: &Context<'_>,
    organisation_id: i64,
    args: PageArgs,
) -> ApiResult<Option<Connection<Partnership>>> {
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();

    let page = model::partnership_requests(db, actor, organisation_id, &args).await?;
    let Some(page) = page else {
        return Ok(None);
    };
    let look_ahead = ctx.look_ahead();
    let selects = |field: &str| {
        look_ahead.field("nodes").field(field).exists()
            || look_ahead
                .field("edges")
                .field("node")
                .field(field)
                .exists()
    };
    if selects("proposedBy") || selects("proposedTo") {
        let ids: Vec<i64> = page
            .edges
            .iter()
            .flat_map(|(_, p)| [p.proposer_id, p.recipient_id])
            .collect();
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organisations.load_many(ids).await?;
    }

    let total = TotalCount::PartnershipRequests(organisation_id);
    Ok(Some(Connection::new(page, total, Partnership)))
}

/// The first page of one organisation's partners, of `size` partners.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FirstPartners {
    pub organisation_id: i64,
    pub size: i64,
}

/// Loads first pages of partners, one statement per page size among the keys.
pub struct PartnerPageLoader(pub Database);

impl Loader<FirstPartners> for PartnerPageLoader {
    type Value = Page<i64>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[FirstPartners],
    ) -> Result<HashMap<FirstPartners, Page<i64>>, ApiError> {
        let mut by_size: HashMap<i64, Vec<i64>> = HashMap::new();
        for key in keys {
            by_size
                .entry(key.size)
                .or_default()
                .push(key.organisation_id);
        }

        let mut pages = HashMap::with_capacity(keys.len());
        for (size, organisation_ids) in by_size {
            let loaded = model::first_partner_pages(&self.0, &organisation_ids, size).await?;
            pages.extend(loaded.into_iter().map(|(organisation_id, page)| {
                let key = FirstPartners {
                    organisation_id,
                    size,
                };
                (key, page)
            }));
        }
        Ok(pages)
    }
}

/// Loads the partnerships the request's actor may see, by id.
pub struct PartnershipLoader(pub Database, pub Actor);

impl Loader<i64> for PartnershipLoader {
    type Value = model::Partnership;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, model::Partnership>, ApiError> {
        Ok(model::partnerships_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// A proposal of partnership.
#[derive(Debug, InputObject)]
pub struct ProposePartnershipInput {
    /// The organisation proposing, as read from `Organisation.id`; you must be its admin
    /// or owner.
    organisation_id: ID,
    /// The organisation to partner with, as read from `Organisation.id`.
    partner_id: ID,
    /// What the partnership is about, in plain text; 1 to 2,000 characters.
    description: String,
}

/// The partnership to accept, decline or end.
#[derive(Debug, InputObject)]
pub struct ChangePartnershipInput {
    /// The partnership, as read from `Partnership.id`.
    partnership_id: ID,
}

/// What the partnership mutations return.
#[derive(Debug, Default, SimpleObject)]
pub struct PartnershipPayload {
    /// The partnership as it now stands; null on failure.
    partnership: Option<Partnership>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// Partnerships on `Mutation`.
#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
    /// Proposes a partnership to another organisation on behalf of one you are an admin or
    /// owner of. Two organisations have at most one proposed or active partnership.
    async fn propose_partnership(
        &self,
        ctx: &Context<'_>,
        input: ProposePartnershipInput,
    ) -> ApiResult<PartnershipPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let organisation_id = organisation_id_of("organisationId", &input.organisation_id)?;
        let partner_id = organisation_id_of("partnerId", &input.partner_id)?;

        let outcome =
            model::propose(db, actor, organisation_id, partner_id, &input.description).await;
        payload(outcome)
    }

    /// Accepts a partnership proposed to an organisation you are an admin or owner of: the
    /// two become partners, listed publicly under `partners`.
    async fn accept_partnership(
        &self,
        ctx: &Context<'_>,
        input: ChangePartnershipInput,
    ) -> ApiResult<PartnershipPayload> {
        respond(ctx, &input, model::PartnershipResponse::Accept).await
    }

    /// Declines a partnership proposed to an organisation you are an admin or owner of.
    async fn decline_partnership(
        &self,
        ctx: &Context<'_>,
        input: ChangePartnershipInput,
    ) -> ApiResult<PartnershipPayload> {
        respond(ctx, &input, model::PartnershipResponse::Decline).await
    }

    /// Ends an active partnership of an organisation you are an admin or owner of; either
    /// side may.
    async fn end_partnership(
        &self,
        ctx: &Context<'_>,
        input: ChangePartnershipInput,
    ) -> ApiResult<PartnershipPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = partnership_id(&input.partnership_id)?;

        payload(model::end(db, actor, id).await)
    }
}

async fn respond(
    ctx: &Context<'_>,
    input: &ChangePartnershipInput,
    response: model::PartnershipResponse,
) -> ApiResult<PartnershipPayload> {
    let (db, actor) = (
        ctx.data_unchecked::<Database>(),
        ctx.data_unchecked::<Actor>(),
    );
    let id = partnership_id(&input.partnership_id)?;

    payload(model::respond(db, actor, id, response).await)
}

fn organisation_id_of(argument: &str, id: &ID) -> ApiResult<i64> {
    match NodeId::decode(id)? {
        NodeId::Organisation(id) => Ok(id),
        _ => Err(ApiError::BadUserInput(format!(
            "`{argument}` is not an organisation"
        ))),
    }
}

fn partnership_id(id: &ID) -> ApiResult<i64> {
    match NodeId::decode(id)? {
        NodeId::Partnership(id) => Ok(id),
        _ => Err(ApiError::BadUserInput(
            "`partnershipId` is not a partnership".into(),
        )),
    }
}

fn payload(outcome: PartnershipOutcome) -> ApiResult<PartnershipPayload> {
    Ok(match outcome? {
        Ok(partnership) => PartnershipPayload {
            partnership: Some(Partnership(partnership)),
            user_errors: Vec::new(),
        },
        Err(problem) => PartnershipPayload {
            partnership: None,
            user_errors: vec![user_error(problem)],
        },
    })
}

fn user_error(problem: PartnershipProblem) -> UserError {
    match problem {
        PartnershipProblem::Field(problem) => {
            UserError::on_input(problem.field, UserErrorCode::Invalid, problem.problem)
        }
        PartnershipProblem::AlreadyOpen => UserError::on_input(
            "partnerId",
            UserErrorCode::Taken,
            "already has a proposed or active partnership with this organisation",
        ),
        PartnershipProblem::WrongStatus(status) => UserError::on_input(
            "partnershipId",
            UserErrorCode::WrongStatus,
            &format!(
                "is {} and can no longer take this change",
                status.as_str().to_lowercase()
            ),
        ),
        PartnershipProblem::Changed => UserError::on_input(
            "partnershipId",
            UserErrorCode::Changed,
            "was changed by someone else meanwhile; look again",
        ),
    }
}
