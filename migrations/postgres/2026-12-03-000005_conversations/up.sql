-- Conversations between organisations: threads, their participants, messages, and each
-- user's read position.
CREATE TABLE threads (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('DIRECT', 'GROUP', 'ANNOUNCEMENT')),
    subject TEXT NOT NULL,
    started_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- The newest message: the inbox is ordered by it.
    last_message_id BIGINT,
    last_activity_at TIMESTAMP NOT NULL
);

CREATE TABLE thread_participants (
    thread_id BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (thread_id, organisation_id)
);
CREATE INDEX thread_participants_organisation ON thread_participants (organisation_id, thread_id);

CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    thread_id BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    -- Empty once deleted: the row stays as a tombstone.
    body TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP
);
CREATE INDEX messages_thread ON messages (thread_id, id);
CREATE INDEX messages_author ON messages (author_id, sent_at);

CREATE TABLE thread_reads (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    last_read_message_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);

-- Events about one user only (a read position) name that user; others are for everyone who
-- may see their subject.
ALTER TABLE events ADD COLUMN user_id BIGINT;
