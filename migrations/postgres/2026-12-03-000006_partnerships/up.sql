-- Partnerships between organisations: one proposes, the other accepts or declines, either
-- ends an active one.
CREATE TABLE partnerships (
    id BIGSERIAL PRIMARY KEY,
    proposer_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    recipient_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PROPOSED', 'ACTIVE', 'DECLINED', 'ENDED')),
    proposed_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    ended_at TIMESTAMP,
    CHECK (proposer_id <> recipient_id)
);
-- At most one open partnership per unordered pair, whoever proposed it.
CREATE UNIQUE INDEX partnerships_open_pair
    ON partnerships (LEAST(proposer_id, recipient_id), GREATEST(proposer_id, recipient_id))
    WHERE status IN ('PROPOSED', 'ACTIVE');
-- A partner may sit on either side: lists look up both.
CREATE INDEX partnerships_proposer ON partnerships (proposer_id, recipient_id);
CREATE INDEX partnerships_recipient ON partnerships (recipient_id, proposer_id);
