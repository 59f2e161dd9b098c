"""Maintenance, the daemon's third job: retention, WAL checkpoint, source health.

- Retention: with ``[storage] keep = "30d"``, unmatched articles older than that are
  deleted (matched ones, their matches and their alerts are kept).
- WAL checkpoint: a passive one each run (readers are never blocked); the daemon does a
  truncating one at shutdown.
- Silence: a source that has published nothing for far longer than its usual rhythm (the
  median gap between the polls that brought new items) is flagged ``silent``.
- Empty text: a source whose last ``EMPTY_AFTER`` newly stored articles (fetched from a
  link, not near-duplicates, not link-less feed items) all have empty cleaned text is
  ``empty`` -- a changed page layout or a paywall the cleaner cannot see through
  (``Store.empty_text_run``).
- Health alerts: when a source starts failing (``daemon.max_failures`` polls in a row, or
  paused), goes silent, starts giving empty text, or recovers, one alert goes to each
  channel with ``health = true`` (``Store.outbox.enqueue_health_alert``; delivered
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

from monitor.config import Config
from monitor.daemon.logs import log_event
from monitor.store import Store, health_event_id

__all__ = ["MaintenanceReport", "maintain", "health_state", "empty_text_since"]

log = logging.getLogger("newshound.daemon.maintain")

SILENT_FACTOR = 10.0  # silent after 10× the usual gap between new items …
SILENT_FLOOR = 6 * 3600.0  # … and never sooner than six hours
SILENT_MIN_POLLS = 4  # polls with new items needed before a rhythm is known
EMPTY_AFTER = 3  # this many new articles in a row with empty text: the source is "empty"


@dataclass(frozen=True)
class MaintenanceReport:
    deleted: int = 0
    silent: tuple[str, ...] = ()
    health_changes: tuple[tuple[str, str, str], ...] = ()  # (source, before, after)
    alerts: int = 0


def maintain(store: Store, config: Config, *, now: float | None = None) -> MaintenanceReport:
    """Run every maintenance step once; safe to call at any time."""
    now = time.time() if now is None else now
    keep = config.storage.keep
    deleted = store.prune_articles(keep, now=now) if keep else 0
    if deleted:
        log_event(log, "retention", deleted=deleted)
    store.prune_robots(now=now)
    silent = flag_silent_sources(store, [s.name for s in config.sources], now)
    changes, alerts = announce_health(store, config, now)
    store.checkpoint_wal()
    return MaintenanceReport(deleted, tuple(silent), tuple(changes), alerts)


def _rhythm(store: Store, source: str) -> float | None:
    """The median gap, in seconds, between the recent polls that brought new items."""
    times = sorted(
        {datetime.fromisoformat(f).timestamp() // 60 * 60 for f in store.new_item_times(source)}
    )
    if len(times) < SILENT_MIN_POLLS:
        return None
    return statistics.median(b - a for a, b in zip(times, times[1:], strict=False))


def flag_silent_sources(store: Store, names: list[str], now: float) -> list[str]:
    """Set ``silent`` on sources quiet for far longer than their rhythm; return them."""
    flagged = []
    wanted = set(names)
    for name, last_new, was_silent in store.new_item_sources():
        if name not in wanted:
            continue
        rhythm = _rhythm(store, name)
        quiet = now - last_new
        silent = rhythm is not None and quiet > max(SILENT_FACTOR * rhythm, SILENT_FLOOR)
        if silent != was_silent:
            store.set_silent(name, silent)
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


def empty_text_since(store: Store, source: str) -> tuple[float, str] | None:
    """When the source's run of empty-text articles began, and the latest such URL; None
    unless its last ``EMPTY_AFTER`` page articles all have empty text."""
    run = store.empty_text_run(source, EMPTY_AFTER)
    if run is None:
        return None
    first, latest_url = run  # the run's first article: a rerun names the same episode
    return datetime.fromisoformat(first).timestamp(), latest_url


def announce_health(
    store: Store, config: Config, now: float
) -> tuple[list[tuple[str, str, str]], int]:
    """Compare each source's health with what was announced; alert on every change."""
    channels = [c for c in config.channels if c.health and c.enabled]
    names = {s.name for s in config.sources}
    changes, alerts = [], 0
    for row in store.source_rows():
        if row["name"] not in names:
            continue
        empty = empty_text_since(store, row["name"])
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
            event_id = health_event_id(channel.name, row["name"], event, _iso(since))
            if store.outbox.enqueue_health_alert(channel.name, event_id, payload):
                alerts += 1
        store.set_health_state(row["name"], state)
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
