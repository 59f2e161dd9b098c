"""Articles and their matches: stored exactly once per canonical URL.

``save_article`` writes the article, its matches and one outbox row per alert in a single
transaction: that is what makes alerts exactly-once. Either all of it is on disk, or none
of it, and a crash in between leaves the entry unseen so the next crawl takes it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils


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


def find_known(db: sqlite_utils.Database, url: str, guid: str | None, source: str) -> int | None:
    """The id of the stored article with this canonical URL, or this source's GUID."""
    row = db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()
    if row is None and guid:
        row = db.execute(
            "SELECT id FROM articles WHERE source = ? AND guid = ?", [source, guid]
        ).fetchone()
    return row[0] if row else None


def save_article(
    db: sqlite_utils.Database,
    record: ArticleRecord,
    matches: Sequence[dict[str, Any]],
    rules: Sequence[str],
    outbox: Sequence[OutboxEntry],
    *,
    keep_text: bool,
) -> int | None:
    """Store one article with its matches and outbox rows atomically.

    ``matches`` are ``{"term", "count", "snippet", "hits"}`` dicts. Returns the new
    article id, or None when the URL was already stored (by another process, say).
    """
    now = utc_now_iso()
    matched = bool(matches)
    with db.conn:  # one transaction
        cur = db.execute(
            "INSERT INTO articles (url, guid, source, title, author, published, fetched, "
            "language, summary, text, content_hash, matched, rules) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
            [
                record.url, record.guid, record.source, record.title, record.author,
                record.published, now, record.language,
                record.summary if (matched or keep_text) else None,
                record.text if (matched or keep_text) else None,
                record.content_hash, int(matched), json.dumps(list(rules)),
            ],
        )  # fmt: skip
        if cur.rowcount == 0:
            return None
        article_id = int(cur.lastrowid or 0)
        for m in matches:
            db.execute(
                "INSERT INTO matches (article_id, term, count, snippet, hits) VALUES (?,?,?,?,?)",
                [article_id, m["term"], m["count"], m["snippet"], json.dumps(m.get("hits", []))],
            )
        for entry in outbox:
            db.execute(
                "INSERT INTO outbox (channel, kind, article_id, event_id, payload, created) "
                "VALUES (?,?,?,?,?,strftime('%s','now')) ON CONFLICT DO NOTHING",
                [
                    entry.channel, entry.kind, article_id, entry.event_id,
                    json.dumps({**entry.payload, "article_id": article_id}),
                ],
            )  # fmt: skip
    return article_id


def iter_matched_articles(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every stored matched article, newest first, with ``terms`` and ``matches`` details."""
    rows = db.execute(
        "SELECT id, url, title, source, published, fetched, author, language, rules "
        "FROM articles WHERE matched = 1 ORDER BY fetched DESC, id DESC"
    ).fetchall()
    for row in rows:
        (aid, url, title, source, published, fetched, author, language, rules) = row
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
            "author": author,
            "language": language,
            "terms": [d[0] for d in details],
            "rules": json.loads(rules or "[]"),
            "matches": [
                {"term": t, "count": c, "snippet": s, "hits": json.loads(h or "[]")}
                for (t, c, s, h) in details
            ],
        }
