//! The directory in the graph: the `Organisation` interface, its three types, and its enums.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Interface, Object};

use super::accreditation::{self, AccreditationApplication, AccreditationStatusChange};
use super::annual_report::{self, AnnualReport};
use super::call_application::CallApplication;
use super::connection::{Connection, TotalCount};
use super::error::ApiResult;
use super::membership::{Membership, preload};
use super::partnership::{self, Partnership};
use super::post::Post;
use super::post_query::{self, PostFilter, PostOrder};

use super::ids::NodeId;
use super::scalars::{Date, DateTime};
use crate::db::Database;
use crate::db::call_applications::ApplicationScope;
use crate::domain::organisation::{self as model, OrganisationProfile};
use crate::domain::pagination::PageArgs;
use crate::domain::user::Actor;
use crate::domain::{call_applications, membership};

/// What kind of body an organisation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::OrganisationKind")]
pub enum OrganisationKind {
    /// An entity associated with ASEAN, listed in Annex 2 of the ASEAN Charter.
    Entity,
    /// An ASEAN centre or similar body set up by ASEAN or its partners.
    Centre,
    /// The ASEAN Secretariat, which runs the platform and reviews accreditation.
    Secretariat,
}

/// The Annex 2 category an entity is accredited in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::EntityCategory")]
pub enum EntityCategory {
    /// Parliamentarians and the judiciary.
    ParliamentariansAndJudiciary,
    /// Business organisations.
    BusinessOrganisation,
    /// Think tanks and academic institutions.
    ThinkTankAndAcademicInstitution,
    /// Civil society organisations.
    CivilSocietyOrganisation,
    /// Other stakeholders in ASEAN.
    OtherStakeholder,
}

/// Where an entity stands in accreditation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::AccreditationStatus")]
pub enum AccreditationStatus {
    /// Has applied, or is about to; not yet accredited.
    Applicant,
    /// Accredited by the Committee of Permanent Representatives.
    Accredited,
    /// Accreditation suspended for now.
    Suspended,
    /// Accreditation taken away.
    Revoked,
    /// Gave up its accreditation or its application.
    Withdrawn,
}

/// An ASEAN Member State, by its ISO 3166-1 alpha-2 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::Country")]
pub enum Country {
    /// Brunei Darussalam.
    Bn,
    /// Cambodia.
    Kh,
    /// Indonesia.
    Id,
    /// Lao People's Democratic Republic.
    La,
    /// Malaysia.
    My,
    /// Myanmar.
    Mm,
    /// The Philippines.
    Ph,
    /// Singapore.
    Sg,
    /// Thailand.
    Th,
    /// Timor-Leste, a member since October 2025.
    Tl,
    /// Viet Nam.
    Vn,
}

