-- Partnerships between organisations: one proposes, the other accepts or declines, either
-- ends an active one.
CREATE TABLE partnerships (
    id INTEGER PRIMARY KEY,
    proposer_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    recipient_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PROPOSED', 'ACTIVE', 'DECLINED', 'ENDED')),
    proposed_at TEXT NOT NULL,
    responded_at TEXT,
    ended_at TEXT,
    CHECK (proposer_id <> recipient_id)
);
-- At most one open partnership per unordered pair, whoever proposed it. SQLite's min and
-- max with two arguments are PostgreSQL's LEAST and GREATEST.
CREATE UNIQUE INDEX partnerships_open_pair
    ON partnerships (min(proposer_id, recipient_id), max(proposer_id, recipient_id))
    WHERE status IN ('PROPOSED', 'ACTIVE');
-- A partner may sit on either side: lists look up both.
CREATE INDEX partnerships_proposer ON partnerships (proposer_id, recipient_id);
CREATE INDEX partnerships_recipient ON partnerships (recipient_id, proposer_id);
