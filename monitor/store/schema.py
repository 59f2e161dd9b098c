"""The SQLite schema: every table newshound keeps, created idempotently.

The database runs in WAL mode with foreign keys on, so the daemon can write while
`newshound status`, `search` or `export` read. Migrations are additive: a new column is
added with a default when an older file lacks it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

SCHEMA_VERSION = 1

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS sources (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    url             TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'auto',
    interval_s      REAL NOT NULL DEFAULT 600,
    next_poll       REAL NOT NULL DEFAULT 0,      -- unix time
    etag            TEXT,
    last_modified   TEXT,
    content_hash    TEXT,                         -- body_digest of the last 200 body
    last_poll       REAL,
    last_success    REAL,
    last_status     INTEGER,
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,   -- consecutive
    paused          INTEGER NOT NULL DEFAULT 0,
    items_seen      INTEGER NOT NULL DEFAULT 0,
    last_new_item   REAL,
    silent          INTEGER NOT NULL DEFAULT 0,
    health_state    TEXT NOT NULL DEFAULT 'ok'    -- last state announced on health channels
);
CREATE TABLE IF NOT EXISTS articles (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,         -- canonical URL
    guid            TEXT,
    source          TEXT NOT NULL,
    title           TEXT,
    author          TEXT,
    published       TEXT,                         -- ISO 8601, as the source gave it
    fetched         TEXT NOT NULL,                -- ISO 8601 UTC
    updated         TEXT,
    language        TEXT,
    summary         TEXT,
    text            TEXT,                         -- NULL for unmatched articles unless store_all
    content_hash    TEXT NOT NULL,
    matched         INTEGER NOT NULL DEFAULT 0,
    rules           TEXT NOT NULL DEFAULT '[]',   -- JSON list of rule names that held
    duplicate_of    INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    simhash         TEXT,
    updates         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_guid ON articles(source, guid);
CREATE INDEX IF NOT EXISTS articles_fetched ON articles(fetched);
CREATE TABLE IF NOT EXISTS matches (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    term            TEXT NOT NULL,
    count           INTEGER NOT NULL,
    snippet         TEXT NOT NULL,                -- the first snippet, hit marked
    hits            TEXT NOT NULL DEFAULT '[]',   -- JSON: [{alias, field, offset, snippet}]
    UNIQUE (article_id, term)
);
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'article',  -- article | health
    article_id      INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL UNIQUE,         -- webhook-id / Message-ID: fixed at insert
    payload         TEXT NOT NULL,                -- JSON of the alert
    state           TEXT NOT NULL DEFAULT 'pending',  -- pending | sending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    REAL NOT NULL DEFAULT 0,
    last_error      TEXT,
    created         REAL NOT NULL,
    sent_at         REAL,
    UNIQUE (channel, article_id)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_attempt);
CREATE TABLE IF NOT EXISTS site_lines (
    host            TEXT NOT NULL,
    hash            TEXT NOT NULL,
    pages           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (host, hash)
);
CREATE TABLE IF NOT EXISTS site_hosts (
    host            TEXT PRIMARY KEY,
    pages           INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS locks (
    name            TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    heartbeat       REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key             TEXT PRIMARY KEY,
    value           TEXT
);
-- near-duplicates (monitor/store/duplicates.py): MinHash signature and its LSH bands
CREATE TABLE IF NOT EXISTS article_minhash (
    article_id      INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    signature       BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS minhash_bands (
    band            INTEGER NOT NULL,
    hash            INTEGER NOT NULL,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS minhash_bands_article ON minhash_bands(article_id);
-- URLs a source listed whose page named a story stored under another URL
-- (monitor/store/articles.py): the next poll knows them without fetching the page again
CREATE TABLE IF NOT EXISTS listed_urls (
    url_key         TEXT PRIMARY KEY,             -- canonical.url_key of the listed URL
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS listed_urls_article ON listed_urls(article_id);
-- what a source led to besides its own URL (monitor/store/pages.py): child sitemaps,
-- discovered feeds, each with its own conditional-GET validators; and where the source's
-- URL redirects permanently (its found: when that was last seen)
CREATE TABLE IF NOT EXISTS source_pages (
    source          TEXT NOT NULL,
    url             TEXT NOT NULL,
    role            TEXT NOT NULL,                -- feed | sitemap | sitemapindex | moved
    etag            TEXT,
    last_modified   TEXT,
    content_hash    TEXT,
    found           REAL NOT NULL,                -- unix time first seen in this role
    PRIMARY KEY (source, url)
);
-- robots.txt per origin (monitor/store/robots.py): crawls reuse it for a day
CREATE TABLE IF NOT EXISTS robots_txt (
    origin          TEXT PRIMARY KEY,             -- scheme://host[:port]
    status          INTEGER NOT NULL,
    body            BLOB NOT NULL,
    fetched         REAL NOT NULL                 -- unix time
);
-- full-text search (monitor/store/search.py), kept in step with articles by triggers
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, text, content='articles', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
"""

