-- Node settings kept across restarts: the installed admission credential,
-- the confederation's pinned admission key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Credentials the confederation issued (confederation role).
CREATE TABLE admissions (
    jti        TEXT PRIMARY KEY,
    actor      TEXT NOT NULL,
    country    TEXT NOT NULL,
    name       TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    credential TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX admissions_actor ON admissions(actor);

ALTER TABLE peers ADD COLUMN admitted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE peers ADD COLUMN credential_id TEXT NOT NULL DEFAULT '';
ALTER TABLE peers ADD COLUMN credential_expires TEXT;
