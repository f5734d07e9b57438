-- Who acts for which organisation, and the invitations that make them members.
CREATE TABLE memberships (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'EDITOR', 'MEMBER')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, id);

CREATE TABLE invitations (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- Lower-cased; only this address may accept.
    email TEXT COLLATE "C" NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'EDITOR', 'MEMBER')),
    -- SHA-256 of the token, hex; the token itself is shown once, to the inviter.
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP
);
CREATE INDEX invitations_organisation ON invitations (organisation_id, id);
