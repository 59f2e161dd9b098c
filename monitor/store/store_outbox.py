"""``Outbox``: the outbox as the Store's callers see it (``Store.outbox``).

The delivery job (``monitor/daemon/deliver.py``), maintenance's health alerts,
``newshound alerts``, ``newshound status`` and the web UI's retry call these methods on
the Store's one connection. The SQL and the transactions stay in ``outbox.py``: each
method that changes rows is one ``BEGIN IMMEDIATE`` transaction there, which is what
claim -> send -> mark relies on for at-least-once delivery under one event id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from monitor.store import outbox
from monitor.store.outbox import Alert, ChannelState

__all__ = ["Outbox"]


class Outbox:
    """The outbox rows and each channel's state record, on one connection."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # --- a delivery pass -----------------------------------------------------------------

    def acquire_channel(
        self, channel: str, owner: str, now: float, lease: float
    ) -> ChannelState | None:
        """Take ``channel`` for one pass (None: another live pass holds it); rows a dead
        pass left ``sending`` go back to ``pending`` with their event ids."""
        return outbox.acquire_channel(self.db, channel, owner, now, lease)

    def release_channel(self, channel: str, owner: str) -> None:
        outbox.release_channel(self.db, channel, owner)

    def channel_state(self, channel: str) -> ChannelState:
        return outbox.load_channel_state(self.db, channel)

    def update_channel_state(self, channel: str, **changes: Any) -> ChannelState:
        return outbox.update_channel_state(self.db, channel, **changes)

    def count_due(self, channel: str, now: float, kinds: Sequence[str]) -> int:
        return outbox.count_due(self.db, channel, now, kinds)

    def oldest_due(self, channel: str, now: float, kinds: Sequence[str]) -> float | None:
        return outbox.oldest_due(self.db, channel, now, kinds)

    def claim_alerts(
        self, channel: str, now: float, *, lease: float,
        kinds: Sequence[str] = ("article", "health"), limit: int = 1,
    ) -> list[Alert]:  # fmt: skip
        """Up to ``limit`` due rows, oldest first, marked ``sending`` in one transaction."""
        return outbox.claim_alerts(self.db, channel, now, lease=lease, kinds=kinds, limit=limit)

    def open_batch(
        self, channel: str, now: float, *, lease: float, limit: int,
        created_before: float | None = None,
    ) -> tuple[str, list[Alert]]:  # fmt: skip
        """A new batch (digest) of due article rows, its id and members fixed in the
        channel's state before it is sent."""
        return outbox.open_batch(
            self.db, channel, now, lease=lease, limit=limit, created_before=created_before
        )

    def claim_batch(
        self, channel: str, batch: dict[str, Any], now: float, *, lease: float
    ) -> list[Alert]:
        """The open batch's rows again, as they were (same id, same articles)."""
        return outbox.claim_batch(self.db, channel, batch, now, lease=lease)

    def release_alerts(self, ids: Sequence[int]) -> None:
        outbox.release_alerts(self.db, ids)

    def mark_sent(
        self, channel: str, ids: Sequence[int], now: float, *,
        close_batch: bool = False, record_send: float | None = None,
    ) -> None:  # fmt: skip
        outbox.mark_sent(
            self.db, channel, ids, now, close_batch=close_batch, record_send=record_send
        )

    def mark_retry(self, channel: str, ids: Sequence[int], retry_at: float, error: str) -> None:
        outbox.mark_retry(self.db, channel, ids, retry_at, error)

    def mark_failed(
        self, channel: str, ids: Sequence[int], error: str, *,
        close_batch: bool = False, disable: str | None = None,
    ) -> None:  # fmt: skip
        outbox.mark_failed(self.db, channel, ids, error, close_batch=close_batch, disable=disable)

    # --- health alerts (maintenance) --------------------------------------------------------

    def enqueue_health_alert(self, channel: str, event_id: str, payload: dict[str, Any]) -> bool:
        """Queue a source-health alert; False if ``event_id`` is already queued."""
        return outbox.enqueue_health_alert(self.db, channel, event_id, payload)

    # --- newshound alerts, status and the web UI ----------------------------------------------

    def list_alerts(self, states: Sequence[str]) -> list[dict[str, Any]]:
        return outbox.list_alerts(self.db, states)

    def channel_states(self) -> dict[str, ChannelState]:
        return outbox.channel_states(self.db)

    def counts(self) -> dict[str, int]:
        """Rows per state (pending, sending, sent, failed); states with none are absent."""
        return outbox.count_by_state(self.db)

    def retry_alerts(self, ids: Sequence[int] | None) -> int:
        """Rows due again with attempts reset (``None``: every failed row); how many."""
        return outbox.retry_alerts(self.db, ids)

    def enable_channel(self, channel: str) -> bool:
        return outbox.enable_channel(self.db, channel)
