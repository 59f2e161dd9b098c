"""Full-text search over stored articles: SQLite FTS5 on title and text.

The ``articles_fts`` table (schema.py) is an external-content FTS5 index of
``articles.title`` and ``articles.text`` with the ``porter unicode61`` tokenizer, so
"sanction" finds "sanctions" and "sanctioned"; triggers keep it in step with every insert,
update and delete. Unmatched articles keep only their title unless ``store_all`` is on.

The query is FTS5's own syntax: words (all must occur), ``"quoted phrases"``, ``OR``,
``NOT``, ``prefix*``. A query that is not valid FTS5 (say ``Putin-Xi``, which FTS5 reads
as column ``Xi``) is retried as all of its words, so anything typed finds something sensible.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from monitor.store.schema import transaction

__all__ = ["SearchError", "SearchHit", "search_articles", "rebuild_search_index"]

MARK_OPEN, MARK_CLOSE = "«", "»"  # as the matcher marks its snippets


class SearchError(ValueError):
    """A query SQLite cannot run; the message names the query."""


@dataclass(frozen=True)
class SearchHit:
    id: int
    url: str
    title: str | None
    source: str
    published: str | None
    fetched: str
    terms: tuple[str, ...]
    title_marked: str  # the title with hits «marked»
    snippet: str  # a few words of text around the hits, «marked»


def search_articles(
    db: sqlite_utils.Database,
    query: str,
    *,
    terms: Sequence[str] = (),
    since: str | None = None,
    limit: int = 50,
) -> list[SearchHit]:
    """Articles matching ``query``, best first (BM25, title weighted double).

    ``terms``: only articles that matched one of these watch terms; ``since``: only those
    stored at or after this ISO 8601 UTC time. Near-duplicates are left out: their first
    copy stands for them. Raises :class:`SearchError` for an empty or unusable query.
    """
    if not query.strip():
        raise SearchError("empty search query")
    try:
        return _search(db, query, terms, since, limit)
    except sqlite3.OperationalError as first:
        quoted = " ".join(f'"{w}"' for w in re.findall(r"\w+", query))
        try:
            return _search(db, quoted, terms, since, limit)
        except sqlite3.OperationalError:
            raise SearchError(f"search query {query!r}: {first}") from None


def _search(
    db: sqlite_utils.Database, query: str, terms: Sequence[str], since: str | None, limit: int
) -> list[SearchHit]:
    where, params = ["articles_fts MATCH ?", "a.duplicate_of IS NULL"], [query]
    if terms:
        marks = ",".join("?" * len(terms))
        where.append(f"a.id IN (SELECT article_id FROM matches WHERE term IN ({marks}))")
        params.extend(terms)
    if since:
        where.append("a.fetched >= ?")
        params.append(since)
    o, c = MARK_OPEN, MARK_CLOSE
    rows = db.execute(
        "SELECT a.id, a.url, a.title, a.source, a.published, a.fetched, "
        f"highlight(articles_fts, 0, '{o}', '{c}'), "
        f"snippet(articles_fts, 1, '{o}', '{c}', '…', 16), "
        "(SELECT group_concat(term, char(31)) FROM matches m WHERE m.article_id = a.id) "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY bm25(articles_fts, 2.0, 1.0) LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [
        SearchHit(
            id=r[0],
            url=r[1],
            title=r[2],
            source=r[3],
            published=r[4],
            fetched=r[5],
            title_marked=r[6] or r[2] or "",
            snippet=r[7] or "",
            terms=tuple(sorted(r[8].split("\x1f"))) if r[8] else (),
        )  # fmt: skip
        for r in rows
    ]


def rebuild_search_index(db: sqlite_utils.Database) -> bool:
    """Rebuild the index when it lags the articles table (a file from before search).

    Returns True when it rebuilt. Cheap when in step: two counts.
    """
    indexed = db.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    if indexed == stored:
        return False
    with transaction(db):
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    return True
