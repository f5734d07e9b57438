//! Organisations: the ASEAN Secretariat, the entities of Annex 2 and the ASEAN centres.

use chrono::{DateTime, NaiveDate, Utc};

use super::DomainError;
use super::text_enum::text_enum;
use crate::db::organisations::OrganisationRow;

text_enum! {
    /// What kind of body an organisation is.
    pub enum OrganisationKind {
        Entity => "ENTITY",
        Centre => "CENTRE",
        Secretariat => "SECRETARIAT",
    }
}

text_enum! {
    /// The Annex 2 category an entity is accredited in.
    pub enum EntityCategory {
        ParliamentariansAndJudiciary => "PARLIAMENTARIANS_AND_JUDICIARY",
        BusinessOrganisation => "BUSINESS_ORGANISATION",
        ThinkTankAndAcademicInstitution => "THINK_TANK_AND_ACADEMIC_INSTITUTION",
        CivilSocietyOrganisation => "CIVIL_SOCIETY_ORGANISATION",
        OtherStakeholder => "OTHER_STAKEHOLDER",
    }
}

text_enum! {
    /// Where an entity stands in accreditation.
    pub enum AccreditationStatus {
        Applicant => "APPLICANT",
        Accredited => "ACCREDITED",
        Suspended => "SUSPENDED",
        Revoked => "REVOKED",
        Withdrawn => "WITHDRAWN",
    }
}

text_enum! {
    /// The ASEAN Member States, by ISO 3166-1 alpha-2 code.
    ///
    /// Timor-Leste was admitted as the eleventh member in October 2025.
    pub enum Country {
        Bn => "BN",
        Kh => "KH",
        Id => "ID",
        La => "LA",
        My => "MY",
        Mm => "MM",
        Ph => "PH",
        Sg => "SG",
        Th => "TH",
        Tl => "TL",
        Vn => "VN",
    }
}

/// What only some kinds of organisation have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganisationProfile {
    Entity {
        category: EntityCategory,
        accreditation_status: AccreditationStatus,
        /// The day the CPR's approval took effect, for an entity accredited on the platform.
        accredited_on: Option<NaiveDate>,
    },
    Centre,
    Secretariat,
}

/// An organisation of the directory.
#[derive(Clone, Debug, PartialEq)]
pub struct Organisation {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub country: Option<Country>,
    pub city: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub profile: OrganisationProfile,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Organisation {
    /// The kind of body this is.
    pub fn kind(&self) -> OrganisationKind {
        match self.profile {
            OrganisationProfile::Entity { .. } => OrganisationKind::Entity,
            OrganisationProfile::Centre => OrganisationKind::Centre,
            OrganisationProfile::Secretariat => OrganisationKind::Secretariat,
        }
    }

    /// Whether it engages with other organisations freely (starts threads, takes partners):
    /// accredited entities, centres and the Secretariat. An entity not accredited, or no
    /// longer, corresponds with the Secretariat only.
    pub fn engages_freely(&self) -> bool {
        match self.profile {
            OrganisationProfile::Entity {
                accreditation_status,
                ..
            } => accreditation_status == AccreditationStatus::Accredited,
            OrganisationProfile::Centre | OrganisationProfile::Secretariat => true,
        }
    }
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = DomainError;

    fn try_from(row: OrganisationRow) -> Result<Self, Self::Error> {
        let corrupt = |column: &str| {
            DomainError::Internal(format!("organisation {} has a bad {column}", row.id))
        };
        let kind = OrganisationKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?;
        let profile = match kind {
            OrganisationKind::Entity => OrganisationProfile::Entity {
                category: row
                    .category
                    .as_deref()
                    .and_then(EntityCategory::parse)
                    .ok_or_else(|| corrupt("category"))?,
                accreditation_status: row
                    .accreditation_status
                    .as_deref()
                    .and_then(AccreditationStatus::parse)
                    .ok_or_else(|| corrupt("accreditation_status"))?,
                accredited_on: row.accredited_on,
            },
            OrganisationKind::Centre => OrganisationProfile::Centre,
            OrganisationKind::Secretariat => OrganisationProfile::Secretariat,
        };
        let country = match row.country.as_deref() {
            Some(code) => Some(Country::parse(code).ok_or_else(|| corrupt("country"))?),
            None => None,
        };

        Ok(Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            acronym: row.acronym,
            description: row.description,
            website: row.website,
            country,
            city: row.city,
            established_on: row.established_on,
            profile,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}
