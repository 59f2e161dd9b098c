"""The Apprise channel: ``type = "apprise"``, ``url`` any Apprise URL (tgram://, slack://, ntfy://…).

Apprise has no idempotency key, so a retry after a crash between sending and marking can
show an alert twice; the title carries the article title, the body the same lines as the
console. Apprise's ``notify`` blocks, so it runs in a worker thread under the caller's
deadline; Apprise only says yes or no, so every failure is retried (transient).
"""

from __future__ import annotations

import asyncio

from monitor.alerts.base import Delivery, DeliveryError
from monitor.alerts.render import flatten_line, summary_line
from monitor.config import ChannelConfig, NetworkConfig

__all__ = ["AppriseChannel"]


class AppriseChannel:
    def __init__(self, config: ChannelConfig, network: NetworkConfig) -> None:
        self.name = config.name
        self.url = config.url or ""

    async def send(self, delivery: Delivery) -> None:
        if delivery.batch:
            title = f"newshound: {len(delivery.alerts)} new articles"
        else:
            first = delivery.alerts[0]
            health = "newshound: source health"
            title = str(first.payload.get("title") or "") if first.kind == "article" else health
        body = "\n".join(summary_line(a) for a in delivery.alerts)
        await asyncio.to_thread(self._notify, flatten_line(title or "newshound"), body)

    def _notify(self, title: str, body: str) -> None:
        import apprise  # imported when used: it loads every notification plugin

        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            raise DeliveryError(
                f"channel {self.name!r}: {self.url.split('://')[0]}:// is not an Apprise URL "
                "it can use (see https://github.com/caronc/apprise/wiki)",
                permanent=True,
            )
        if not notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
            raise DeliveryError(f"channel {self.name!r}: Apprise could not deliver (see its log)")
