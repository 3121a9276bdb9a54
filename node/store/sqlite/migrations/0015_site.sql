-- The texts of the public site (#14), edited by admins in the web UI:
-- one row per text and language; a missing translation falls back like
-- the rest of the content.
CREATE TABLE site_texts (
    key        TEXT NOT NULL,
    lang       TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (key, lang)
);

-- A co-op's choice to show itself in the public directory (#14): off for
-- the members that exist before it, as they never chose; the web form and
-- the API turn it on for new members unless told otherwise.
ALTER TABLE members ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
