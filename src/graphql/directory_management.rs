//! Managing the directory: `createOrganisation` and `updateOrganisation`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::organisation::{
    AccreditationStatus, Country, EntityCategory, Organisation, OrganisationKind,
};
use super::scalars::Date;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::directory_management::{self, FieldProblem, NewProfile, ProfileEdit};
use crate::domain::user::Actor;

/// A new organisation of the directory.
#[derive(Debug, InputObject)]
pub struct CreateOrganisationInput {
    /// What kind of body it is.
    kind: OrganisationKind,
    /// Its slug: 2 to 64 lower-case letters, digits and single hyphens; unique.
    slug: String,
    /// Full name, 1 to 200 characters.
    name: String,
    /// Usual abbreviation, at most 30 characters.
    acronym: Option<String>,
    /// What it does, at most 5,000 characters.
    description: Option<String>,
    /// Its website: an `http://` or `https://` address.
    website: Option<String>,
    /// The Member State of its seat.
    country: Option<Country>,
    /// The city of its seat.
    city: Option<String>,
    /// When it was founded.
    established_on: Option<Date>,
    /// Its Annex 2 category: required for an entity, refused for others.
    category: Option<EntityCategory>,
    /// For an entity: where it stands in accreditation; `APPLICANT` when left out.
    accreditation_status: Option<AccreditationStatus>,
    /// Invite this e-mail address as its first owner.
    first_owner_email: Option<String>,
}

/// What `createOrganisation` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct CreateOrganisationPayload {
    /// The new organisation; null on failure.
    organisation: Option<Organisation>,
    /// The first owner's invitation secret, shown only now; null if none was asked for.
    invitation_token: Option<String>,
    /// What is wrong with the input; empty on success, and then nothing was written.
    user_errors: Vec<UserError>,
}

/// Changes to an organisation's profile. Leave a field out to keep it; set an optional
/// field to null to clear it.
#[derive(Debug, InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation to edit.
    organisation_id: ID,
    /// Full name, 1 to 200 characters.
    name: Option<String>,
    /// Usual abbreviation, at most 30 characters.
    acronym: MaybeUndefined<String>,
    /// What it does, at most 5,000 characters.
    description: MaybeUndefined<String>,
    /// Its website: an `http://` or `https://` address.
    website: MaybeUndefined<String>,
    /// The Member State of its seat.
    country: MaybeUndefined<Country>,
    /// The city of its seat.
    city: MaybeUndefined<String>,
    /// When it was founded.
    established_on: MaybeUndefined<Date>,
}

/// What `updateOrganisation` returns.
#[derive(Debug, Default, SimpleObject)]
pub struct UpdateOrganisationPayload {
    /// The organisation as it now is; null on failure.
    organisation: Option<Organisation>,
    /// What is wrong with the input; empty on success, and then nothing was written.
    user_errors: Vec<UserError>,
}

/// Directory management on `Mutation`.
#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Adds an organisation to the directory. For Secretariat admins only.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> ApiResult<CreateOrganisationPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let profile = NewProfile {
            kind: input.kind.into(),
            slug: input.slug,
            name: input.name,
            acronym: input.acronym,
            description: input.description,
            website: input.website,
            country: input.country.map(Into::into),
            city: input.city,
            established_on: input.established_on.map(|date| date.0),
            category: input.category.map(Into::into),
            accreditation_status: input.accreditation_status.map(Into::into),
            first_owner_email: input.first_owner_email,
        };

        let outcome = directory_management::create_organisation(db, actor, profile).await?;

        Ok(match outcome {
            Ok((organisation, invitation)) => CreateOrganisationPayload {
                organisation: Some(organisation.into()),
                invitation_token: invitation.map(|invitation| invitation.token),
                user_errors: Vec::new(),
            },
            Err(problem) => CreateOrganisationPayload {
                user_errors: vec![field_error(problem)],
                ..CreateOrganisationPayload::default()
            },
        })
    }

    /// Edits an organisation's profile. For its owners and admins only.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> ApiResult<UpdateOrganisationPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let NodeId::Organisation(id) = NodeId::decode(&input.organisation_id)? else {
            return Err(ApiError::BadUserInput(
                "`organisationId` is not an organisation".into(),
            ));
        };
        let edit = ProfileEdit {
            name: input.name,
            acronym: input.acronym.as_opt_ref().map(|v| v.cloned()),
            description: input.description.as_opt_ref().map(|v| v.cloned()),
            website: input.website.as_opt_ref().map(|v| v.cloned()),
            country: input
                .country
                .as_opt_ref()
                .map(|v| v.copied().map(Into::into)),
            city: input.city.as_opt_ref().map(|v| v.cloned()),
            established_on: input
                .established_on
                .as_opt_ref()
                .map(|v| v.map(|date| date.0)),
        };

        let outcome = directory_management::update_organisation(db, actor, id, edit).await?;

        Ok(match outcome {
            Ok(organisation) => UpdateOrganisationPayload {
                organisation: Some(organisation.into()),
                user_errors: Vec::new(),
            },
            Err(problem) => UpdateOrganisationPayload {
                organisation: None,
                user_errors: vec![field_error(problem)],
            },
        })
    }
}

/// A user error for a problem with one field.
pub(super) fn field_error(problem: FieldProblem) -> UserError {
    let code = if problem.taken {
        UserErrorCode::Taken
    } else {
        UserErrorCode::Invalid
    };
    UserError::on_input(problem.field, code, problem.problem)
}
