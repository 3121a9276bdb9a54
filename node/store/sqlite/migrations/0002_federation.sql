CREATE TABLE peers (
    id           INTEGER PRIMARY KEY,
    actor_url    TEXT NOT NULL UNIQUE,
    host         TEXT NOT NULL,
    inbox        TEXT NOT NULL DEFAULT '',
    shared_inbox TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    software     TEXT NOT NULL DEFAULT '',
    allowed      INTEGER NOT NULL DEFAULT 0,
    blocked      INTEGER NOT NULL DEFAULT 0,
    outgoing     TEXT NOT NULL DEFAULT '',
    incoming     TEXT NOT NULL DEFAULT '',
    follow_id    TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX peers_host ON peers(host);

-- Remote actors' public keys, fetched with a signed GET and cached.
CREATE TABLE remote_keys (
    key_id     TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    pem        TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);

-- Inbound activities already applied: the inbox processor is idempotent.
CREATE TABLE processed_activities (
    activity_id TEXT PRIMARY KEY,
    actor       TEXT NOT NULL,
    type        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
);

-- One outbound delivery of an activity to one inbox. JetStream schedules
-- the attempts; this table is the truth, so a lost stream can be rebuilt.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    activity_id  TEXT NOT NULL,
    inbox        TEXT NOT NULL,
    peer_id      INTEGER REFERENCES peers(id) ON DELETE SET NULL,
    body         BLOB NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending', -- pending, delivered, dead
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    next_attempt TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_pending ON deliveries(state, id);
CREATE INDEX deliveries_peer ON deliveries(peer_id, state);

-- Activities this node published, for the paged outbox collection.
CREATE TABLE outbox_activities (
    seq         INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL UNIQUE,
    audience    TEXT NOT NULL, -- public or peers
    body        BLOB NOT NULL,
    published   TEXT NOT NULL
);

-- Remote members carry the revision their node gave them (the time of the
-- change in nanoseconds): an older Create or Update that arrives after a
-- newer one, or after a Delete, changes nothing.
ALTER TABLE members ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TABLE remote_tombstones (
    ap_id      TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    deleted_at TEXT NOT NULL
);
