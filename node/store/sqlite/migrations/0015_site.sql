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
