//! The sample directory: the ASEAN Secretariat and real entities and centres, from public
//! sources. It is a sample for trying the platform, not the authoritative Annex 2 list;
//! categories noted as inferred follow the Annex 2 definitions where no source states one.

use super::DomainError;
use super::organisation::{AccreditationStatus, Country, EntityCategory, OrganisationKind};
use crate::db::Database;
use crate::db::organisations::{
    self as queries, NewOrganisation, OrganisationFilter, UpsertReport,
};

use EntityCategory::{
    BusinessOrganisation as Business, CivilSocietyOrganisation as CivilSociety,
    OtherStakeholder as Other, ParliamentariansAndJudiciary as Parliamentary,
    ThinkTankAndAcademicInstitution as ThinkTank,
};

/// An entity: slug, name, acronym, category, and what the public sources say of it.
const ENTITIES: &[(&str, &str, &str, EntityCategory, &str)] = &[
    (
        "aipa",
        "ASEAN Inter-Parliamentary Assembly",
        "AIPA",
        Parliamentary,
        "The parliaments of the ASEAN Member States. Category inferred.",
    ),
    (
        "cacj",
        "Council of ASEAN Chief Justices",
        "CACJ",
        Parliamentary,
        "The chief justices of the ASEAN Member States. Category inferred; accredited on 19 January 2017.",
    ),
    (
        "ala",
        "ASEAN Law Association",
        "ALA",
        CivilSociety,
        "Legal professionals of the region: judges, practitioners and academics.",
    ),
    (
        "aseansai",
        "ASEAN Supreme Audit Institutions",
        "ASEANSAI",
        Other,
        "The supreme audit institutions of the region. Approved by the CPR on 6 February 2013.",
    ),
    (
        "amf",
        "ASEAN Mayors Forum",
        "AMF",
        Other,
        "Mayors and local governments of the region. Category inferred; accredited in 2018.",
    ),
    (
        "asten",
        "Association of Southeast Asian Teacher Education Network",
        "AsTEN",
        ThinkTank,
        "Teacher education institutions. Accredited by the Secretary-General's letter of 29 March 2021.",
    ),
    (
        "adf",
        "ASEAN Disability Forum",
        "ADF",
        CivilSociety,
        "Organisations of persons with disabilities. Accredited in 2017.",
    ),
    (
        "acn",
        "ASEAN CSR Network",
        "ACN",
        CivilSociety,
        "Responsible business conduct in the region. Category inferred; accredited in 2017.",
    ),
    (
        "aan",
        "ASEAN Autism Network",
        "AAN",
        CivilSociety,
        "Autism organisations of the region. Category inferred.",
    ),
    (
        "asean-isis",
        "ASEAN Institutes of Strategic and International Studies",
        "ASEAN-ISIS",
        ThinkTank,
        "A network of policy research institutes. Category inferred.",
    ),
    (
        "fasa",
        "Federation of ASEAN Shipowners' Associations",
        "FASA",
        Business,
        "The national shipowners' associations. Category inferred.",
    ),
    (
        "acwo",
        "ASEAN Confederation of Women's Organizations",
        "ACWO",
        CivilSociety,
        "National women's organisations. Category inferred.",
    ),
    (
        "afeo",
        "ASEAN Federation of Engineering Organisations",
        "AFEO",
        CivilSociety,
        "National engineering institutions. Category inferred.",
    ),
    (
        "fapro",
        "Federation of ASEAN Public Relations Organisations",
        "FAPRO",
        CivilSociety,
        "National public relations bodies. Category inferred.",
    ),
    (
        "ica-ap",
        "International Cooperative Alliance Asia-Pacific",
        "ICA-AP",
        CivilSociety,
        "The cooperative movement in Asia and the Pacific. Category inferred.",
    ),
];

/// A centre: slug, name, acronym, seat city and country (none for seats outside ASEAN).
type SampleCentre = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<Country>,
);

