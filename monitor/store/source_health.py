"""What maintenance (``monitor/daemon/maintain.py``) reads and writes about each source's
health: when its polls brought new items (its rhythm), its latest run of articles with
empty text, and the ``silent`` and ``health_state`` columns of its row.

The policy stays in maintain.py: how quiet is silent, how many empty articles make a
source ``empty``, what is announced to the health channels.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from monitor.store.schema import transaction

__all__ = [
    "empty_text_run", "new_item_sources", "new_item_times", "set_health_state", "set_silent",
    "source_rows",
]  # fmt: skip

# The articles that say whether a source's pages still yield text: fetched from a link
# (link-less feed items have a urn: key and only the feed's summary), first copies only.
# ``articles.text_chars`` is written by ``save_article``; rows from before it (NULL) are
# not counted.
_PAGE_ARTICLES = (
    "source = ? AND text_chars IS NOT NULL AND duplicate_of IS NULL AND url NOT LIKE 'urn:%'"
)


def source_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every row of ``sources``, as dicts."""
    return list(db.query("SELECT * FROM sources"))


def new_item_sources(db: sqlite_utils.Database) -> list[tuple[str, float, bool]]:
    """(name, last_new_item, silent) of each source that has ever brought a new item."""
    rows = db.execute(
        "SELECT name, last_new_item, silent FROM sources WHERE last_new_item IS NOT NULL"
    )
    return [(name, float(last), bool(silent)) for name, last, silent in rows]


def new_item_times(db: sqlite_utils.Database, source: str, limit: int = 50) -> list[str]:
    """When (``fetched``, ISO 8601) the source's latest ``limit`` articles were stored."""
    rows = db.execute(
        "SELECT fetched FROM articles WHERE source = ? ORDER BY fetched DESC LIMIT ?",
        [source, limit],
    )
    return [fetched for (fetched,) in rows]


def set_silent(db: sqlite_utils.Database, name: str, silent: bool) -> None:
    with transaction(db):
        db.execute("UPDATE sources SET silent = ? WHERE name = ?", [int(silent), name])


def set_health_state(db: sqlite_utils.Database, name: str, state: str) -> None:
    """The state last announced on the health channels."""
    with transaction(db):
        db.execute("UPDATE sources SET health_state = ? WHERE name = ?", [state, name])


def empty_text_run(db: sqlite_utils.Database, source: str, count: int) -> tuple[str, str] | None:
    """When the source's run of empty-text articles began (``fetched`` of its first) and
    the latest such URL; None unless its last ``count`` page articles all have empty text."""
    last = db.execute(
        f"SELECT text_chars, url FROM articles WHERE {_PAGE_ARTICLES} ORDER BY id DESC LIMIT ?",
        [source, count],
    ).fetchall()
    if len(last) < count or any(chars for chars, _ in last):
        return None
    # The run's first article, so a rerun after a crash names the same episode.
    (first,) = db.execute(
        f"SELECT min(fetched) FROM articles WHERE {_PAGE_ARTICLES} AND id > coalesce("
        f"(SELECT max(id) FROM articles WHERE {_PAGE_ARTICLES} AND text_chars > 0), 0)",
        [source, source],
    ).fetchone()
    return first, last[0][1]
