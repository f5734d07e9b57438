-- The directory: the ASEAN Secretariat, the entities of Annex 2 and the ASEAN centres.
-- Text columns that are sorted or compared use the "C" collation so that order and keyset
-- comparisons are byte-wise, exactly as on SQLite.
CREATE TABLE organisations (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT COLLATE "C" NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('ENTITY', 'CENTRE', 'SECRETARIAT')),
    name TEXT COLLATE "C" NOT NULL,
    acronym TEXT COLLATE "C",
    description TEXT,
    website TEXT,
    country TEXT CHECK (country IN ('BN', 'KH', 'ID', 'LA', 'MY', 'MM', 'PH', 'SG', 'TH', 'TL', 'VN')),
    city TEXT,
    established_on DATE,
    category TEXT CHECK (category IN (
        'PARLIAMENTARIANS_AND_JUDICIARY', 'BUSINESS_ORGANISATION',
        'THINK_TANK_AND_ACADEMIC_INSTITUTION', 'CIVIL_SOCIETY_ORGANISATION', 'OTHER_STAKEHOLDER')),
    accreditation_status TEXT CHECK (accreditation_status IN (
        'APPLICANT', 'ACCREDITED', 'SUSPENDED', 'REVOKED', 'WITHDRAWN')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Only entities have an Annex 2 category and an accreditation status.
    CHECK ((kind = 'ENTITY') = (category IS NOT NULL)),
    CHECK ((kind = 'ENTITY') = (accreditation_status IS NOT NULL))
);

-- One index per keyset ordering: the sort key, then the id as tie-breaker.
CREATE INDEX organisations_name_key ON organisations (lower(name), id);
CREATE INDEX organisations_acronym_key ON organisations (lower(coalesce(acronym, name)), id);
CREATE INDEX organisations_created_key ON organisations (created_at, id);
