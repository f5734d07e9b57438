-- People who sign in, and the record of failed sign-ins that slows guessing down.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    -- Stored lower-cased, so uniqueness ignores case.
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    -- An Argon2id PHC string; never the password.
    password_hash TEXT NOT NULL,
    platform_role TEXT CHECK (platform_role IN ('SECRETARIAT_OFFICER', 'SECRETARIAT_ADMIN')),
    disabled BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    last_sign_in_at TEXT
);

-- One row per e-mail address that failed to sign in, whether or not a user has it.
CREATE TABLE sign_in_throttles (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at TEXT NOT NULL,
    blocked_until TEXT
);
