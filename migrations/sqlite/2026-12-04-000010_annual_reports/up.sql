-- The annual reports of accredited entities: a summary of activities and a financial
-- statement per calendar year, sent to the CPR through the Secretariat. A row exists from
-- the first upload on; a report that is only due or overdue has none, since both follow
-- from the date.
CREATE TABLE annual_reports (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by BIGINT REFERENCES users (id),
    acknowledged_at TEXT,
    acknowledged_by BIGINT REFERENCES users (id),
    acknowledgement_note TEXT,
    UNIQUE (organisation_id, year),
    CHECK (acknowledged_at IS NULL OR submitted_at IS NOT NULL)
);
-- The Secretariat's list of one year's reports.
CREATE INDEX annual_reports_year ON annual_reports (year, organisation_id);

-- Every upload is kept, as with applications: a new one of a kind replaces the current one.
CREATE TABLE annual_report_documents (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES annual_reports (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('ACTIVITY_SUMMARY', 'FINANCIAL_STATEMENT')),
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE UNIQUE INDEX annual_report_documents_current ON annual_report_documents (report_id, kind)
    WHERE replaced_at IS NULL;
CREATE INDEX annual_report_documents_report ON annual_report_documents (report_id, id);

CREATE TABLE annual_report_document_contents (
    document_id INTEGER PRIMARY KEY REFERENCES annual_report_documents (id) ON DELETE CASCADE,
    bytes BLOB NOT NULL
);
