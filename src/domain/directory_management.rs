//! Managing the directory: the Secretariat admin creates organisations; an organisation's
//! owners and admins edit its profile. Nobody else can do either.

use chrono::NaiveDate;

use super::invitations::{self, IssuedInvitation};
use super::membership::MemberRole;
use super::organisation::{
    AccreditationStatus, Country, EntityCategory, Organisation, OrganisationKind,
};
use super::user::Actor;
pub use super::validation::FieldProblem;
use super::validation::{check_name, check_web_address, normalise_email, optional_text};
use super::{DomainError, directory, permissions};
use crate::db::memberships::NewInvitation;
use crate::db::organisations::{self as queries, NewOrganisation, ProfileChanges};
use crate::db::{self, Database};

/// Everything a new organisation is created with.
#[derive(Clone, Debug)]
pub struct NewProfile {
    pub kind: OrganisationKind,
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub country: Option<Country>,
    pub city: Option<String>,
    pub established_on: Option<NaiveDate>,
    /// Required for entities, refused for others.
    pub category: Option<EntityCategory>,
    /// For entities; `APPLICANT` when left out.
    pub accreditation_status: Option<AccreditationStatus>,
    /// Invite this address as the first owner.
    pub first_owner_email: Option<String>,
}

/// Creates an organisation and, if asked, invites its first owner.
pub async fn create_organisation(
    db: &Database,
    actor: &Actor,
    profile: NewProfile,
) -> Result<Result<(Organisation, Option<IssuedInvitation>), FieldProblem>, DomainError> {
    let inviter = actor.user().ok_or(DomainError::Unauthenticated)?;
    if !permissions::may_create_organisation(actor) {
        return Err(DomainError::Forbidden);
    }
    let row = match checked_new_organisation(&profile) {
        Ok(row) => row,
        Err(problem) => return Ok(Err(problem)),
    };

    // The organisation and its first owner's invitation are written together or not at all.
    let owner_email = match profile.first_owner_email.as_deref().map(normalise_email) {
        Some(Ok(email)) => Some(email),
        Some(Err(problem)) => return Ok(Err(FieldProblem::new("firstOwnerEmail", problem))),
        None => None,
    };
    let now = db::now();
    let token = invitations::new_token()?;
    let token_hash = invitations::hash_token(&token);
    let invitation = owner_email.as_deref().map(|email| NewInvitation {
        organisation_id: 0,
        email,
        role: MemberRole::Owner.as_str(),
        token_hash: &token_hash,
        invited_by: inviter.id,
        created_at: now,
        expires_at: now + invitations::INVITATION_LIFETIME,
    });
    let mut conn = db.conn().await?;
    let inserted =
        queries::insert_with_invitation(&mut conn, &row, now, invitation.as_ref()).await?;
    let Some(id) = inserted else {
        let taken = FieldProblem {
            taken: true,
            ..FieldProblem::new("slug", "is taken")
        };
        return Ok(Err(taken));
    };
    drop(conn);
    let invitation = invitation.map(|invitation| IssuedInvitation {
        organisation_id: id,
        email: invitation.email.to_owned(),
        role: MemberRole::Owner,
        expires_at: invitation.expires_at.and_utc(),
        token,
    });
    let organisation = directory::organisations_by_ids(db, &[id])
        .await?
        .remove(&id);
    let organisation =
        organisation.ok_or_else(|| DomainError::Internal(format!("organisation {id} vanished")))?;

    Ok(Ok((organisation, invitation)))
}

/// Changes to a profile: `None` leaves a field alone; for optional fields `Some(None)`
/// clears it.
#[derive(Clone, Debug, Default)]
pub struct ProfileEdit {
    pub name: Option<String>,
    pub acronym: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub country: Option<Option<Country>>,
    pub city: Option<Option<String>>,
    pub established_on: Option<Option<NaiveDate>>,
}

