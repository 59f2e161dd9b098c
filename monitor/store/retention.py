"""Retention: ``[storage] keep = "90d"`` drops old unmatched articles, then frees the space.

Matched articles (the evidence behind alerts) and their near-duplicates that matched are
kept for ever; an unmatched article older than ``keep`` is only a dedupe record, and a
feed rarely lists a story for 90 days. Deleting cascades to its MinHash rows and the FTS
index (triggers). The freed pages are returned to the file system a few at a time with
``PRAGMA incremental_vacuum`` so a maintenance tick never blocks the writer for long.

Called by the daemon's maintenance job (monitor/daemon/maintain.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlite_utils

from monitor.store.schema import transaction

__all__ = ["prune_old_articles"]

BATCH = 500  # rows per delete transaction
VACUUM_PAGES = 2000  # pages (4 KiB each) freed per call


def prune_old_articles(
    db: sqlite_utils.Database, keep_seconds: float, *, now: float | None = None
) -> int:
    """Delete unmatched articles stored more than ``keep_seconds`` ago; return how many.

    A pending or failed outbox row keeps its article (it cannot be unmatched anyway, but a
    row is never orphaned). Then ``incremental_vacuum``; a file made before incremental
    auto-vacuum was the default is converted once with a full ``VACUUM``.
    """
    cutoff = datetime.fromtimestamp((now or time.time()) - keep_seconds, UTC)
    cutoff_iso = cutoff.isoformat(timespec="seconds")
    deleted = 0
    while True:
        with transaction(db):
            cur = db.execute(
                "DELETE FROM articles WHERE id IN (SELECT id FROM articles a "
                "WHERE a.matched = 0 AND a.fetched < ? AND NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.article_id = a.id) LIMIT ?)",
                [cutoff_iso, BATCH],
            )
        deleted += cur.rowcount
        if cur.rowcount < BATCH:
            break
    if deleted:
        _vacuum_some(db)
    return deleted


def _vacuum_some(db: sqlite_utils.Database) -> None:
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:  # 2 = incremental
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("VACUUM")  # once per file: makes the setting take effect
        return
    db.execute(f"PRAGMA incremental_vacuum({VACUUM_PAGES})").fetchall()
