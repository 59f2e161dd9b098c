"""The console channel: one readable line per match on standard output.

The default channel when there is no config file (``monitor/defaults.toml``). Lines are
flattened (``render.summary_line``), so a title cannot forge a second line.
"""

from __future__ import annotations

import sys
from typing import TextIO

from monitor.alerts.base import Delivery
from monitor.alerts.render import summary_line
from monitor.config import ChannelConfig, NetworkConfig

__all__ = ["ConsoleChannel"]


class ConsoleChannel:
    def __init__(
        self, config: ChannelConfig, network: NetworkConfig, stream: TextIO | None = None
    ) -> None:
        self.name = config.name
        self.stream = stream  # None: sys.stdout at the time of sending (pytest swaps it)

    async def send(self, delivery: Delivery) -> None:
        stream = self.stream or sys.stdout
        for alert in delivery.alerts:
            stream.write(summary_line(alert) + "\n")
        stream.flush()
