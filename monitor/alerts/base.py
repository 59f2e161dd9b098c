"""What a channel is: the ``Channel`` protocol, the ``Delivery`` it sends, and the type table.

Between the outbox (``monitor/store/outbox.py``, which holds the rows) and the delivery
job (``monitor/daemon/deliver.py``, which decides what is due). A channel only sends: it
takes one :class:`Delivery` (one alert, or a batch of them for a digest or a rate-limit
overflow) and returns, or raises :class:`DeliveryError` saying whether to retry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from monitor.config import ChannelConfig, NetworkConfig

__all__ = ["Alert", "Channel", "Delivery", "DeliveryError", "build_channel", "close_channel"]


@dataclass(frozen=True)
class Alert:
    """One outbox row as a channel sees it.

    ``kind`` is "article" (payload from ``routing.article_payload``) or "health" (payload
    from ``store.outbox.enqueue_health_alert``). ``created`` is unix time.
    """

    id: int
    event_id: str
    kind: str
    payload: dict[str, Any]
    created: float
    attempts: int = 1  # this one included


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


def build_channel(
    config: ChannelConfig, network: NetworkConfig | None = None, *, keep_alive: bool = False
) -> Channel:
    """The channel for ``config.type`` (console, webhook, email, apprise).

    ``keep_alive``: a webhook keeps its connection between sends; the caller then ends
    with :func:`close_channel`.
    """
    from monitor.alerts.apprise import AppriseChannel
    from monitor.alerts.console import ConsoleChannel
    from monitor.alerts.email import EmailChannel
    from monitor.alerts.webhook import WebhookChannel

    network = network or NetworkConfig()
    if config.type == "webhook":
        return WebhookChannel(config, network, keep_alive=keep_alive)
    types: dict[str, Callable[[ChannelConfig, NetworkConfig], Channel]] = {
        "console": ConsoleChannel,
        "email": EmailChannel,
        "apprise": AppriseChannel,
    }
    return types[config.type](config, network)


async def close_channel(channel: Channel) -> None:
    """Close what a channel kept open between sends (a webhook's connection), if anything."""
    close = getattr(channel, "aclose", None)
    if close is not None:
        await close()
