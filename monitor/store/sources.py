"""Per-source state: what the conditional GET sends, what each poll found, when to poll next.

The config says which sources exist; this table says how they are doing. ``sync_sources``
makes the table follow the config (new rows for new sources, url/kind/interval updated),
never dropping history of a source that is still configured. Every ``record_*`` call also
sets ``next_poll`` (interval plus jitter, or a backoff: ``monitor.store.backoff``), so a
one-off ``scrapy crawl feeds`` and the daemon schedule alike. ``due_sources`` is what the
daemon's poll tick asks: which configured sources may be polled now (with the sources of
the same hosts whose interval has passed, so that a host's feeds go in one crawl).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from monitor.config import SourceConfig
from monitor.store.backoff import (
    classify_failure,
    next_delay,
    parse_retry_after,
    retry_delay,
    should_pause,
)
from monitor.store.canonical import url_host
from monitor.store.schema import transaction


@dataclass(frozen=True)
class SourceState:
    name: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None


def sync_sources(db: sqlite_utils.Database, sources: Sequence[SourceConfig]) -> None:
    """Insert new sources and update changed url/kind/interval of known ones.

    A changed URL forgets the old validators and hash and what the old URL led to (its
    ``source_pages``: discovered feed, sitemap children, where it moved), and un-pauses
    the source: the user has fixed it. Rows that already agree are not written: every
    crawl syncs its batch, and hundreds of unchanged upserts were most of a 304 crawl's
    database time.
    """
    rows = _named_rows(db, "name, url, kind, interval_s", [s.name for s in sources])
    stored = {row[0]: tuple(row[1:]) for row in rows}
    changed = [s for s in sources if stored.get(s.name) != (s.url, s.kind, s.interval)]
    if not changed:
        return
    with transaction(db):
        for s in changed:
            db.execute(
                "INSERT INTO sources (name, url, kind, interval_s) VALUES (?,?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET "
                "  etag = CASE WHEN sources.url = excluded.url THEN sources.etag END, "
                "  last_modified = CASE WHEN sources.url = excluded.url "
                "                  THEN sources.last_modified END, "
                "  content_hash = CASE WHEN sources.url = excluded.url "
                "                 THEN sources.content_hash END, "
                "  paused = CASE WHEN sources.url = excluded.url THEN sources.paused ELSE 0 END, "
                "  failures = CASE WHEN sources.url = excluded.url "
                "             THEN sources.failures ELSE 0 END, "
                "  next_poll = CASE WHEN sources.url = excluded.url "
                "              THEN sources.next_poll ELSE 0 END, "
                "  url = excluded.url, kind = excluded.kind, interval_s = excluded.interval_s",
                [s.name, s.url, s.kind, s.interval],
            )
            if s.name in stored and stored[s.name][0] != s.url:
                db.execute("DELETE FROM source_pages WHERE source = ?", [s.name])


def get_source_state(db: sqlite_utils.Database, name: str) -> SourceState | None:
    row = db.execute(
        "SELECT name, etag, last_modified, content_hash FROM sources WHERE name = ?", [name]
    ).fetchone()
    return SourceState(*row) if row else None


def get_source_states(db: sqlite_utils.Database, names: Collection[str]) -> dict[str, SourceState]:
    """``get_source_state`` for many sources in one query (a crawl's whole batch)."""
    rows = _named_rows(db, "name, etag, last_modified, content_hash", names)
    return {row[0]: SourceState(*row) for row in rows}


def _named_rows(db: sqlite_utils.Database, columns: str, names: Collection[str]) -> list[Any]:
    """``columns`` of the sources in ``names``, reading only their rows: a crawl's batch
    is often a few sources among thousands."""
    return db.execute(
        f"SELECT {columns} FROM sources WHERE name IN (SELECT value FROM json_each(?))",
        [json.dumps(list(names))],
    ).fetchall()


def _interval(db: sqlite_utils.Database, name: str) -> float:
    row = db.execute("SELECT interval_s FROM sources WHERE name = ?", [name]).fetchone()
    return float(row[0]) if row else 600.0


def record_unchanged(db: sqlite_utils.Database, name: str, status: int) -> None:
    """A 304, or a 200 whose body hash is the one we already parsed."""
    now = time.time()
    with transaction(db):
        db.execute(
            "UPDATE sources SET last_poll = ?, last_success = ?, last_status = ?, "
            "last_error = NULL, failures = 0, next_poll = ? WHERE name = ?",
            [now, now, status, now + next_delay(_interval(db, name)), name],
        )


def record_unchanged_many(
    db: sqlite_utils.Database, polls: Sequence[tuple[str, int, float, float]]
) -> None:
    """Many ``record_unchanged`` in one transaction: ``(name, status, when, interval)``
    per poll, ``when`` the time it was answered and ``interval`` the source's configured
    interval (``SourceConfig.interval``, what ``sync_sources`` stored)."""
    if not polls:
        return
    with transaction(db):
        db.conn.executemany(
            "UPDATE sources SET last_poll = ?, last_success = ?, last_status = ?, "
            "last_error = NULL, failures = 0, next_poll = ? WHERE name = ?",
            [(when, when, status, when + next_delay(interval), name)
             for name, status, when, interval in polls],
        )  # fmt: skip


def record_fetched(
    db: sqlite_utils.Database,
    name: str,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    content_hash: str | None,
    items: int = 0,
    keep_validators: bool = True,
    held_polls: int = 0,
    when: float | None = None,
) -> None:
    """A body that was parsed: the poll's outcome, and (``keep_validators``) the
    validators and hash the next poll is recognised by. ``held_polls`` counts the polls in
    a row whose validators were not kept (``Store.source_polled``); ``when``: the time the
    body was fetched (default: now)."""
    now = time.time() if when is None else when
    keep = int(keep_validators)
    with transaction(db):
        db.execute(
            "UPDATE sources SET etag = CASE WHEN ? THEN ? ELSE etag END, "
            "last_modified = CASE WHEN ? THEN ? ELSE last_modified END, "
            "content_hash = CASE WHEN ? THEN ? ELSE content_hash END, last_poll = ?, "
            "last_success = ?, last_status = ?, last_error = NULL, failures = 0, "
            "items_seen = items_seen + ?, next_poll = ?, held_polls = ? WHERE name = ?",
            [keep, etag, keep, last_modified, keep, content_hash, now, now, status, items,
             now + next_delay(_interval(db, name)), held_polls, name],
        )  # fmt: skip


def record_new_items(db: sqlite_utils.Database, name: str, count: int) -> None:
    if count:
        with transaction(db):
            db.execute(
                "UPDATE sources SET last_new_item = ?, silent = 0 WHERE name = ?",
                [time.time(), name],
            )


def record_fetch_failure(
    db: sqlite_utils.Database,
    name: str,
    *,
    status: int | None,
    error: str,
    retry_after: str | bytes | None = None,
    max_failures: int | None = None,
) -> None:
    """A poll that failed: count it, back off (``monitor.store.backoff``), maybe pause.

    ``retry_after`` is the response's Retry-After header, if any; ``max_failures`` is
    ``daemon.max_failures``: that many 404/410/not-a-feed answers in a row pause the source
    (None: do not pause here; the daemon applies its policy when it sees the outcome).
    """
    now = time.time()
    with transaction(db):
        row = db.execute(
            "SELECT interval_s, failures FROM sources WHERE name = ?", [name]
        ).fetchone()
        if row is None:
            return
        interval, failures = float(row[0]), int(row[1]) + 1
        kind = classify_failure(status, error)
        delay = retry_delay(interval, failures, kind, parse_retry_after(retry_after, now))
        paused = max_failures is not None and should_pause(kind, failures, max_failures)
        db.execute(
            "UPDATE sources SET last_poll = ?, last_status = ?, last_error = ?, "
            "failures = ?, next_poll = ?, paused = MAX(paused, ?) WHERE name = ?",
            [now, status, error, failures, now + delay, int(paused), name],
        )


def due_sources(
    db: sqlite_utils.Database,
    names: Collection[str],
    *,
    now: float | None = None,
    exclude: Collection[str] = (),
    limit: int | None = None,
) -> list[str]:
    """Configured sources (``names``) whose next poll has come and that are not paused,
    then their host's companions (:func:`host_companions`).

    Oldest-due first; ``exclude`` are the ones already being polled; ``limit`` caps the
    batch so a backlog after downtime is spread over several ticks.
    """
    now = time.time() if now is None else now
    wanted, skip = set(names), set(exclude)
    due = []
    for (name,) in db.execute(
        "SELECT name FROM sources WHERE next_poll <= ? AND paused = 0 ORDER BY next_poll",
        [now],
    ):
        if name in wanted and name not in skip:
            due.append(name)
            if limit is not None and len(due) >= limit:
                return due
    if due:
        room = None if limit is None else limit - len(due)
        due += host_companions(db, due, wanted, now=now, exclude=skip, limit=room)
    return due


def host_companions(
    db: sqlite_utils.Database,
    due: Collection[str],
    names: Collection[str],
    *,
    now: float,
    exclude: Collection[str] = (),
    limit: int | None = None,
) -> list[str]:
    """Sources (of ``names``) on the hosts of ``due`` that may be polled with them: a full
    interval has passed since their last poll and only the jitter keeps them waiting (not a
    backoff, not a pause).

    A site followed through several feeds is then asked for all of them in one crawl, over
    one connection, instead of once a tick over the next minute with a new connection (and
    over https a new handshake, 2-3 ms of CPU) each time. None is polled sooner than
    its interval.
    """
    hosts = {_host(url) for (url,) in _named_rows(db, "url", due)} - {""}
    wanted, skip = set(names), set(exclude) | set(due)
    out = []
    for name, url in db.execute(
        "SELECT name, url FROM sources WHERE paused = 0 AND failures = 0 AND next_poll > ? "
        "AND last_poll IS NOT NULL AND last_poll + interval_s <= ? ORDER BY next_poll",
        [now, now],
    ):
        if name in wanted and name not in skip and _host(url) in hosts:
            out.append(name)
            if limit is not None and len(out) >= limit:
                break
    return out


# A tick asks again for the hosts of the same few hundred URLs: parsed once per process.
_host = functools.lru_cache(maxsize=65536)(url_host)


def polled_since(db: sqlite_utils.Database, since: float) -> dict[str, dict[str, Any]]:
    """name -> row for every source whose last poll ended at or after ``since``."""
    return {row["name"]: row for row in db.query(
        "SELECT * FROM sources WHERE last_poll >= ?", [since])}  # fmt: skip


def items_seen(db: sqlite_utils.Database) -> dict[str, int]:
    """name -> how many feed items each source has listed so far."""
    return {name: int(n) for name, n in db.execute("SELECT name, items_seen FROM sources")}


def postpone_source(db: sqlite_utils.Database, name: str, delay: float) -> None:
    """Set the next poll ``delay`` seconds from now without recording an outcome."""
    with transaction(db):
        db.execute("UPDATE sources SET next_poll = ? WHERE name = ?", [time.time() + delay, name])


FAILING_STATES = ("failing", "paused")


def source_state(row: dict[str, Any] | None, enabled: bool = True) -> str:
    """One word for a source: new, ok, failing, paused, silent, empty or disabled."""
    if not enabled:
        return "disabled"
    if row is None or row["last_poll"] is None:
        return "new"
    if row["paused"]:
        return "paused"
    if row["failures"]:
        return "failing"
    if row["silent"]:
        return "silent"
    if row.get("health_state") == "empty":  # its recent pages cleaned to no text
        return "empty"
    return "ok"


def describe_sources(
    db: sqlite_utils.Database, sources: Sequence[SourceConfig]
) -> list[dict[str, Any]]:
    """Each configured source, in config order, with its state and its row's columns."""
    rows = {row["name"]: row for row in db.query("SELECT * FROM sources")}
    moved = dict(db.execute("SELECT source, url FROM source_pages WHERE role = 'moved'"))
    out = []
    for s in sources:
        row = rows.get(s.name)
        out.append({
            "name": s.name, "url": s.url, "state": source_state(row, s.enabled),
            "last_poll": row and row["last_poll"], "last_success": row and row["last_success"],
            "last_status": row and row["last_status"], "last_error": row and row["last_error"],
            "failures": row["failures"] if row else 0,
            "next_poll": row["next_poll"] if row and s.enabled and not row["paused"] else None,
            "items_seen": row["items_seen"] if row else 0,
            "last_new_item": row and row["last_new_item"],
            "moved_to": moved.get(s.name),  # where its URL redirects permanently
        })  # fmt: skip
    return out
