-- News items and calendar events (#5), local and remote. The item itself
-- is kept as JSON (data); the columns are what queries filter and sort on.
CREATE TABLE news (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,          -- 'local' or the peer's actor URL
    ap_id      TEXT UNIQUE,            -- remote items: their ActivityPub id
    guid       TEXT UNIQUE,            -- imported items: the feed entry's id
    published  INTEGER NOT NULL,       -- 1 once public
    publish_at TEXT NOT NULL,
    revision   INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX news_publish_at ON news(published, publish_at);

-- Images uploaded with local news items, served at /media/{id}.
CREATE TABLE media (
    id         TEXT PRIMARY KEY,
    news_id    TEXT NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    media_type TEXT NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX media_news ON media(news_id);

CREATE TABLE calendar_events (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    ap_id      TEXT UNIQUE,
    start_at   TEXT NOT NULL,
    end_at     TEXT NOT NULL,
    revision   INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX calendar_events_start ON calendar_events(start_at);

-- Digest periods: a row is written before the mail is sent (state
-- 'sending') and marked 'sent' after; a period with a row is never sent
-- again (see spec/news.md on a crash between the two).
CREATE TABLE digests (
    period     TEXT PRIMARY KEY,       -- e.g. weekly:2026-W48, monthly:2026-11
    state      TEXT NOT NULL,
    started_at TEXT NOT NULL,
    sent_at    TEXT,
    error      TEXT NOT NULL DEFAULT ''
);
