"""Articles and their matches: stored exactly once per canonical URL.

``save_article`` writes the article, its matches and one outbox row per alert in a single
transaction: that is what makes alerts exactly-once. Either all of it is on disk, or none
of it, and a crash in between leaves the entry unseen so the next crawl takes it again.

One story, one alert: a copy under another spelling of the URL (AMP, mobile, www, http)
is found by ``url_key``; a near-duplicate (the same wire story at another outlet) is saved
with ``duplicate_of`` and no outbox rows; an article whose title or text changed is
rewritten in place by ``update_article`` and counted in ``updates``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from monitor.store.canonical import url_key
from monitor.store.schema import transaction


@dataclass(frozen=True)
class ArticleRecord:
    """An article ready to store: cleaned, with the feed's metadata."""

    url: str  # canonical
    source: str
    title: str | None
    text: str
    guid: str | None = None
    author: str | None = None
    published: str | None = None
    summary: str | None = None
    language: str | None = None
    entry_hash: str | None = None  # what the listing said (title, summary): see find_known
    # The URL the source listed, when the page named another canonical ``url``: its key
    # goes to ``listed_urls``, so the next poll knows the listed URL without fetching it.
    listed_url: str | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.title or "", self.text)


@dataclass(frozen=True)
class OutboxEntry:
    """One alert to deliver on one channel, written with the article."""

    channel: str
    event_id: str  # stable: the webhook-id / Message-ID of every attempt
    payload: dict[str, Any]
    kind: str = "article"


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class KnownArticle:
    id: int
    source: str
    entry_hash: str | None


def find_known(db: sqlite_utils.Database, url: str, guid: str | None, source: str) -> int | None:
    """The id of the stored article with this URL (any spelling of it), or this source's GUID."""
    known = find_known_article(db, url, guid, source)
    return known.id if known else None


def find_known_article(
    db: sqlite_utils.Database, url: str, guid: str | None, source: str
) -> KnownArticle | None:
    """The stored article with this canonical URL, URL key, or this source's GUID, or
    the one this URL's page named as its own (``remember_listed_url``)."""
    columns = "SELECT id, source, entry_hash FROM articles"
    key = url_key(url)
    row = db.execute(f"{columns} WHERE url = ?", [url]).fetchone()
    if row is None:
        row = db.execute(f"{columns} WHERE url_key = ? LIMIT 1", [key]).fetchone()
    if row is None and guid:
        row = db.execute(f"{columns} WHERE source = ? AND guid = ?", [source, guid]).fetchone()
    if row is None:
        row = db.execute(
            f"{columns} WHERE id = (SELECT article_id FROM listed_urls WHERE url_key = ?)", [key]
        ).fetchone()
    return KnownArticle(*row) if row else None


def remember_listed_url(db: sqlite_utils.Database, url: str, article_id: int) -> None:
    """``url`` was listed by a source, and its page named stored article ``article_id`` as
    its own: later polls find the story by the listed URL, without fetching the page."""
    with transaction(db):
        _remember_listed_key(db, url_key(url), article_id)


def _remember_listed_key(db: sqlite_utils.Database, key: str, article_id: int) -> None:
    db.execute(
        "INSERT INTO listed_urls (url_key, article_id) VALUES (?, ?) "
        "ON CONFLICT(url_key) DO UPDATE SET article_id = excluded.article_id",
        [key, article_id],
    )


def save_article(
    db: sqlite_utils.Database,
    record: ArticleRecord,
    matches: Sequence[dict[str, Any]],
    rules: Sequence[str],
    outbox: Sequence[OutboxEntry],
    *,
    keep_text: bool,
    duplicate_of: int | None = None,
    signature: Any = None,
) -> int | None:
    """Store one article with its matches and outbox rows atomically.

    ``matches`` are ``{"term", "count", "snippet", "hits"}`` dicts. ``duplicate_of`` links
    a near-duplicate to the first copy (its caller passes no outbox rows);
    ``signature`` is its ``duplicates.text_signature``, indexed for later copies. Returns
    the new article id, or None when the URL was already stored (by another process, say).
    """
    from monitor.store.duplicates import record_signature

    now = utc_now_iso()
    matched = bool(matches)
    with transaction(db):
        cur = db.execute(
            "INSERT INTO articles (url, url_key, guid, source, title, author, published, "
            "fetched, language, summary, text, content_hash, entry_hash, matched, rules, "
            "duplicate_of, text_chars) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(url) DO NOTHING",
            [
                record.url, url_key(record.url), record.guid,
                record.source, record.title, record.author, record.published, now, record.language,
                record.summary if (matched or keep_text) else None,
                record.text if (matched or keep_text) else None,
                record.content_hash, record.entry_hash, int(matched), json.dumps(list(rules)),
                duplicate_of, len(record.text.strip()),
            ],
        )  # fmt: skip
        if cur.rowcount == 0:
            return None
        article_id = int(cur.lastrowid or 0)
        listed = url_key(record.listed_url) if record.listed_url else None
        if listed and listed != url_key(record.url):
            _remember_listed_key(db, listed, article_id)
        _insert_matches(db, article_id, matches)
        _insert_outbox(db, article_id, outbox)
        if signature is not None:
            record_signature(db, article_id, signature)
    return article_id


