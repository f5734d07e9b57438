-- Posts of organisations, their tags, the applications that answer calls, and the outbox of
-- live events.
CREATE TABLE posts (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('NEWS', 'EVENT', 'CALL_FOR_APPLICATIONS')),
    title TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('PUBLIC', 'PLATFORM')),
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    time_zone TEXT,
    venue TEXT,
    online_url TEXT,
    registration_url TEXT,
    opens_at TIMESTAMP,
    deadline TIMESTAMP,
    eligibility TEXT,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Full-text search: the title weighs most, then the summary, then the body. Not in
    -- schema.rs: only the search module reads it, through SQL of its own.
    search_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english', body), 'D')
    ) STORED
);
CREATE INDEX posts_search ON posts USING GIN (search_document);
-- Lists are sorted by publication (drafts by creation), by start, or by deadline.
CREATE INDEX posts_listed ON posts ((coalesce(published_at, created_at)), id);
CREATE INDEX posts_organisation ON posts (organisation_id, id);
CREATE INDEX posts_starts ON posts (starts_at, id) WHERE starts_at IS NOT NULL;
CREATE INDEX posts_deadline ON posts (deadline, id) WHERE deadline IS NOT NULL;

CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags (tag, post_id);

CREATE TABLE call_applications (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    statement TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('SUBMITTED', 'SHORTLISTED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Once per organisation per call, withdrawn or not.
    UNIQUE (call_id, organisation_id)
);
CREATE INDEX call_applications_organisation ON call_applications (organisation_id, id);

-- The outbox: one row per event that subscribers may receive, written in the transaction of
-- the change. Ids are handed out under a transaction-level advisory lock, so they become
-- visible in increasing order and a reader that resumes after an id misses nothing.
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_created ON events (created_at);