const CENTRES: &[SampleCentre] = &[
    (
        "ace",
        "ASEAN Centre for Energy",
        "ACE",
        Some("Jakarta"),
        Some(Country::Id),
    ),
    (
        "acb",
        "ASEAN Centre for Biodiversity",
        "ACB",
        Some("Los Baños"),
        Some(Country::Ph),
    ),
    (
        "aha-centre",
        "ASEAN Coordinating Centre for Humanitarian Assistance on disaster management",
        "AHA Centre",
        Some("Jakarta"),
        Some(Country::Id),
    ),
    (
        "asean-foundation",
        "ASEAN Foundation",
        "AF",
        Some("Jakarta"),
        Some(Country::Id),
    ),
    (
        "asean-ipr",
        "ASEAN Institute for Peace and Reconciliation",
        "ASEAN-IPR",
        Some("Jakarta"),
        Some(Country::Id),
    ),
    (
        "armac",
        "ASEAN Regional Mine Action Center",
        "ARMAC",
        Some("Phnom Penh"),
        Some(Country::Kh),
    ),
    (
        "acmm",
        "ASEAN Center of Military Medicine",
        "ACMM",
        None,
        Some(Country::Th),
    ),
    (
        "acpheed",
        "ASEAN Centre for Public Health Emergencies and Emerging Diseases",
        "ACPHEED",
        Some("Bangkok"),
        Some(Country::Th),
    ),
    (
        "acai",
        "ASEAN Centre for Active Ageing and Innovation",
        "ACAI",
        None,
        Some(Country::Th),
    ),
    (
        "atcsw",
        "ASEAN Training Centre for Social Work and Social Welfare",
        "ATCSW",
        None,
        Some(Country::Th),
    ),
    ("ajc", "ASEAN-Japan Centre", "AJC", Some("Tokyo"), None),
    ("akc", "ASEAN-Korea Centre", "AKC", Some("Seoul"), None),
    ("acc", "ASEAN-China Centre", "ACC", Some("Beijing"), None),
];

/// The sample directory as rows to upsert.
pub fn sample() -> Vec<NewOrganisation> {
    let blank = |slug: &str, kind: OrganisationKind, name: &str, acronym: &str| NewOrganisation {
        acronym: Some(acronym.to_owned()),
        ..NewOrganisation::new(slug, kind.as_str(), name)
    };

    let secretariat = NewOrganisation {
        description: Some("Supports the ASEAN Member States and runs this platform.".into()),
        website: Some("https://asean.org".into()),
        country: Some(Country::Id.as_str().into()),
        city: Some("Jakarta".into()),
        ..blank(
            "asean-secretariat",
            OrganisationKind::Secretariat,
            "ASEAN Secretariat",
            "ASEC",
        )
    };
    let entities = ENTITIES
        .iter()
        .map(|&(slug, name, acronym, category, about)| NewOrganisation {
            description: Some(about.to_owned()),
            category: Some(category.as_str().to_owned()),
            accreditation_status: Some(AccreditationStatus::Accredited.as_str().to_owned()),
            ..blank(slug, OrganisationKind::Entity, name, acronym)
        });
    let centres = CENTRES
        .iter()
        .map(|&(slug, name, acronym, city, country)| NewOrganisation {
            city: city.map(str::to_owned),
            country: country.map(|c| c.as_str().to_owned()),
            ..blank(slug, OrganisationKind::Centre, name, acronym)
        });

    std::iter::once(secretariat)
        .chain(entities)
        .chain(centres)
        .collect()
}

/// Loads the sample directory, inserting what is missing and correcting what differs.
pub async fn seed(db: &Database) -> Result<UpsertReport, DomainError> {
    let mut conn = db.conn().await?;

    Ok(queries::upsert_by_slug(&mut conn, &sample(), crate::db::now()).await?)
}

/// Loads the sample directory only if the directory is empty: the first start of a new
/// database. Returns whether it did.
pub async fn seed_if_empty(db: &Database) -> Result<bool, DomainError> {
    let mut conn = db.conn().await?;
    if queries::count(&mut conn, &OrganisationFilter::default()).await? > 0 {
        return Ok(false);
    }
    drop(conn);
    seed(db).await?;

    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_slugs_are_unique() {
        let sample = sample();
        let mut slugs: Vec<_> = sample.iter().map(|o| o.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), sample.len());
        assert_eq!(sample.len(), 1 + 15 + 13);
    }
}