def update_article(
    db: sqlite_utils.Database,
    article_id: int,
    record: ArticleRecord,
    matches: Sequence[dict[str, Any]],
    rules: Sequence[str],
    outbox: Sequence[OutboxEntry] = (),
    *,
    keep_text: bool,
) -> bool:
    """Rewrite a stored article whose title or text changed; count it in ``updates``.

    Returns False (and only records ``entry_hash``) when title and text are unchanged.
    The URL, GUID, source and first ``fetched`` stay; ``updated`` is set; the matches are
    replaced. ``outbox`` rows (alerts on updates that add a term) are written in the same
    transaction; the outbox's UNIQUE (channel, article_id) keeps a channel from hearing
    of one article twice.
    """
    row = db.execute(
        "SELECT content_hash, matched FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if row is None:
        return False
    with transaction(db):
        if row[0] == record.content_hash:
            db.execute(
                "UPDATE articles SET entry_hash = ? WHERE id = ?", [record.entry_hash, article_id]
            )
            return False
        matched = bool(matches)
        keep = matched or keep_text or bool(row[1])
        db.execute(
            "UPDATE articles SET title = ?, author = coalesce(?, author), "
            "published = coalesce(published, ?), language = coalesce(?, language), "
            "summary = ?, text = ?, content_hash = ?, entry_hash = ?, "
            "matched = max(matched, ?), rules = ?, updated = ?, updates = updates + 1, "
            "text_chars = ? WHERE id = ?",
            [
                record.title, record.author, record.published, record.language,
                record.summary if keep else None, record.text if keep else None,
                record.content_hash, record.entry_hash, int(matched), json.dumps(list(rules)),
                utc_now_iso(), len(record.text.strip()), article_id,
            ],
        )  # fmt: skip
        if matched:  # a later edit that drops every term keeps the evidence we alerted on
            db.execute("DELETE FROM matches WHERE article_id = ?", [article_id])
            _insert_matches(db, article_id, matches)
        _insert_outbox(db, article_id, outbox)
    return True


def matched_terms(db: sqlite_utils.Database, article_id: int) -> set[str]:
    """The term names stored as matched for an article."""
    rows = db.execute("SELECT term FROM matches WHERE article_id = ?", [article_id])
    return {term for (term,) in rows}


def _insert_matches(
    db: sqlite_utils.Database, article_id: int, matches: Sequence[dict[str, Any]]
) -> None:
    for m in matches:
        db.execute(
            "INSERT INTO matches (article_id, term, count, snippet, hits) VALUES (?,?,?,?,?)",
            [article_id, m["term"], m["count"], m["snippet"], json.dumps(m.get("hits", []))],
        )


def _insert_outbox(
    db: sqlite_utils.Database, article_id: int, outbox: Sequence[OutboxEntry]
) -> None:
    for entry in outbox:
        db.execute(
            "INSERT INTO outbox (channel, kind, article_id, event_id, payload, created) "
            "VALUES (?,?,?,?,?,strftime('%s','now')) ON CONFLICT DO NOTHING",
            [
                entry.channel, entry.kind, article_id, entry.event_id,
                json.dumps({**entry.payload, "article_id": article_id}),
            ],
        )  # fmt: skip


def iter_matched_articles(
    db: sqlite_utils.Database,
    *,
    terms: Sequence[str] = (),
    rules: Sequence[str] = (),
    since: str | None = None,
    duplicates: bool = False,
) -> Iterator[dict[str, Any]]:
    """Every stored matched article, newest first, with ``terms`` and ``matches`` details.

    ``terms``/``rules``: only articles matching one of them; ``since``: only those stored
    (``fetched``) at or after this ISO 8601 UTC time; near-duplicates only with
    ``duplicates`` (each row then says ``duplicate_of``: the first copy's URL).
    """
    where, params = ["a.matched = 1"], []
    if not duplicates:
        where.append("a.duplicate_of IS NULL")
    if since:
        where.append("a.fetched >= ?")
        params.append(since)
    if terms:
        where.append(f"a.id IN (SELECT article_id FROM matches WHERE term IN ({_marks(terms)}))")
        params.extend(terms)
    if rules:
        where.append(f"EXISTS (SELECT 1 FROM json_each(a.rules) WHERE value IN ({_marks(rules)}))")
        params.extend(rules)
    rows = db.execute(
        "SELECT a.id, a.url, a.title, a.source, a.published, a.fetched, a.author, a.language, "
        "a.rules, a.updated, a.updates, o.url FROM articles a "
        "LEFT JOIN articles o ON o.id = a.duplicate_of "
        f"WHERE {' AND '.join(where)} ORDER BY a.fetched DESC, a.id DESC",
        params,
    ).fetchall()
    for row in rows:
        (aid, url, title, source, published, fetched, author, language, rule_names, updated,
         updates, original) = row  # fmt: skip
        details = db.execute(
            "SELECT term, count, snippet, hits FROM matches WHERE article_id = ? ORDER BY term",
            [aid],
        ).fetchall()
        yield {
            "id": aid,
            "url": url,
            "title": title,
            "source": source,
            "published": published,
            "fetched": fetched,
            "updated": updated,
            "updates": updates,
            "author": author,
            "language": language,
            "terms": [d[0] for d in details],
            "rules": json.loads(rule_names or "[]"),
            "matches": [
                {"term": t, "count": c, "snippet": s, "hits": json.loads(h or "[]")}
                for (t, c, s, h) in details
            ],
            **({"duplicate_of": original} if duplicates else {}),
        }


def count_articles(db: sqlite_utils.Database) -> int:
    """Every stored article, matched or not."""
    return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def _marks(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


def article_keys_since(
    db: sqlite_utils.Database, since: str
) -> Iterator[tuple[int, str, str | None, str, str | None, str | None]]:
    """``(id, url, listed url key, source, guid, entry_hash)`` of every article fetched at
    or after ``since`` (ISO 8601), once per URL it was listed under: what a cluster's
    workers need to know to skip stored stories."""
    yield from db.execute(
        "SELECT a.id, a.url, l.url_key, a.source, a.guid, a.entry_hash "
        "FROM articles a LEFT JOIN listed_urls l ON l.article_id = a.id WHERE a.fetched >= ?",
        [since],
    )