/// Edits an organisation's profile, for its owners and admins.
pub async fn update_organisation(
    db: &Database,
    actor: &Actor,
    organisation_id: i64,
    edit: ProfileEdit,
) -> Result<Result<Organisation, FieldProblem>, DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    if !permissions::may_update_organisation(actor, organisation_id) {
        return Err(DomainError::Forbidden);
    }
    let changes = match checked_changes(edit) {
        Ok(changes) => changes,
        Err(problem) => return Ok(Err(problem)),
    };

    let mut conn = db.conn().await?;
    if !queries::update_profile(&mut conn, organisation_id, &changes, db::now()).await? {
        return Err(DomainError::NotFound);
    }
    drop(conn);
    let organisation = directory::organisations_by_ids(db, &[organisation_id]).await?;

    organisation
        .into_values()
        .next()
        .map(Ok)
        .ok_or(DomainError::NotFound)
}

pub(super) fn checked_new_organisation(
    profile: &NewProfile,
) -> Result<NewOrganisation, FieldProblem> {
    let slug = check_slug(&profile.slug)?;
    let name = check_name(&profile.name).map_err(|p| FieldProblem::new("name", p))?;
    let (category, accreditation_status) = match (profile.kind, profile.category) {
        (OrganisationKind::Entity, Some(category)) => {
            let status = profile
                .accreditation_status
                .unwrap_or(AccreditationStatus::Applicant);
            (Some(category.as_str()), Some(status.as_str()))
        }
        (OrganisationKind::Entity, None) => {
            return Err(FieldProblem::new("category", "is required for an entity"));
        }
        (_, Some(_)) => return Err(FieldProblem::new("category", "is only for entities")),
        (_, None) if profile.accreditation_status.is_some() => {
            return Err(FieldProblem::new(
                "accreditationStatus",
                "is only for entities",
            ));
        }
        (_, None) => (None, None),
    };
    if let Some(email) = &profile.first_owner_email {
        normalise_email(email).map_err(|p| FieldProblem::new("firstOwnerEmail", p))?;
    }

    Ok(NewOrganisation {
        acronym: optional_text("acronym", profile.acronym.as_deref(), 30)?,
        description: optional_text("description", profile.description.as_deref(), 5000)?,
        website: check_website(profile.website.as_deref())?,
        country: profile.country.map(|country| country.as_str().to_owned()),
        city: optional_text("city", profile.city.as_deref(), 100)?,
        established_on: profile.established_on,
        category: category.map(str::to_owned),
        accreditation_status: accreditation_status.map(str::to_owned),
        ..NewOrganisation::new(&slug, profile.kind.as_str(), &name)
    })
}

fn checked_changes(edit: ProfileEdit) -> Result<ProfileChanges, FieldProblem> {
    let name = match edit.name {
        Some(name) => Some(check_name(&name).map_err(|p| FieldProblem::new("name", p))?),
        None => None,
    };
    let optional = |field, value: Option<Option<String>>, limit| match value {
        Some(value) => optional_text(field, value.as_deref(), limit).map(Some),
        None => Ok(None),
    };

    Ok(ProfileChanges {
        name,
        acronym: optional("acronym", edit.acronym, 30)?,
        description: optional("description", edit.description, 5000)?,
        website: match edit.website {
            Some(website) => Some(check_website(website.as_deref())?),
            None => None,
        },
        country: edit
            .country
            .map(|country| country.map(|c| c.as_str().to_owned())),
        city: optional("city", edit.city, 100)?,
        established_on: edit.established_on,
    })
}

/// A slug: 2 to 64 lower-case letters, digits and single inner hyphens.
fn check_slug(slug: &str) -> Result<String, FieldProblem> {
    let slug = slug.trim();
    let well_formed = (2..=64).contains(&slug.len())
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !well_formed {
        let problem = "must be 2 to 64 lower-case letters, digits and single hyphens";
        return Err(FieldProblem::new("slug", problem));
    }
    Ok(slug.to_owned())
}

/// A website address: `http://` or `https://`, no spaces, at most 300 characters.
fn check_website(website: Option<&str>) -> Result<Option<String>, FieldProblem> {
    check_web_address("website", website)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_websites_have_a_shape() {
        assert!(check_slug("asean-isis").is_ok());
        for bad in ["A", "a", "-a", "a--b", "a b", "ä-b", &"x".repeat(65)] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
        assert!(
            check_website(Some("https://asean.org/about"))
                .unwrap()
                .is_some()
        );
        assert!(check_website(Some("  ")).unwrap().is_none());
        for bad in [
            "asean.org",
            "ftp://asean.org",
            "https://localhost",
            "https://a .org",
        ] {
            assert!(check_website(Some(bad)).is_err(), "{bad}");
        }
    }
}
