CREATE TABLE members (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    origin       TEXT NOT NULL DEFAULT '',
    ap_id        TEXT,
    name         TEXT NOT NULL,
    legal_form   TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL,
    region       TEXT NOT NULL DEFAULT '',
    website      TEXT NOT NULL DEFAULT '',
    summary      TEXT NOT NULL DEFAULT '{}',
    languages    TEXT NOT NULL DEFAULT '[]',
    competences  TEXT NOT NULL DEFAULT '[]',
    tags         TEXT NOT NULL DEFAULT '[]',
    status       TEXT NOT NULL,
    contact      TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX members_ap_id ON members(ap_id) WHERE ap_id IS NOT NULL;
CREATE INDEX members_status_country ON members(status, country, region);
CREATE INDEX members_origin ON members(origin);

-- Contentless full-text index, rowid = members.seq. name, summary (all
-- languages) and tags hold the text; facets holds one token per filter
-- value (country, NUTS region and its parents, CPV code prefixes,
-- languages, status, origin), so that text and filters are answered by
-- one FTS5 query that intersects posting lists. remove_diacritics 2 makes
-- it accent-insensitive.
CREATE VIRTUAL TABLE members_fts USING fts5(
    name, summary, tags, facets,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3',
    detail = column
);

CREATE TABLE member_history (
    id          INTEGER PRIMARY KEY,
    member_id   TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    at          TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX member_history_member ON member_history(member_id, id);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject      TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    time         TEXT NOT NULL,
    data         BLOB,
    published_at TEXT
);
CREATE INDEX outbox_pending ON outbox(id) WHERE published_at IS NULL;

CREATE TABLE codes (
    kind   TEXT NOT NULL,
    code   TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    level  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, code)
) WITHOUT ROWID;

CREATE TABLE code_labels (
    kind   TEXT NOT NULL,
    code   TEXT NOT NULL,
    lang   TEXT NOT NULL,
    label  TEXT NOT NULL,
    folded TEXT NOT NULL,
    PRIMARY KEY (kind, lang, code)
) WITHOUT ROWID;

CREATE TABLE code_lists (
    kind      TEXT PRIMARY KEY,
    count     INTEGER NOT NULL,
    version   TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT '[]',
    source    TEXT NOT NULL DEFAULT '',
    loaded_at TEXT NOT NULL
);

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    revoked_at TEXT NOT NULL
);
