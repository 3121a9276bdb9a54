-- The co-operative marketplace (#9): listings (local and from peers),
-- responses and their agreements, shared-service subscriptions and usage.
-- Listings and responses keep their full JSON in
-- data; the columns are what queries filter on.
CREATE TABLE listings (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL DEFAULT '',
    ap_id      TEXT UNIQUE,
    side       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    country    TEXT NOT NULL,
    status     TEXT NOT NULL,
    owner      TEXT NOT NULL DEFAULT '',
    deadline   TEXT,
    revision   INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX listings_open ON listings(status, side);
CREATE INDEX listings_deadline ON listings(deadline) WHERE kind = 'group-purchase' AND status = 'open' AND origin = '';

CREATE TABLE listing_cpv (
    listing_id TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    PRIMARY KEY (listing_id, code)
);
CREATE INDEX listing_cpv_code ON listing_cpv(code);

CREATE TABLE listing_responses (
    id         TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL,
    offer_id   TEXT UNIQUE,
    responder  TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX listing_responses_listing ON listing_responses(listing_id, created_at);

CREATE TABLE listing_subscriptions (
    listing_id TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    attribute  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (listing_id, member_id, started_at)
);
CREATE INDEX listing_subscriptions_member ON listing_subscriptions(member_id) WHERE ended_at IS NULL;

CREATE TABLE listing_usage (
    listing_id TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    period     TEXT NOT NULL,
    units      INTEGER NOT NULL,
    PRIMARY KEY (listing_id, member_id, period)
);

-- Marketplace notices go to the notices table of 0006 (kind 'listing').
