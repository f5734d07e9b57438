-- Posts of organisations, their tags, the applications that answer calls, and the outbox of
-- live events.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('NEWS', 'EVENT', 'CALL_FOR_APPLICATIONS')),
    title TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('PUBLIC', 'PLATFORM')),
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    starts_at TEXT,
    ends_at TEXT,
    time_zone TEXT,
    venue TEXT,
    online_url TEXT,
    registration_url TEXT,
    opens_at TEXT,
    deadline TEXT,
    eligibility TEXT,
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Lists are sorted by publication (drafts by creation), by start, or by deadline.
CREATE INDEX posts_listed ON posts (coalesce(published_at, created_at), id);
CREATE INDEX posts_organisation ON posts (organisation_id, id);
CREATE INDEX posts_starts ON posts (starts_at, id) WHERE starts_at IS NOT NULL;
CREATE INDEX posts_deadline ON posts (deadline, id) WHERE deadline IS NOT NULL;

-- Full-text search over the posts' own columns, kept in step by triggers, so every write to
-- `posts` updates it in the same transaction. Not in schema.rs: only the search module reads
-- it, through SQL of its own.
CREATE VIRTUAL TABLE post_search USING fts5 (
    title, summary, body,
    content = 'posts', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_search (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;
CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
    INSERT INTO post_search (post_search, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
END;
CREATE TRIGGER posts_search_update AFTER UPDATE OF title, summary, body ON posts BEGIN
    INSERT INTO post_search (post_search, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
    INSERT INTO post_search (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;

CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags (tag, post_id);

CREATE TABLE call_applications (
    id INTEGER PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    statement TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('SUBMITTED', 'SHORTLISTED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Once per organisation per call, withdrawn or not.
    UNIQUE (call_id, organisation_id)
);
CREATE INDEX call_applications_organisation ON call_applications (organisation_id, id);

-- The outbox: one row per event that subscribers may receive, written in the transaction of
-- the change. Writers take turns (BEGIN IMMEDIATE), so ids become visible in increasing
-- order; AUTOINCREMENT keeps an id from being reused after retention deletes the newest row.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX events_created ON events (created_at);
