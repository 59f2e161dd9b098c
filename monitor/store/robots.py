"""robots.txt kept per origin, so each crawl need not fetch it again.

A crawl child is a fresh Scrapy crawler: without this table it would fetch every host's
robots.txt on every poll, one extra request per host per crawl. RFC 9309 lets a crawler
cache robots.txt for up to 24 hours; ``MAX_AGE`` is that. Only answers that settle the
rules are kept (2xx, and 4xx which means "no rules"); a 5xx or a failed fetch is asked
again next crawl. Used by ``scraper.middlewares.robots_cache``; the daemon's maintenance
job deletes answers past ``MAX_AGE`` (``prune_robots``), which no crawl would use again:
every host an article page was fetched from has a row, so the table would otherwise grow
for as long as the daemon runs.
"""

from __future__ import annotations

import time

import sqlite_utils

from monitor.store.schema import transaction

__all__ = ["MAX_AGE", "cacheable", "kept_robots", "prune_robots", "save_robots"]

MAX_AGE = 24 * 3600.0


def cacheable(status: int) -> bool:
    """True for answers that settle a host's rules for a day (2xx, 3xx followed, 4xx)."""
    return status < 500


def kept_robots(
    db: sqlite_utils.Database, origin: str, *, max_age: float = MAX_AGE, now: float | None = None
) -> tuple[bytes, float] | None:
    """(body, when it was fetched) of the robots.txt kept for ``origin`` if fresh, else None.

    The fetch time names the answer: two reads with the same one read the same body.
    """
    now = time.time() if now is None else now
    row = db.execute(
        "SELECT body, fetched FROM robots_txt WHERE origin = ? AND fetched > ? AND fetched <= ?",
        [origin, now - max_age, now + 60],
    ).fetchone()
    return (bytes(row[0]), row[1]) if row else None


def save_robots(
    db: sqlite_utils.Database, origin: str, status: int, body: bytes, *, now: float | None = None
) -> float | None:
    """Keep the robots.txt answer for ``origin`` (only if ``cacheable(status)``); return
    its fetch time (``kept_robots``'s), or None when it is not kept."""
    if not cacheable(status):
        return None
    fetched = time.time() if now is None else now
    with transaction(db):
        db.execute(
            "INSERT INTO robots_txt (origin, status, body, fetched) VALUES (?,?,?,?) "
            "ON CONFLICT(origin) DO UPDATE SET status = excluded.status, "
            "body = excluded.body, fetched = excluded.fetched",
            [origin, status, bytes(body), fetched],
        )
    return fetched


def prune_robots(
    db: sqlite_utils.Database, *, max_age: float = MAX_AGE, now: float | None = None
) -> int:
    """Delete the answers older than ``max_age`` (``kept_robots`` would not return them);
    return how many."""
    now = time.time() if now is None else now
    with transaction(db):
        return db.execute("DELETE FROM robots_txt WHERE fetched <= ?", [now - max_age]).rowcount
