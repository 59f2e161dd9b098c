"""Per-source state: what the conditional GET sends, and what each poll found.

The config says which sources exist; this table says how they are doing. ``sync_sources``
makes the table follow the config (new rows for new sources, url/kind/interval updated),
never dropping history of a source that is still configured.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from monitor.config import SourceConfig


@dataclass(frozen=True)
class SourceState:
    name: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None


def sync_sources(db: sqlite_utils.Database, sources: Sequence[SourceConfig]) -> None:
    """Insert new sources and update changed url/kind/interval of known ones."""
    with db.conn:
        for s in sources:
            db.execute(
                "INSERT INTO sources (name, url, kind, interval_s) VALUES (?,?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET "
                "  etag = CASE WHEN sources.url = excluded.url THEN sources.etag END, "
                "  last_modified = CASE WHEN sources.url = excluded.url "
                "                  THEN sources.last_modified END, "
                "  content_hash = CASE WHEN sources.url = excluded.url "
                "                 THEN sources.content_hash END, "
                "  url = excluded.url, kind = excluded.kind, interval_s = excluded.interval_s",
                [s.name, s.url, s.kind, s.interval],
            )


def get_source_state(db: sqlite_utils.Database, name: str) -> SourceState | None:
    row = db.execute(
        "SELECT name, etag, last_modified, content_hash FROM sources WHERE name = ?", [name]
    ).fetchone()
    return SourceState(*row) if row else None


def record_unchanged(db: sqlite_utils.Database, name: str, status: int) -> None:
    """A 304, or a 200 whose body hash is the one we already parsed."""
    now = time.time()
    with db.conn:
        db.execute(
            "UPDATE sources SET last_poll = ?, last_success = ?, last_status = ?, "
            "last_error = NULL, failures = 0 WHERE name = ?",
            [now, now, status, name],
        )


def record_fetched(
    db: sqlite_utils.Database,
    name: str,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    content_hash: str | None,
    items: int = 0,
) -> None:
    """A body that was parsed: keep the validators and hash for the next poll."""
    now = time.time()
    with db.conn:
        db.execute(
            "UPDATE sources SET etag = ?, last_modified = ?, content_hash = ?, last_poll = ?, "
            "last_success = ?, last_status = ?, last_error = NULL, failures = 0, "
            "items_seen = items_seen + ? WHERE name = ?",
            [etag, last_modified, content_hash, now, now, status, items, name],
        )


def record_new_items(db: sqlite_utils.Database, name: str, count: int) -> None:
    if count:
        with db.conn:
            db.execute(
                "UPDATE sources SET last_new_item = ?, silent = 0 WHERE name = ?",
                [time.time(), name],
            )


def record_fetch_failure(
    db: sqlite_utils.Database, name: str, *, status: int | None, error: str
) -> None:
    """A poll that failed: count it; the daemon's scheduler decides the backoff."""
    with db.conn:
        db.execute(
            "UPDATE sources SET last_poll = ?, last_status = ?, last_error = ?, "
            "failures = failures + 1 WHERE name = ?",
            [time.time(), status, error, name],
        )


def list_sources(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM sources ORDER BY name"))