/// Declares one concrete organisation type: the fields every organisation has, plus `$extra`.
macro_rules! organisation_type {
    (
        $(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* } { $($extra:tt)* }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            organisation: Arc<model::Organisation>,
            $($field: $ty,)*
        }

        $(#[$doc])*
        #[Object]
        impl $name {
            /// Globally unique, opaque ID; fetch the organisation again with `node(id:)`.
            pub async fn id(&self) -> ID {
                NodeId::Organisation(self.organisation.id).encode()
            }

            /// Short, stable, URL-friendly name, unique in the directory, such as `aipa`.
            pub async fn slug(&self) -> String {
                self.organisation.slug.clone()
            }

            /// Full name.
            pub async fn name(&self) -> String {
                self.organisation.name.clone()
            }

            /// Usual abbreviation, such as `AIPA`; null when it has none.
            pub async fn acronym(&self) -> Option<String> {
                self.organisation.acronym.clone()
            }

            /// What kind of body this is; the same as its GraphQL type.
            pub async fn kind(&self) -> OrganisationKind {
                self.organisation.kind().into()
            }

            /// What the organisation does, in plain text.
            pub async fn description(&self) -> Option<String> {
                self.organisation.description.clone()
            }

            /// Address of its website.
            pub async fn website(&self) -> Option<String> {
                self.organisation.website.clone()
            }

            /// The Member State of its seat; null when seated outside ASEAN or not known.
            pub async fn country(&self) -> Option<Country> {
                self.organisation.country.map(Into::into)
            }

            /// The city of its seat, when known.
            pub async fn city(&self) -> Option<String> {
                self.organisation.city.clone()
            }

            /// When it was founded, when known.
            pub async fn established_on(&self) -> Option<Date> {
                self.organisation.established_on.map(Date)
            }

            /// When it was added to the directory.
            pub async fn created_at(&self) -> DateTime {
                DateTime(self.organisation.created_at)
            }

            /// When its directory entry last changed.
            pub async fn updated_at(&self) -> DateTime {
                DateTime(self.organisation.updated_at)
            }

            /// The people who act for it, longest-standing first. Null unless you are one
            /// of them or work for the ASEAN Secretariat.
            #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
            pub async fn members(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
                first: Option<i32>,
                #[graphql(desc = "Start after the member with this cursor.")]
                after: Option<String>,
                #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
                last: Option<i32>,
                #[graphql(desc = "End before the member with this cursor.")]
                before: Option<String>,
            ) -> ApiResult<Option<Connection<Membership>>> {
                let db = ctx.data_unchecked::<Database>();
                let actor = ctx.data_unchecked::<Actor>();
                let args = PageArgs { first, after, last, before };
                let id = self.organisation.id;

                // The connections' work is boxed here and below: every field of an
                // organisation runs in a future as large as its largest field's, and
                // async-graphql moves each one, so a plain `id` would carry them all.
                let members = Box::pin(membership::list_members(db, actor, id, &args));
                let Some(page) = members.await? else {
                    return Ok(None);
                };
                let memberships: Vec<_> = page.edges.iter().map(|(_, m)| m.clone()).collect();
                Box::pin(preload(ctx, &memberships)).await?;

                Ok(Some(Connection::new(page, TotalCount::Members(id), Membership)))
            }

            /// Its posts you may read, newest first: published ones unless
            /// `filter.statuses` says otherwise (drafts only if you are a member).
            #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
            #[expect(clippy::too_many_arguments, reason = "the Relay arguments plus filter and order")]
            pub async fn posts(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
                first: Option<i32>,
                #[graphql(desc = "Start after the post with this cursor.")]
                after: Option<String>,
                #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
                last: Option<i32>,
                #[graphql(desc = "End before the post with this cursor.")]
                before: Option<String>,
                #[graphql(desc = "Which posts to include; `organisationIds` is ignored here.")]
                filter: Option<PostFilter>,
                #[graphql(desc = "How to sort them; newest first when left out.")]
                order_by: Option<PostOrder>,
            ) -> ApiResult<Connection<Post>> {
                let id = Some(self.organisation.id);
                let posts = post_query::list(ctx, id, first, after, last, before, filter, order_by);
                Box::pin(posts).await
            }

            /// Its applications to other organisations' calls, oldest first. Null unless
            /// you are its editor, admin or owner.
            #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
            pub async fn call_applications(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
                first: Option<i32>,
                #[graphql(desc = "Start after the application with this cursor.")]
                after: Option<String>,
                #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
                last: Option<i32>,
                #[graphql(desc = "End before the application with this cursor.")]
                before: Option<String>,
            ) -> ApiResult<Option<Connection<CallApplication>>> {
                let db = ctx.data_unchecked::<Database>();
                let actor = ctx.data_unchecked::<Actor>();
                let args = PageArgs { first, after, last, before };
                let id = self.organisation.id;

                let page = call_applications::applications_of(db, actor, id, &args);
                let page = Box::pin(page).await?;

                Ok(page.map(|page| {
                    let total = TotalCount::CallApplications(ApplicationScope::Organisation(id));
                    Connection::new(page, total, CallApplication)
                }))
            }

            /// Its active partners, in the order they were added to the directory. Anyone
            /// may see them.
            #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
            pub async fn partners(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
                first: Option<i32>,
                #[graphql(desc = "Start after the partner with this cursor.")]
                after: Option<String>,
                #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
                last: Option<i32>,
                #[graphql(desc = "End before the partner with this cursor.")]
                before: Option<String>,
            ) -> ApiResult<Connection<Organisation>> {
                let args = PageArgs { first, after, last, before };
                Box::pin(partnership::partners(ctx, self.organisation.id, args)).await
            }

            /// Partnerships proposed by or to it that await an answer, oldest first. Null
            /// unless you are its admin or owner.
            #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
            pub async fn partnership_requests(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
                first: Option<i32>,
                #[graphql(desc = "Start after the partnership with this cursor.")]
                after: Option<String>,
                #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
                last: Option<i32>,
                #[graphql(desc = "End before the partnership with this cursor.")]
                before: Option<String>,
            ) -> ApiResult<Option<Connection<Partnership>>> {
                let args = PageArgs { first, after, last, before };
                Box::pin(partnership::partnership_requests(ctx, self.organisation.id, args)).await
            }

            $($extra)*
        }
    };
}

