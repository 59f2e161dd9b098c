"""Maintenance, the daemon's third job: retention, WAL checkpoint, source health.

- Retention: with ``[storage] keep = "30d"``, unmatched articles older than that are
  deleted (matched ones, their matches and their alerts are kept).
- WAL checkpoint: a passive one each run (readers are never blocked); the daemon does a
  truncating one at shutdown.
- Silence: a source that has published nothing for far longer than its usual rhythm (the
  median gap between the polls that brought new items) is flagged ``silent``.
- Empty text: a source whose last ``EMPTY_AFTER`` newly stored articles (fetched from a
  link, not near-duplicates, not link-less feed items) all have empty cleaned text is
  ``empty`` -- a changed page layout or a paywall the cleaner cannot see through. The
  signal is ``articles.text_chars``, written by ``save_article``; rows from before that
  column (NULL) are not counted.
- Health alerts: when a source starts failing (``daemon.max_failures`` polls in a row, or
  paused), goes silent, starts giving empty text, or recovers, one alert goes to each
  channel with ``health = true`` (``monitor.store.outbox.enqueue_health_alert``; delivered
  by ``deliver.py``). The states rank failing > silent > empty > ok; a change between two
  of them is announced as the new state, a return to ok as ``recovered``.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from monitor.config import Config
from monitor.daemon.logs import log_event
from monitor.store.retention import prune_old_articles
from monitor.store.robots import prune_robots

__all__ = ["MaintenanceReport", "maintain", "health_state", "empty_text_since", "checkpoint_wal"]

log = logging.getLogger("newshound.daemon.maintain")

SILENT_FACTOR = 10.0  # silent after 10× the usual gap between new items …
SILENT_FLOOR = 6 * 3600.0  # … and never sooner than six hours
SILENT_MIN_POLLS = 4  # polls with new items needed before a rhythm is known
EMPTY_AFTER = 3  # this many new articles in a row with empty text: the source is "empty"

# The articles that say whether a source's pages still yield text: fetched from a link
# (link-less feed items have a urn: key and only the feed's summary), first copies only.
_PAGE_ARTICLES = (
    "source = ? AND text_chars IS NOT NULL AND duplicate_of IS NULL AND url NOT LIKE 'urn:%'"
)


@dataclass(frozen=True)
class MaintenanceReport:
    deleted: int = 0
    silent: tuple[str, ...] = ()
    health_changes: tuple[tuple[str, str, str], ...] = ()  # (source, before, after)
    alerts: int = 0


def maintain(
    db: sqlite_utils.Database, config: Config, *, now: float | None = None
) -> MaintenanceReport:
    """Run every maintenance step once; safe to call at any time."""
    now = time.time() if now is None else now
    deleted = prune_old_articles(db, config.storage.keep, now=now) if config.storage.keep else 0
    if deleted:
        log_event(log, "retention", deleted=deleted)
    prune_robots(db, now=now)
    silent = flag_silent_sources(db, [s.name for s in config.sources], now)
    changes, alerts = announce_health(db, config, now)
    checkpoint_wal(db)
    return MaintenanceReport(deleted, tuple(silent), tuple(changes), alerts)


def _rhythm(db: sqlite_utils.Database, source: str) -> float | None:
    """The median gap, in seconds, between the recent polls that brought new items."""
    times = sorted(
        {
            datetime.fromisoformat(f).timestamp() // 60 * 60
            for (f,) in db.execute(
                "SELECT fetched FROM articles WHERE source = ? ORDER BY fetched DESC LIMIT 50",
                [source],
            )
        }
    )
    if len(times) < SILENT_MIN_POLLS:
        return None
    return statistics.median(b - a for a, b in zip(times, times[1:], strict=False))


def flag_silent_sources(db: sqlite_utils.Database, names: list[str], now: float) -> list[str]:
    """Set ``silent`` on sources quiet for far longer than their rhythm; return them."""
    flagged = []
    rows = db.execute(
        "SELECT name, last_new_item, silent FROM sources WHERE last_new_item IS NOT NULL"
    ).fetchall()
    wanted = set(names)
    for name, last_new, was_silent in rows:
        if name not in wanted:
            continue
        rhythm = _rhythm(db, name)
        quiet = now - last_new
        silent = rhythm is not None and quiet > max(SILENT_FACTOR * rhythm, SILENT_FLOOR)
        if silent != bool(was_silent):
            with db.conn:
                db.execute("UPDATE sources SET silent = ? WHERE name = ?", [int(silent), name])
        if silent:
            flagged.append(name)
    return flagged


def health_state(row: dict[str, Any], max_failures: int, *, empty: bool = False) -> str:
    """``failing`` | ``silent`` | ``empty`` | ``ok``: what the health channels are told."""
    if row["paused"] or row["failures"] >= max_failures:
        return "failing"
    if row["silent"]:
        return "silent"
    if empty:
        return "empty"
    return "ok"


def empty_text_since(db: sqlite_utils.Database, source: str) -> tuple[float, str] | None:
    """When the source's run of empty-text articles began, and the latest such URL; None
    unless its last ``EMPTY_AFTER`` page articles all have empty text."""
    last = db.execute(
        f"SELECT text_chars, url FROM articles WHERE {_PAGE_ARTICLES} ORDER BY id DESC LIMIT ?",
        [source, EMPTY_AFTER],
    ).fetchall()
    if len(last) < EMPTY_AFTER or any(chars for chars, _ in last):
        return None
    # The run's first article, so a rerun after a crash names the same episode.
    (first,) = db.execute(
        f"SELECT min(fetched) FROM articles WHERE {_PAGE_ARTICLES} AND id > coalesce("
        f"(SELECT max(id) FROM articles WHERE {_PAGE_ARTICLES} AND text_chars > 0), 0)",
        [source, source],
    ).fetchone()
    return datetime.fromisoformat(first).timestamp(), last[0][1]


def announce_health(
    db: sqlite_utils.Database, config: Config, now: float
) -> tuple[list[tuple[str, str, str]], int]:
    """Compare each source's health with what was announced; alert on every change."""
    channels = [c for c in config.channels if c.health and c.enabled]
    names = {s.name for s in config.sources}
    changes, alerts = [], 0
    for row in db.query("SELECT * FROM sources"):
        if row["name"] not in names:
            continue
        empty = empty_text_since(db, row["name"])
        state = health_state(row, config.daemon.max_failures, empty=empty is not None)
        before = row["health_state"]
        if state == before:
            continue
        changes.append((row["name"], before, state))
        event = "recovered" if state == "ok" else state
        # The episode's start makes the id stable if this run dies before it is recorded.
        since = (row["last_success"] if state == "failing" else row["last_new_item"]) or now
        if state == "empty" and empty is not None:
            since = empty[0]
        payload = {
            "source": row["name"], "url": row["url"], "state": event,
            "message": _health_message(row, event, empty[1] if empty else None),
            "since": _iso(since),
            "failures": row["failures"], "last_error": row["last_error"],
        }  # fmt: skip
        # Each enqueue is its own transaction; the stable event id makes a rerun harmless.
        for channel in channels:
            event_id = _event_id(channel.name, row["name"], event, _iso(since))
            if _enqueue(db, channel.name, event_id, payload):
                alerts += 1
        with db.conn:
            db.execute("UPDATE sources SET health_state = ? WHERE name = ?", [state, row["name"]])
        level = logging.WARNING if state != "ok" else logging.INFO
        log_event(log, "source_health", level, source=row["name"], state=state,
                  previous=before, alerts=len(channels))  # fmt: skip
    return changes, alerts


