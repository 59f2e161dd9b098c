"""What the web pages read: plain SELECTs on a read-only connection to the daemon's file.

Each function takes a ``sqlite3.Connection`` (Datasette's read connection, opened
``mode=ro``) and returns plain dicts for a template. Nothing here writes: the one write
the web UI makes (retrying an alert) goes through ``monitor.store.Store``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["ArticleFilter", "list_articles", "matches_per_day", "read_article", "list_outbox"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class ArticleFilter:
    """The front page's filters; empty fields do not filter."""

    term: str = ""
    rule: str = ""
    source: str = ""
    day: str = ""  # YYYY-MM-DD of ``fetched`` (UTC)

    def where(self) -> tuple[str, list[Any]]:
        where = ["a.matched = 1", "a.duplicate_of IS NULL"]
        params: list[Any] = []
        if self.term:
            # EXISTS, not IN: walks the newest articles (index on fetched) and stops at a
            # page, where IN would read every match of the term (matches has no index on it)
            where.append(
                "EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id AND m.term = ?)"
            )
            params.append(self.term)
        if self.rule:
            where.append("EXISTS (SELECT 1 FROM json_each(a.rules) WHERE value = ?)")
            params.append(self.rule)
        if self.source:
            where.append("a.source = ?")
            params.append(self.source)
        if self.day:
            start = date.fromisoformat(self.day)
            where.append("a.fetched >= ? AND a.fetched < ?")
            params += [start.isoformat(), (start + timedelta(days=1)).isoformat()]
        return " AND ".join(where), params

    def describe(self) -> str:
        parts = [f"{k} {v}" for k, v in self.__dict__.items() if v]
        return ", ".join(parts) or "matched articles"


def list_articles(
    conn: sqlite3.Connection, filters: ArticleFilter, *, limit: int = PAGE_SIZE, offset: int = 0
) -> list[dict[str, Any]]:
    """The newest matched articles (first copies only), newest first, with their terms,
    rules, first snippet per term and ``outlets``: how many sources carried the story."""
    where, params = filters.where()
    rows = conn.execute(
        "SELECT a.id, a.url, a.title, a.source, a.published, a.fetched, a.updated, a.rules "
        f"FROM articles a WHERE {where} ORDER BY a.fetched DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    names = ("id", "url", "title", "source", "published", "fetched", "updated", "rules")
    articles = [dict(zip(names, row, strict=True)) for row in rows]
    if not articles:
        return []
    ids = [a["id"] for a in articles]
    marks = ",".join("?" * len(ids))
    matches: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for aid, term, count, snippet in conn.execute(
        f"SELECT article_id, term, count, snippet FROM matches WHERE article_id IN ({marks}) "
        "ORDER BY term",
        ids,
    ):
        matches[aid].append({"term": term, "count": count, "snippet": snippet})
    outlets: dict[int, set[str]] = {i: set() for i in ids}
    # A copy is stored after its first copy, so only ids above the page's lowest are read
    # (articles has no index on duplicate_of).
    for first, source in conn.execute(
        f"SELECT duplicate_of, source FROM articles WHERE id > ? AND duplicate_of IN ({marks})",
        [min(ids), *ids],
    ):
        outlets[first].add(source)
    for a in articles:
        a["rules"] = json.loads(a["rules"] or "[]")
        a["matches"] = matches[a["id"]]
        a["terms"] = [m["term"] for m in a["matches"]]
        a["outlets"] = len(outlets[a["id"]] | {a["source"]})
    return articles


def matches_per_day(
    conn: sqlite3.Connection, days: int = 30, today: date | None = None
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """The last ``days`` days (oldest first, by ``fetched``, UTC) and per term how many
    stored articles matched it on each day (other outlets' copies count: each was found).

    Reads only the index on ``fetched`` and the one on matches (article_id, term): never
    an article's row, whose text would have to be read past."""
    today = today or datetime.now(UTC).date()
    span = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    counts: dict[str, dict[str, int]] = {}
    for day, term, n in conn.execute(
        "SELECT substr(a.fetched, 1, 10) AS day, m.term, count(*) FROM articles a "
        "JOIN matches m ON m.article_id = a.id WHERE a.fetched >= ? GROUP BY day, m.term",
        [span[0]],
    ):
        counts.setdefault(term, {})[day] = n
    return span, counts


def read_article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """One stored article with its matches (hits decoded), the other outlets' copies of
    the story and the alerts queued for it; None if there is no such article."""
    conn.row_factory = sqlite3.Row  # as Datasette sets it: rows by column name
    row = conn.execute("SELECT * FROM articles WHERE id = ?", [article_id]).fetchone()
    if row is None:
        return None
    article = dict(row)
    article["rules"] = json.loads(article["rules"] or "[]")
    article["matches"] = [
        {**dict(m), "hits": json.loads(m["hits"] or "[]")}
        for m in conn.execute(
            "SELECT term, count, snippet, hits FROM matches WHERE article_id = ? ORDER BY term",
            [article_id],
        )
    ]
    first = article["duplicate_of"] or article_id
    article["copies"] = [
        dict(c)
        for c in conn.execute(
            "SELECT id, url, title, source, fetched FROM articles "
            "WHERE (id = ? OR duplicate_of = ?) AND id != ? ORDER BY fetched",
            [first, first, article_id],
        )
    ]
    article["alerts"] = [
        dict(o)
        for o in conn.execute(
            "SELECT id, channel, state, attempts, created, sent_at, last_error "
            "FROM outbox WHERE article_id = ? ORDER BY id",
            [article_id],
        )
    ]
    return article


def list_outbox(
    conn: sqlite3.Connection, states: Sequence[str], *, limit: int = 200
) -> list[dict[str, Any]]:
    """Outbox rows in ``states``, newest first, with the article's title or the health
    message."""
    marks = ",".join("?" * len(states))
    rows = conn.execute(
        "SELECT id, channel, kind, article_id, state, attempts, next_attempt, last_error, "
        f"created, sent_at, payload FROM outbox WHERE state IN ({marks}) "
        "ORDER BY id DESC LIMIT ?",
        [*states, limit],
    ).fetchall()
    names = ("id", "channel", "kind", "article_id", "state", "attempts", "next_attempt",
             "last_error", "created", "sent_at")  # fmt: skip
    out = []
    for row in rows:
        item = dict(zip(names, row[:-1], strict=True))
        payload = json.loads(row[-1])
        item["title"] = payload.get("title") or payload.get("message") or payload.get("url")
        out.append(item)
    return out


def channel_totals(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per channel: last delivery time, and how many alerts are sent, pending, failed."""
    out: dict[str, dict[str, Any]] = {}
    for channel, last, sent, pending, failed in conn.execute(
        "SELECT channel, max(sent_at), sum(state = 'sent'), "
        "sum(state IN ('pending', 'sending')), sum(state = 'failed') FROM outbox "
        "GROUP BY channel"
    ):
        out[channel] = {"last_sent": last, "sent": sent, "pending": pending, "failed": failed}
    return out