organisation_type! {
    /// An entity associated with ASEAN (Annex 2 of the ASEAN Charter).
    Entity {
        category: model::EntityCategory,
        accreditation_status: model::AccreditationStatus,
        accredited_on: Option<chrono::NaiveDate>
    } {
        /// The Annex 2 category it belongs to.
        pub async fn category(&self) -> EntityCategory {
            self.category.into()
        }

        /// Where it stands in accreditation.
        pub async fn accreditation_status(&self) -> AccreditationStatus {
            self.accreditation_status.into()
        }

        /// The day its accreditation took effect, for an entity accredited through the
        /// platform; null otherwise.
        pub async fn accredited_on(&self) -> Option<Date> {
            self.accredited_on.map(Date)
        }

        /// Every change of its accreditation status made on the platform, oldest first: its
        /// accreditation, suspensions, reinstatements, revocation. Null unless you are its
        /// member or work for the Secretariat.
        pub async fn accreditation_history(
            &self,
            ctx: &Context<'_>,
        ) -> ApiResult<Option<Vec<AccreditationStatusChange>>> {
            Box::pin(accreditation::status_history(ctx, self.organisation.id)).await
        }

        /// Its applications for accreditation, newest first. Null unless you are its member
        /// or work for the Secretariat.
        pub async fn accreditation_applications(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
            first: Option<i32>,
            #[graphql(desc = "Start after the application with this cursor.")]
            after: Option<String>,
            #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
            last: Option<i32>,
            #[graphql(desc = "End before the application with this cursor.")]
            before: Option<String>,
        ) -> ApiResult<Option<Connection<AccreditationApplication>>> {
            let args = PageArgs { first, after, last, before };
            Box::pin(accreditation::of_organisation(ctx, self.organisation.id, args)).await
        }

        /// Its annual reports to the CPR, newest year first: one for every year it owes,
        /// from the first full year after its accreditation to the last year that has ended,
        /// and any it sent before. Null unless you are its member or work for the
        /// Secretariat.
        pub async fn annual_reports(
            &self,
            ctx: &Context<'_>,
        ) -> ApiResult<Option<Vec<AnnualReport>>> {
            let profile = &self.organisation.profile;
            Box::pin(annual_report::of_entity(ctx, self.organisation.id, profile)).await
        }
    }
}

organisation_type! {
    /// An ASEAN centre or a similar body set up by ASEAN or with its partners.
    Centre {} {}
}

organisation_type! {
    /// The ASEAN Secretariat.
    Secretariat {} {}
}

/// Any organisation of the directory. Ask for type-specific fields with
/// `... on Entity { category accreditationStatus }`.
#[derive(Clone, Debug, Interface)]
#[expect(
    clippy::duplicated_attributes,
    reason = "several interface fields share a type"
)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Globally unique, opaque ID."),
    field(
        name = "slug",
        ty = "String",
        desc = "Short, stable, URL-friendly name."
    ),
    field(name = "name", ty = "String", desc = "Full name."),
    field(
        name = "acronym",
        ty = "Option<String>",
        desc = "Usual abbreviation, if any."
    ),
    field(
        name = "kind",
        ty = "OrganisationKind",
        desc = "What kind of body this is."
    ),
    field(
        name = "description",
        ty = "Option<String>",
        desc = "What it does, in plain text."
    ),
    field(
        name = "website",
        ty = "Option<String>",
        desc = "Address of its website."
    ),
    field(
        name = "country",
        ty = "Option<Country>",
        desc = "Member State of its seat."
    ),
    field(name = "city", ty = "Option<String>", desc = "City of its seat."),
    field(
        name = "established_on",
        ty = "Option<Date>",
        desc = "When it was founded."
    ),
    field(
        name = "created_at",
        ty = "DateTime",
        desc = "When it joined the directory."
    ),
    field(
        name = "updated_at",
        ty = "DateTime",
        desc = "When its entry last changed."
    ),
    field(
        name = "members",
        ty = "ApiResult<Option<Connection<Membership>>>",
        desc = "The people who act for it; null unless you are one or work for the Secretariat.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return the first this many (1 to 100)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return the last this many (1 to 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        )
    ),
    field(
        name = "posts",
        ty = "ApiResult<Connection<Post>>",
        desc = "Its posts you may read, newest first.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return the first this many (1 to 100)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return the last this many (1 to 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        ),
        arg(
            name = "filter",
            ty = "Option<PostFilter>",
            desc = "Which posts to include."
        ),
        arg(
            name = "order_by",
            ty = "Option<PostOrder>",
            desc = "How to sort them."
        )
    ),
    field(
        name = "call_applications",
        ty = "ApiResult<Option<Connection<CallApplication>>>",
        desc = "Its applications to calls; null unless you are its editor, admin or owner.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return the first this many (1 to 100)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return the last this many (1 to 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        )
    ),
    field(
        name = "partners",
        ty = "ApiResult<Connection<Organisation>>",
        desc = "Its active partners, in the order they joined the directory; public.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return the first this many (1 to 100)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return the last this many (1 to 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        )
    ),
    field(
        name = "partnership_requests",
        ty = "ApiResult<Option<Connection<Partnership>>>",
        desc = "Partnerships proposed by or to it awaiting an answer; null unless you are its admin or owner.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return the first this many (1 to 100)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return the last this many (1 to 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        )
    )
)]
pub enum Organisation {
    Entity(Entity),
    Centre(Centre),
    Secretariat(Secretariat),
}

impl From<model::Organisation> for Organisation {
    fn from(organisation: model::Organisation) -> Self {
        Self::from(Arc::new(organisation))
    }
}

/// An organisation shared with the request's cache, which hands it out without copying it.
impl From<Arc<model::Organisation>> for Organisation {
    fn from(organisation: Arc<model::Organisation>) -> Self {
        match organisation.profile {
            OrganisationProfile::Entity {
                category,
                accreditation_status,
                accredited_on,
            } => Self::Entity(Entity {
                organisation,
                category,
                accreditation_status,
                accredited_on,
            }),
            OrganisationProfile::Centre => Self::Centre(Centre { organisation }),
            OrganisationProfile::Secretariat => Self::Secretariat(Secretariat { organisation }),
        }
    }
}