def _health_message(row: dict[str, Any], event: str, empty_url: str | None = None) -> str:
    name = row["name"]
    if event == "failing":
        state = "paused" if row["paused"] else f"failing for {row['failures']} polls"
        return f'source "{name}" ({row["url"]}) is {state}: {row["last_error"]}'
    if event == "silent":
        return f'source "{name}" ({row["url"]}) has published nothing for far longer than usual'
    if event == "empty":
        return (
            f'source "{name}" ({row["url"]}) gives empty article text: its last {EMPTY_AFTER} '
            f"new articles had none after cleaning (latest: {empty_url})"
        )
    return f'source "{name}" ({row["url"]}) has recovered'


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _event_id(channel: str, source: str, state: str, since: str) -> str:
    from monitor.store.outbox import health_event_id

    return health_event_id(channel, source, state, since)


def _enqueue(db: sqlite_utils.Database, channel: str, event_id: str, payload: dict) -> bool:
    from monitor.store.outbox import enqueue_health_alert

    return bool(enqueue_health_alert(db, channel, event_id, payload))


def checkpoint_wal(db: sqlite_utils.Database, mode: str = "PASSIVE") -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(mode)``: (busy, wal pages, pages checkpointed)."""
    assert mode in ("PASSIVE", "FULL", "RESTART", "TRUNCATE")
    row = db.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    return (row[0], row[1], row[2]) if row else (0, 0, 0)
