"""Channel options (rate_limit, quiet_hours), health alerts, console and Apprise channels."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest

import monitor.alerts
from monitor.daemon.deliver import deliver_due
from monitor.store import open_database
from monitor.store.outbox import enqueue_health_alert, health_event_id
from tests.monitor.alerts.conftest import (
    outbox_rows,
    serve_webhooks,
    store_article,
    webhook_channel,
)

BODY = "Vladimir Putin met Xi Jinping. Putin spoke of sanctions."


def test_alerts_package_exports() -> None:
    assert monitor.alerts.__all__ == ["build_channel", "plan_alerts"]


def test_every_type_config_accepts_has_a_channel_and_no_other() -> None:
    """config cannot import the channels (it sits below them), so it lists the types
    itself: a type it accepts but cannot build would fail at the first alert."""
    from monitor.alerts.channels import CHANNELS
    from monitor.config import CHANNEL_TYPES

    assert set(CHANNEL_TYPES) == set(CHANNELS)


def test_rate_limit_rolls_the_rest_into_one_batch(make_config, webhook) -> None:
    config = make_config(webhook_channel(webhook, extra='rate_limit = "2/h"'))
    for i in range(5):
        store_article(config, f"https://news.example/{i}", f"Putin {i}", BODY)
    t0 = time.time()
    report = asyncio.run(deliver_due(config, config.storage.path, now=t0))
    assert report.sent == 5 and report.channels["desk"].messages == 2
    assert [h.body["type"] for h in webhook.hooks] == ["article.matched", "article.digest"]
    assert len(webhook.hooks[1].body["data"]["articles"]) == 4
    # the window is full: a new article waits until a message leaves the window
    store_article(config, "https://news.example/6", "Putin 6", BODY)
    held = asyncio.run(deliver_due(config, config.storage.path, now=t0 + 60))
    assert held.sent == 0 and held.channels["desk"].held == 1
    later = asyncio.run(deliver_due(config, config.storage.path, now=t0 + 3601))
    assert later.sent == 1 and len(webhook.hooks) == 3


def test_quiet_hours_hold_alerts_until_they_end(make_config, webhook) -> None:
    now = datetime.now().astimezone().replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    config = make_config(
        webhook_channel(webhook, extra=f'quiet_hours = "{start:%H:%M}-{end:%H:%M}"')
    )
    store_article(config, "https://news.example/q", "Putin at night", BODY)
    held = asyncio.run(deliver_due(config, config.storage.path, now=now.timestamp() + 30))
    assert held.sent == 0 and held.channels["desk"].held == 1 and webhook.hooks == []
    after = asyncio.run(deliver_due(config, config.storage.path, now=end.timestamp() + 60))
    assert after.sent == 1


def test_health_alert_queued_once_and_delivered(make_config, webhook) -> None:
    config = make_config(webhook_channel(webhook, extra="health = true"))
    db = open_database(config.storage.path)
    payload = {"source": "Wire", "url": "https://wire.example/feed", "state": "failing",
               "message": "HTTP 503 for 5 polls in a row", "since": "2025-01-01T00:00:00+00:00",
               "failures": 5, "last_error": "HTTP 503"}  # fmt: skip
    event = health_event_id("desk", "Wire", "failing", payload["since"])
    try:
        assert enqueue_health_alert(db, "desk", event, payload) is True
        assert enqueue_health_alert(db, "desk", event, payload) is False
        with pytest.raises(ValueError, match="state"):
            enqueue_health_alert(db, "desk", "x", {"source": "Wire", "message": "m"})
    finally:
        db.close()
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1
    [h] = webhook.hooks
    assert h.id == event and h.body["type"] == "source.health"
    assert h.body["data"]["state"] == "failing"


def test_console_prints_one_flat_line_per_match(make_config, capsys) -> None:
    config = make_config('[[channels]]\nname = "console"\ntype = "console"\n')
    store_article(config, "https://news.example/c", "Putin\nfake line", BODY)
    store_article(config, "https://news.example/x", "Xi Jinping alone", "Xi Jinping spoke.")
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Putin fake line — Wire — Putin ×3, Xi, sanctions [summit]")
    assert lines[0].endswith("https://news.example/c")


def test_apprise_channel_posts_to_a_json_url(make_config, webhook) -> None:
    webhook.check_signatures = False
    url = webhook.url.replace("http://", "json://")
    config = make_config(f'[[channels]]\nname = "chat"\ntype = "apprise"\nurl = "{url}"\n')
    store_article(config, "https://news.example/a", "Putin via Apprise", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1, report.errors
    [h] = webhook.hooks
    assert h.body["title"] == "Putin via Apprise"
    assert "https://news.example/a" in h.body["message"]
    assert outbox_rows(config)[0]["state"] == "sent"


def test_hung_apprise_channels_do_not_delay_another(make_config, webhook) -> None:
    """However many Apprise channels hang, a working one still delivers within its
    deadline: each send runs in a thread of its own, not in Apprise's process-wide pool
    (a few threads, which eight hung sends fill)."""
    webhook.check_signatures = False
    webhook.hold = "before"  # never answers while the test runs
    hung = webhook.url.replace("http://", "json://")
    with serve_webhooks() as working:
        working.check_signatures = False
        fast = working.url.replace("http://", "json://")
        blocks = [f'[[channels]]\nname = "hung{i}"\ntype = "apprise"\nurl = "{hung}"\n'
                  "timeout = 2\n" for i in range(8)]  # fmt: skip
        blocks.append(
            f'[[channels]]\nname = "fast"\ntype = "apprise"\nurl = "{fast}"\ntimeout = 2\n'
        )
        config = make_config("\n".join(blocks))
        store_article(config, "https://news.example/h", "Putin, at last", BODY)
        report = asyncio.run(deliver_due(config, config.storage.path))
        webhook.release.set()
    assert report.channels["fast"].sent == 1, report.channels["fast"].errors
    assert len(working.hooks) == 1
    assert all(c.sent == 0 for name, c in report.channels.items() if name != "fast")


@pytest.mark.parametrize(("late_answer", "posts"), [(200, 1), (500, 2)])
def test_apprise_retry_takes_the_outcome_of_the_attempt_its_deadline_gave_up_on(
    make_config, webhook, late_answer, posts
):
    """Apprise cannot be stopped mid-send and has no idempotency key: the retry after a
    timeout takes the still-running attempt's outcome. Delivered late: nothing is posted
    again. Failed late: the retry posts it now."""
    webhook.check_signatures = False
    webhook.statuses = [late_answer]
    webhook.hold = "before"  # the POST arrives, the answer waits for ``release``
    url = webhook.url.replace("http://", "json://")
    config = make_config(
        f'[[channels]]\nname = "chat"\ntype = "apprise"\nurl = "{url}"\ntimeout = 1\n'
    )
    store_article(config, "https://news.example/slow", "Putin, slowly", BODY)

    async def two_passes():
        t0 = time.time()
        first = await deliver_due(config, config.storage.path, now=t0)
        webhook.release.set()  # the abandoned attempt's POST gets its answer now
        retry = await deliver_due(config, config.storage.path, now=t0 + 3600)
        return first, retry

    first, retry = asyncio.run(two_passes())
    assert first.sent == 0 and "no answer within 1 s" in first.channels["chat"].errors[0]
    assert retry.sent == 1, retry.errors
    assert len(webhook.hooks) == posts
    assert outbox_rows(config)[0]["state"] == "sent"
