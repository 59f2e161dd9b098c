"""What a channel is: the ``Channel`` protocol and the ``Delivery`` it sends.

Between the outbox (``monitor/store/outbox.py``, which holds the rows) and the delivery
job (``monitor/daemon/deliver.py``, which decides what is due). A channel only sends: it
takes one :class:`Delivery` (one alert, or a batch of them for a digest or a rate-limit
overflow) and returns, or raises :class:`DeliveryError` saying whether to retry. The
``{type: class}`` table and ``build_channel`` are in ``channels.py``, beside the channels
they import, so this module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from monitor.store import Alert

__all__ = ["Channel", "Delivery", "DeliveryError", "close_channel"]


@dataclass(frozen=True)
class Delivery:
    """One message on one channel.

    ``event_id`` is the webhook-id / Message-ID: an alert's own id when it goes alone, a
    batch id (fixed when the batch is claimed) when several go together. Every retry of a
    delivery carries the same id, so receivers can drop repeats.
    """

    channel: str
    event_id: str
    alerts: tuple[Alert, ...]
    batch: bool = False  # a digest or a rate-limit overflow: several articles in one message

    @property
    def created(self) -> float:
        return min(a.created for a in self.alerts)

    @property
    def timestamp(self) -> str:
        """When the event happened (the oldest alert), ISO 8601 UTC: the same on every retry."""
        return datetime.fromtimestamp(self.created, UTC).isoformat(timespec="seconds")


@dataclass
class DeliveryError(Exception):
    """A failed attempt. ``permanent``: do not retry; ``gone``: disable the channel (HTTP 410)."""

    message: str
    permanent: bool = False
    retry_after: float | None = None  # seconds, from a Retry-After header
    gone: bool = False

    def __str__(self) -> str:
        return self.message


class Channel(Protocol):
    name: str

    async def send(self, delivery: Delivery) -> None:
        """Deliver once or raise DeliveryError. The caller enforces the per-attempt deadline."""


async def close_channel(channel: Channel) -> None:
    """Close what a channel kept open between sends (a webhook's connection), if anything."""
    close = getattr(channel, "aclose", None)
    if close is not None:
        await close()
