"""The channel types: the explicit ``{type: class}`` table and :func:`build_channel`.

Beside the channels it imports (``base.py``, which they all import, imports none of them).
A new channel type is a module here, one entry in :data:`CHANNELS` and one in
``monitor.config.CHANNEL_TYPES`` (which config validation checks against).
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.alerts.apprise import AppriseChannel
from monitor.alerts.base import Channel
from monitor.alerts.console import ConsoleChannel
from monitor.alerts.email import EmailChannel
from monitor.alerts.webhook import WebhookChannel
from monitor.config import ChannelConfig, NetworkConfig

__all__ = ["CHANNELS", "build_channel"]

CHANNELS: dict[str, Callable[[ChannelConfig, NetworkConfig], Channel]] = {
    "console": ConsoleChannel,
    "webhook": WebhookChannel,
    "email": EmailChannel,
    "apprise": AppriseChannel,
}


def build_channel(
    config: ChannelConfig, network: NetworkConfig | None = None, *, keep_alive: bool = False
) -> Channel:
    """The channel for ``config.type`` (console, webhook, email, apprise).

    ``keep_alive``: a webhook keeps its connection between sends; the caller then ends
    with :func:`~monitor.alerts.base.close_channel`.
    """
    network = network or NetworkConfig()
    if config.type == "webhook":
        return WebhookChannel(config, network, keep_alive=keep_alive)
    return CHANNELS[config.type](config, network)
