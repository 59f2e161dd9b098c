"""A test alert: a sample article sent through one channel now (``newshound alerts --test``).

It goes straight to the channel, not through the outbox: nothing is stored, retried or
counted. Its kind is "test", so a webhook receiver sees ``"type": "newshound.test"`` (signed
like every other delivery) and can tell it from a real match.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime

from monitor.alerts.base import Delivery, DeliveryError
from monitor.alerts.channels import build_channel
from monitor.config import ChannelConfig, NetworkConfig
from monitor.store import Alert

__all__ = ["sample_delivery", "send_test_alert"]

SAMPLE_PAYLOAD = {
    "url": "https://example.org/newshound-test-alert",
    "title": "newshound test alert",
    "source": "newshound",
    "terms": ["test"],
    "rules": [],
    "snippets": {"test": ["This is a <mark>test</mark> alert sent by newshound alerts --test."]},
    "aliases": {"test": ["test"]},
    "counts": {"test": 1},
}


def sample_delivery(channel: str, now: float | None = None) -> Delivery:
    """One sample alert for ``channel``, with a fresh id (a test is never a repeat)."""
    created = time.time() if now is None else now
    published = datetime.fromtimestamp(created, UTC).isoformat(timespec="seconds")
    alert = Alert(
        id=0, event_id=f"test_{secrets.token_hex(16)}", kind="test",
        payload={**SAMPLE_PAYLOAD, "published": published}, created=created,
    )  # fmt: skip
    return Delivery(channel=channel, event_id=alert.event_id, alerts=(alert,))


async def send_test_alert(config: ChannelConfig, network: NetworkConfig) -> str | None:
    """Send the sample alert through ``config``'s channel; None, or the channel's error."""
    channel = build_channel(config, network)
    try:
        async with asyncio.timeout(config.timeout):
            await channel.send(sample_delivery(config.name))
    except TimeoutError:
        return f"channel {config.name!r}: no answer within {config.timeout:g} s"
    except DeliveryError as e:
        return str(e)
    except Exception as e:  # a library's own error: say what it was, in one line
        return f"channel {config.name!r}: {type(e).__name__}: {e}"
    return None
