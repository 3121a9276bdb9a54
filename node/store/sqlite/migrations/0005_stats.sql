-- Reports national nodes sent to the confederation (confederation role):
-- the history the network view is computed from.
CREATE TABLE stats_reports (
    id           INTEGER PRIMARY KEY,
    node         TEXT NOT NULL,
    country      TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    body         BLOB NOT NULL
);
CREATE INDEX stats_reports_node ON stats_reports(node, generated_at);
