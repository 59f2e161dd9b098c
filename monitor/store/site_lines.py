"""Per-site learning, store side: which short lines a host repeats on many of its pages.

The cleaner (``monitor/cleaner/site_lines.py``) hashes an article's short lines;
``record_site_lines`` counts them per host after each new page, and ``site_boilerplate``
hands the hashes that recur back to ``clean_html(..., site_boilerplate=...)``.

Rule: a line is a host's boilerplate once it is on at least ``MIN_PAGES`` (5) pages and
on at least ``MIN_SHARE`` (half) of the host's pages. Five pages keep a quote that two or
three stories share from being learnt; half the pages is what a footer, a newsletter box
or a share prompt reaches and what a sentence of news does not.

Learnt lines are sticky: the cleaner drops them from later pages, so those pages no
longer show them, and counting only what survives would make the share fall below half
and the line come back. ``record_site_lines`` therefore counts a host's learnt lines on
every page it records.

Tables (created by ``monitor.store.schema.ensure_schema``):
``site_lines(host, hash, pages)`` and ``site_hosts(host, pages)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from monitor.store.schema import transaction

__all__ = ["MIN_PAGES", "MIN_SHARE", "record_site_lines", "site_boilerplate"]

MIN_PAGES = 5
MIN_SHARE = 0.5

_LEARNT = """
SELECT l.hash FROM site_lines l JOIN site_hosts h ON h.host = l.host
WHERE l.host = ? AND l.pages >= ? AND l.pages >= ? * h.pages
"""


def record_site_lines(db: sqlite_utils.Database, host: str, hashes: Iterable[str]) -> None:
    """Count one more page of ``host`` holding ``hashes`` (each counted once), in one
    transaction. Pass the hashes of the page's lines (``line_hashes(article.text)``)."""
    seen = set(hashes) | site_boilerplate(db, host)
    with transaction(db):
        db.execute(
            "INSERT INTO site_hosts (host, pages) VALUES (?, 1) "
            "ON CONFLICT(host) DO UPDATE SET pages = pages + 1",
            [host],
        )
        db.conn.executemany(
            "INSERT INTO site_lines (host, hash, pages) VALUES (?, ?, 1) "
            "ON CONFLICT(host, hash) DO UPDATE SET pages = pages + 1",
            [(host, h) for h in sorted(seen)],
        )


def site_boilerplate(db: sqlite_utils.Database, host: str) -> frozenset[str]:
    """Hashes of the lines that are ``host``'s boilerplate (empty for an unknown host)."""
    rows = db.execute(_LEARNT, [host, MIN_PAGES, MIN_SHARE]).fetchall()
    return frozenset(row[0] for row in rows)
