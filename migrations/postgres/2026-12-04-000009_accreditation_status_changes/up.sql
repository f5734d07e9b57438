-- Every change of an entity's accreditation status made on the platform: its accreditation
-- by the CPR, and its suspension, reinstatement or revocation by the Secretariat. Appended
-- to, never changed.
CREATE TABLE accreditation_status_changes (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('ACCREDIT', 'SUSPEND', 'REINSTATE', 'REVOKE')),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX accreditation_status_changes_organisation
    ON accreditation_status_changes (organisation_id, id);
