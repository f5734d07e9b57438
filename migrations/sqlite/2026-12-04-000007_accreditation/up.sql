-- Accreditation: an entity's applications, reviewed by the Secretariat and decided by the
-- CPR, each with its correspondence thread and a history that is only ever appended to.
ALTER TABLE organisations ADD COLUMN accredited_on TEXT;

CREATE TABLE accreditation_applications (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'SUBMITTED', 'UNDER_REVIEW',
        'REVISION_REQUESTED', 'FORWARDED_TO_CPR', 'APPROVED', 'REJECTED', 'DEFERRED',
        'WITHDRAWN')),
    requested_category TEXT NOT NULL CHECK (requested_category IN (
        'PARLIAMENTARIANS_AND_JUDICIARY', 'BUSINESS_ORGANISATION',
        'THINK_TANK_AND_ACADEMIC_INSTITUTION', 'CIVIL_SOCIETY_ORGANISATION', 'OTHER_STAKEHOLDER')),
    -- The applicant's answer to each criterion of the Guidelines on Accreditation.
    supports_asean_purposes TEXT NOT NULL,
    non_profit TEXT NOT NULL,
    existence_in_asean TEXT NOT NULL,
    membership TEXT NOT NULL,
    funding TEXT NOT NULL,
    registered_office TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT,
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    -- Raised by every change: a write names the version it saw, and a stale one is refused.
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    -- The CPR's decision and the Secretary-General's letter, once recorded.
    decided_category TEXT,
    cpr_decision_date TEXT,
    sg_letter_date TEXT,
    sg_letter_reference TEXT
);
-- One open application per organisation.
CREATE UNIQUE INDEX accreditation_applications_open ON accreditation_applications (organisation_id)
    WHERE status NOT IN ('APPROVED', 'REJECTED', 'WITHDRAWN');
CREATE INDEX accreditation_applications_organisation ON accreditation_applications (organisation_id, id);
-- The Secretariat's work queue: by submission, then id.
CREATE INDEX accreditation_applications_queue ON accreditation_applications (submitted_at, id);

CREATE TABLE accreditation_history (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES accreditation_applications (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    comment TEXT
);
CREATE INDEX accreditation_history_application ON accreditation_history (application_id, id);
