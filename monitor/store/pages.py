"""What a source led to besides its own URL: child sitemaps, discovered feeds, a new home.

The source's own conditional-GET state lives in ``sources`` (monitor/store/sources.py).
A sitemap index's children and the feed found on a homepage are fetched too, and need
their own ETag / Last-Modified / body hash to be skipped when unchanged: that is the
``source_pages`` table, one row per (source, URL), with the ``role`` it was found in
(``feed``: discovered on the source's homepage; ``sitemap``: a child of its index;
``sitemapindex``: the source itself turned out to be an index; ``moved``: where the
source's own URL redirects permanently, polled directly instead).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils

from monitor.store.schema import transaction

__all__ = [
    "PageState",
    "get_page_state",
    "record_page",
    "own_pages",
    "discovered_feed",
    "forget_pages",
]


@dataclass(frozen=True)
class PageState:
    url: str
    role: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    found: float


def get_page_state(db: sqlite_utils.Database, source: str, url: str) -> PageState | None:
    row = db.execute(
        "SELECT url, role, etag, last_modified, content_hash, found FROM source_pages "
        "WHERE source = ? AND url = ?",
        [source, url],
    ).fetchone()
    return PageState(*row) if row else None


def record_page(
    db: sqlite_utils.Database,
    source: str,
    url: str,
    role: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    content_hash: str | None = None,
) -> None:
    """Remember a page of a source and the validators of its last parsed body."""
    with transaction(db):
        db.execute(
            "INSERT INTO source_pages (source, url, role, etag, last_modified, content_hash, "
            "found) VALUES (?,?,?,?,?,?,?) ON CONFLICT(source, url) DO UPDATE SET "
            "found = CASE WHEN role = excluded.role THEN found ELSE excluded.found END, "
            "role = excluded.role, etag = excluded.etag, "
            "last_modified = excluded.last_modified, content_hash = excluded.content_hash",
            [source, url, role, etag, last_modified, content_hash, time.time()],
        )


def own_pages(
    db: sqlite_utils.Database, sources: Collection[str]
) -> dict[str, dict[str, PageState]]:
    """Each of ``sources``' pages other than sitemap children (its discovered feeds, itself
    as a sitemap index), by URL: what a crawl's first requests need, read in one query
    instead of two per source."""
    pages: dict[str, dict[str, PageState]] = {}
    for source, *row in db.execute(
        "SELECT source, url, role, etag, last_modified, content_hash, found FROM source_pages "
        "WHERE role != 'sitemap'"
    ):
        if source in sources:
            pages.setdefault(source, {})[row[0]] = PageState(*row)
    return pages


def discovered_feed(pages: dict[str, PageState], max_age: float) -> str | None:
    """The feed found on the source's homepage within ``max_age`` seconds, if any, among
    the source's ``own_pages``."""
    cutoff = time.time() - max_age
    feeds = [page for page in pages.values() if page.role == "feed" and page.found >= cutoff]
    return max(feeds, key=lambda page: page.found).url if feeds else None


def forget_pages(db: sqlite_utils.Database, source: str, role: str) -> None:
    with transaction(db):
        db.execute("DELETE FROM source_pages WHERE source = ? AND role = ?", [source, role])
