"""Read-only questions for ``newshound status`` and ``newshound alerts``.

Beside the outbox (``monitor/store/outbox.py``, which writes the rows and each channel's
state) and ``source_pages`` (``monitor/store/pages.py``): how each channel is doing, what
went out, which sources are read through a feed found on their page, and how many
matched articles were held back because they were already old when found
(``[alerts] max_age``). Nothing here writes; the held-back count is derived from what is
stored (published vs fetched time, no outbox row), so it needs no column of its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from monitor.config import ChannelConfig, Config
from monitor.store.outbox import load_channel_state

__all__ = [
    "ChannelHealth", "channel_health", "held_back_counts", "sent_alerts", "substituted_feeds",
]  # fmt: skip


@dataclass(frozen=True)
class ChannelHealth:
    name: str
    last_success: float | None  # unix time of the last sent alert
    failures: int  # consecutive failed attempts since the last success
    pending: int  # pending or being sent
    failed: int  # given up on (``newshound alerts --retry`` sends them again)
    disabled: str | None  # why it was turned off (an HTTP 410), or None
    enabled: bool  # ``enabled = false`` in the config
    last_error: str | None
    failed_since_success: bool = False  # an alert given up on after the last success

    @property
    def failing(self) -> bool:
        """Disabled by a 410, failing now, or with alerts given up since its last success."""
        return bool(self.disabled or self.failures or self.failed_since_success)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "state": self.state, "last_success": self.last_success,
            "failures": self.failures, "pending": self.pending, "failed": self.failed,
            "disabled": self.disabled, "last_error": self.last_error,
        }  # fmt: skip

    @property
    def state(self) -> str:
        if not self.enabled:
            return "off"
        if self.disabled:
            return "disabled"
        return "failing" if self.failing else "ok"


def channel_health(
    db: sqlite_utils.Database, channels: Sequence[ChannelConfig]
) -> list[ChannelHealth]:
    """Each configured channel's health, from the outbox rows and the channel's state."""
    rows = db.execute(
        "SELECT channel, MAX(sent_at), "
        "SUM(state IN ('pending', 'sending')), SUM(state = 'failed') "
        "FROM outbox GROUP BY channel"
    ).fetchall()
    counts = {r[0]: r[1:] for r in rows}
    out = []
    for channel in channels:
        last_success, pending, failed = counts.get(channel.name, (None, 0, 0))
        state = load_channel_state(db, channel.name)
        row = db.execute(
            "SELECT 1 FROM outbox WHERE channel = ? AND state = 'failed' AND created > ? LIMIT 1",
            [channel.name, last_success or 0],
        ).fetchone()
        out.append(
            ChannelHealth(
                name=channel.name,
                last_success=last_success,
                failures=state.failures,
                pending=pending or 0,
                failed=failed or 0,
                disabled=state.disabled,
                enabled=channel.enabled,
                last_error=state.last_error,
                failed_since_success=row is not None,
            )  # fmt: skip
        )
    return out


def sent_alerts(db: sqlite_utils.Database, since: float | None = None) -> list[dict[str, Any]]:
    """Alerts sent (at or after ``since``, unix time), newest first, with their titles."""
    rows = db.execute(
        "SELECT id, channel, kind, event_id, sent_at, payload FROM outbox "
        "WHERE state = 'sent' AND sent_at >= ? ORDER BY sent_at DESC, id DESC",
        [since or 0],
    ).fetchall()
    out = []
    for aid, channel, kind, event_id, sent_at, payload in rows:
        p = json.loads(payload)
        out.append({
            "id": aid, "channel": channel, "kind": kind, "event_id": event_id,
            "sent_at": sent_at, "title": p.get("title") or p.get("message"), "url": p.get("url"),
        })  # fmt: skip
    return out


def held_back_counts(db: sqlite_utils.Database, config: Config) -> dict[str, int]:
    """Per source: matched articles not alerted because they were older than the source's
    ``max_age`` when found (published vs fetched), near-duplicates left out."""
    ages = {s.name: s.max_age for s in config.sources}
    rows = db.execute(
        "SELECT source, (julianday(fetched) - julianday(published)) * 86400 FROM articles a "
        "WHERE matched = 1 AND duplicate_of IS NULL AND published IS NOT NULL "
        "AND julianday(published) IS NOT NULL "
        "AND (julianday(fetched) - julianday(published)) * 86400 > ? "
        "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.article_id = a.id)",
        [min([config.alerts.max_age, *ages.values()])],
    ).fetchall()
    counts: dict[str, int] = {}
    for source, age in rows:
        if age > ages.get(source, config.alerts.max_age):
            counts[source] = counts.get(source, 0) + 1
    return counts


def substituted_feeds(db: sqlite_utils.Database) -> dict[str, str]:
    """Per source whose URL is a page: the feed discovered on it that is polled instead."""
    rows = db.execute(
        "SELECT source, url FROM source_pages WHERE role = 'feed' ORDER BY found"
    ).fetchall()
    return dict(rows)  # the newest found wins
