-- Opportunities (calls for tenders, client projects), local or published
-- by a peer (origin = its actor URL, ap_id set). Multilingual text, lots
-- and required competences are JSON; the codes are also in
-- opportunity_codes for filtering and matching.
CREATE TABLE opportunities (
    seq                    INTEGER PRIMARY KEY,
    id                     TEXT NOT NULL UNIQUE,
    origin                 TEXT NOT NULL DEFAULT '',
    ap_id                  TEXT,
    node_country           TEXT NOT NULL DEFAULT '',
    source                 TEXT NOT NULL DEFAULT '',
    title                  TEXT NOT NULL DEFAULT '{}',
    summary                TEXT NOT NULL DEFAULT '{}',
    description            TEXT NOT NULL DEFAULT '{}',
    languages              TEXT NOT NULL DEFAULT '[]',
    competences            TEXT NOT NULL DEFAULT '[]',
    lots                   TEXT NOT NULL DEFAULT '[]',
    country                TEXT NOT NULL,
    region                 TEXT NOT NULL DEFAULT '',
    deadline               TEXT,
    value_amount           TEXT,
    value_currency         TEXT,
    reserved               INTEGER NOT NULL DEFAULT 0, -- BT-71
    social_objective       INTEGER NOT NULL DEFAULT 0, -- BT-775
    accessibility_criteria INTEGER NOT NULL DEFAULT 0, -- BT-754
    sme_suitable           INTEGER NOT NULL DEFAULT 0, -- BT-726
    open_abroad            INTEGER NOT NULL DEFAULT 0,
    lead                   TEXT NOT NULL DEFAULT '',
    lead_ap_id             TEXT NOT NULL DEFAULT '',
    lead_name              TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL,
    outcome_amount         TEXT,
    outcome_currency       TEXT,
    revision               INTEGER NOT NULL DEFAULT 0,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE UNIQUE INDEX opportunities_ap_id ON opportunities(ap_id) WHERE ap_id IS NOT NULL;
CREATE UNIQUE INDEX opportunities_source ON opportunities(origin, source) WHERE source <> '';
CREATE INDEX opportunities_status ON opportunities(status, country);
CREATE INDEX opportunities_origin ON opportunities(origin);

-- Every CPV code an opportunity needs (competences and lot codes).
CREATE TABLE opportunity_codes (
    opportunity INTEGER NOT NULL REFERENCES opportunities(seq) ON DELETE CASCADE,
    cpv         TEXT NOT NULL,
    PRIMARY KEY (opportunity, cpv)
) WITHOUT ROWID;
CREATE INDEX opportunity_codes_cpv ON opportunity_codes(cpv);

-- The consortium of each opportunity. Name, node and country are copied
-- so that a past bid stays readable after a member left.
CREATE TABLE consortium (
    opportunity  INTEGER NOT NULL REFERENCES opportunities(seq) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    member       TEXT NOT NULL DEFAULT '',
    member_ap_id TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    node         TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL,
    role         TEXT NOT NULL,
    lots         TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (opportunity, position)
);
CREATE INDEX consortium_member ON consortium(member_ap_id);

-- Expressions of interest: on the member's node and on the origin node,
-- each with its own id and the same ap_id.
CREATE TABLE interests (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    opportunity  TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    member       TEXT NOT NULL DEFAULT '',
    member_ap_id TEXT NOT NULL DEFAULT '',
    member_name  TEXT NOT NULL DEFAULT '',
    node         TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL,
    lots         TEXT NOT NULL DEFAULT '[]',
    competences  TEXT NOT NULL DEFAULT '[]',
    role         TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL,
    ap_id        TEXT NOT NULL UNIQUE,
    offer_id     TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX interests_opportunity ON interests(opportunity, seq);
CREATE INDEX interests_member ON interests(member_ap_id);
-- One live (pending or accepted) interest per member and opportunity.
CREATE UNIQUE INDEX interests_live ON interests(opportunity, member_ap_id) WHERE state IN ('pending', 'accepted');

-- Notices for members: something the member should see (kind, and ref
-- to it: an opportunity id for kind "opportunity"). Generic so that
-- other features (the marketplace) reuse it.
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    member     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '{}',
    summary    TEXT NOT NULL DEFAULT '{}',
    reason     TEXT NOT NULL DEFAULT '',
    url        TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (member, kind, ref)
);
CREATE INDEX notices_member ON notices(member, id);

-- The secret of each member's Atom feed of notices (rotatable).
CREATE TABLE notice_feeds (
    member     TEXT PRIMARY KEY,
    secret     TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