# Columns added after their table was first released: an older file gets them by
# ALTER TABLE, then the indexes on them are created.
_ADDED_COLUMNS = (
    ("articles", "url_key", "TEXT"),  # url_key(url): its AMP/mobile/www copies are one
    ("articles", "entry_hash", "TEXT"),  # the listing's title+summary: updates
    ("articles", "text_chars", "INTEGER"),  # len of the cleaned text when stored: health
    # polls in a row whose validators were held back: not every entry could be stored
    ("sources", "held_polls", "INTEGER NOT NULL DEFAULT 0"),
)
_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS articles_url_key ON articles(url_key);
CREATE INDEX IF NOT EXISTS outbox_claim ON outbox(channel, state, kind);
"""


def open_database(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` with WAL, foreign keys, schema."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: Scrapy and APScheduler call back from the reactor thread only,
    # but the CLI's delivery may hand the connection to a worker thread.
    # isolation_level=None: no implicit BEGIN from the driver; a statement outside
    # ``transaction()`` is its own transaction, and ``transaction()`` says where one ends.
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    db = sqlite_utils.Database(conn)
    ensure_schema(db)
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction: every statement in the block is committed together when it
    ends, or none is (it raised, or its COMMIT failed: a full disk). Inside another one, a
    savepoint of it (sqlite-utils' ``atomic()``).

    ``BEGIN IMMEDIATE`` takes the write lock at once, waiting up to the busy timeout, so a
    read-then-write inside the block cannot fail half-way because another process wrote
    in between (a deferred BEGIN, as ``atomic()`` takes, gets SQLITE_BUSY then, which no
    timeout waits out). Not ``with conn:``: that opens no transaction by itself, and
    sqlite-utils 4's ``execute()`` commits each write made outside an open one, so an
    article was committed without the outbox row written after it.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def checkpoint_wal(db: sqlite_utils.Database, mode: str = "PASSIVE") -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(mode)``: (busy, wal pages, pages checkpointed)."""
    assert mode in ("PASSIVE", "FULL", "RESTART", "TRUNCATE")
    row = db.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    return (row[0], row[1], row[2]) if row else (0, 0, 0)


def _fingerprint() -> int:
    """This schema's fingerprint, kept in ``PRAGMA user_version`` (a signed 32-bit int)."""
    text = f"{SCHEMA_VERSION}\n{SCHEMA_SQL}\n{_ADDED_COLUMNS}\n{_ADDED_INDEXES}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest()) >> 1


SCHEMA_FINGERPRINT = _fingerprint()


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table and index that is missing; set WAL and foreign keys.

    A file whose ``user_version`` holds this schema's fingerprint is up to date: only the
    per-connection pragmas are set, with no write. A crawl opens the database from
    several components, and the daemon from every job; each open stays a read.
    """
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_FINGERPRINT:
        db.execute("PRAGMA synchronous = NORMAL")
        return
    # Takes effect on a new file only (before WAL and the first table); retention converts.
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.conn.executescript(SCHEMA_SQL)
    for table, column, declaration in _ADDED_COLUMNS:
        if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    db.conn.executescript(_ADDED_INDEXES)
    # The keys moved and the file marked up to date in one transaction: an upgrade cut
    # short is done again at the next open (moving finds nothing left to move after).
    with transaction(db):
        _move_listed_keys(db)
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [str(SCHEMA_VERSION)],
        )
        db.execute(f"PRAGMA user_version = {SCHEMA_FINGERPRINT}")


def _move_listed_keys(db: sqlite_utils.Database) -> None:
    """Files from before ``listed_urls`` kept the listed URL's key in ``articles.url_key``
    when the page named another URL as its own: move that key to ``listed_urls``, and key
    the article by its own URL, as ``save_article`` now does."""
    from monitor.store.canonical import url_key

    rows = db.execute("SELECT id, url, url_key FROM articles WHERE url_key IS NOT NULL")
    moved = [(key, aid, url_key(url)) for aid, url, key in rows if key != url_key(url)]
    db.conn.executemany(
        "INSERT INTO listed_urls (url_key, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(key, aid) for key, aid, _ in moved],
    )
    db.conn.executemany(
        "UPDATE articles SET url_key = ? WHERE id = ?", [(own, aid) for _, aid, own in moved]
    )
