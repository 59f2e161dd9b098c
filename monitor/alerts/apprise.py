"""The Apprise channel: ``type = "apprise"``, ``url`` any Apprise URL (tgram://, slack://, ntfy://…).

The title carries the article title, the body the same lines as the console. Apprise only
says yes or no, so every failure is retried (transient).

Apprise's ``notify`` blocks and cannot be interrupted, so it runs in a thread of its own
(``threads.py``), and the caller's deadline (the channel's ``timeout``) only stops the
waiting: the thread goes on and may still deliver. Apprise has no idempotency key for a
receiver to drop a repeat with, so the next attempt of the same delivery does not send
again while that thread lives: it waits for it. A late success counts as its own; after
a late failure nothing went out, and it sends. Only a crash between sending and marking
can still show an alert twice.
"""

from __future__ import annotations

from concurrent.futures import Future

from monitor.alerts.base import Delivery, DeliveryError
from monitor.alerts.render import flatten_line, summary_line
from monitor.alerts.threads import ended, start_thread
from monitor.config import ChannelConfig, NetworkConfig

__all__ = ["AppriseChannel"]

# Attempts by (Apprise URL, delivery event id), from start until an attempt of that
# delivery has seen how it ended: one its caller gave up on stays for the next to await.
_ATTEMPTS: dict[tuple[str, str], Future[None]] = {}


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
            title = str(first.payload.get("title") or "") if first.kind != "health" else health
        body = "\n".join(summary_line(a) for a in delivery.alerts)
        key = (self.url, delivery.event_id)
        earlier = _ATTEMPTS.get(key)
        if earlier is not None:  # it outlived its deadline: it may have delivered
            await ended(earlier)  # cancelled by this deadline: the entry stays for the next
            _ATTEMPTS.pop(key, None)
            if earlier.exception() is None:
                return
        # nothing went out (or only an attempt that failed): send now
        attempt = start_thread(self._notify, flatten_line(title or "newshound"), body)
        _ATTEMPTS[key] = attempt
        await ended(attempt)
        _ATTEMPTS.pop(key, None)
        attempt.result()  # its DeliveryError, if it failed

    def _notify(self, title: str, body: str) -> None:
        import apprise  # imported when used: it loads every notification plugin

        # All in this thread: Apprise's own deadline (service_timeout) would hand the send
        # to its process-wide pool and give up on it while it may still deliver, the
        # late delivery this module exists to keep from being sent again; and that pool,
        # a few threads for every channel, would let hung channels delay the others.
        asset = apprise.AppriseAsset(async_mode=False, service_timeout=0)
        notifier = apprise.Apprise(asset=asset)
        if not notifier.add(self.url):
            raise DeliveryError(
                f"channel {self.name!r}: {self.url.split('://')[0]}:// is not an Apprise URL "
                "it can use (see https://github.com/caronc/apprise/wiki)",
                permanent=True,
            )
        if not notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
            raise DeliveryError(f"channel {self.name!r}: Apprise could not deliver (see its log)")
