-- The documents of an accreditation application. Every upload is kept: a new upload of a
-- kind replaces the current one for review (its `replaced_at` is set), and the old one stays.
-- The bytes live apart from the metadata, so that lists never read them.
CREATE TABLE application_documents (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES accreditation_applications (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('NATURE_AND_PURPOSE', 'ACTIVITIES_EVIDENCE',
        'CONSTITUTION', 'REGISTRATION_PAPERS', 'MEMBERSHIP_LIST', 'KEY_OFFICIALS',
        'FUNDING_SOURCES', 'OTHER')),
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at TEXT NOT NULL,
    replaced_at TEXT,
    review TEXT NOT NULL CHECK (review IN ('PENDING', 'SATISFACTORY', 'NEEDS_REVISION')),
    review_note TEXT,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TEXT
);
-- One current document per kind.
CREATE UNIQUE INDEX application_documents_current ON application_documents (application_id, kind)
    WHERE replaced_at IS NULL;
CREATE INDEX application_documents_application ON application_documents (application_id, id);

CREATE TABLE document_contents (
    document_id INTEGER PRIMARY KEY REFERENCES application_documents (id) ON DELETE CASCADE,
    bytes BLOB NOT NULL
);
