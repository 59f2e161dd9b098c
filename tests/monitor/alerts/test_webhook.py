"""Webhooks to a real receiver on 127.0.0.1 that checks the Standard Webhooks signature."""

from __future__ import annotations

import asyncio
import threading
import time

from monitor.daemon.deliver import deliver_due
from monitor.store import open_database
from tests.monitor.alerts.conftest import (
    outbox_rows,
    store_article,
    webhook_channel,
)

BODY = (
    "Vladimir Putin met Xi Jinping in Beijing on Tuesday. "
    "The talks covered new sanctions and trade. Putin said the sanction regime would fail."
)


def test_webhook_arrives_signed_with_terms_snippets_and_aliases(make_config, webhook) -> None:
    config = make_config(webhook_channel(webhook))
    store_article(config, "https://news.example/a", "Putin and Xi meet", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1 and report.errors == []
    assert webhook.bad_signatures == 0
    [hook] = webhook.hooks
    assert hook.body["type"] == "article.matched"
    data = hook.body["data"]
    assert data["url"] == "https://news.example/a"
    assert data["title"] == "Putin and Xi meet"
    assert set(data["terms"]) == {"Putin", "Xi", "sanctions"}
    assert data["rules"] == ["summit"]
    assert any("«Vladimir Putin»" in s for s in data["snippets"]["Putin"])
    assert "Xi Jinping" in data["aliases"]["Xi"]
    assert hook.id == outbox_rows(config)[0]["event_id"]
    assert outbox_rows(config)[0]["state"] == "sent"
    # nothing is sent twice
    asyncio.run(deliver_due(config, config.storage.path))
    assert len(webhook.hooks) == 1


def test_503_twice_then_200_gets_the_same_webhook_id_three_times(make_config, webhook) -> None:
    webhook.statuses = [503, 503]
    config = make_config(webhook_channel(webhook))
    store_article(config, "https://news.example/b", "Putin speaks", BODY)
    t0 = time.time()
    first = asyncio.run(deliver_due(config, config.storage.path, now=t0))
    assert first.retrying == 1 and "HTTP 503" in first.errors[0]
    row = outbox_rows(config)[0]
    assert row["state"] == "pending" and row["next_attempt"] > t0 and row["attempts"] == 1
    # not due yet: nothing is tried
    asyncio.run(deliver_due(config, config.storage.path, now=t0 + 1))
    assert len(webhook.hooks) == 1
    asyncio.run(deliver_due(config, config.storage.path, now=t0 + 3600))
    third = asyncio.run(deliver_due(config, config.storage.path, now=t0 + 7200))
    assert third.sent == 1
    assert [h.status for h in webhook.hooks] == [503, 503, 200]
    assert len(set(webhook.ids())) == 1
    row = outbox_rows(config)[0]
    assert row["state"] == "sent" and row["attempts"] == 3


def test_400_fails_at_once_and_410_disables_the_channel(make_config, webhook) -> None:
    webhook.statuses = [400, 410]
    config = make_config(webhook_channel(webhook))
    store_article(config, "https://news.example/c", "Putin one", BODY)
    store_article(config, "https://news.example/d", "Putin two", BODY)
    store_article(config, "https://news.example/e", "Putin three", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.failed == 2 and report.channels["desk"].disabled
    assert "410" in report.channels["desk"].disabled
    assert [r["state"] for r in outbox_rows(config)] == ["failed", "failed", "pending"]
    # disabled: the third waits, untried
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert len(webhook.hooks) == 2 and report.channels["desk"].held == 1


def test_redirect_is_not_followed(make_config, webhook) -> None:
    webhook.statuses = [302]
    config = make_config(webhook_channel(webhook))
    store_article(config, "https://news.example/r", "Putin redirected", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.failed == 1 and "not followed" in report.errors[0]
    assert len(webhook.hooks) == 1


def test_private_address_refused_without_allow_private(make_config, webhook, tmp_path) -> None:
    config = make_config(webhook_channel(webhook))
    from dataclasses import replace

    from monitor.config import NetworkConfig

    strict = replace(config, network=NetworkConfig(allow_private_addresses=False))
    store_article(config, "https://news.example/p", "Putin private", BODY)
    report = asyncio.run(deliver_due(strict, config.storage.path))
    assert report.failed == 1 and "loopback" in report.errors[0]
    assert webhook.hooks == []


def test_a_hanging_endpoint_delays_only_its_own_channel(make_config, webhook) -> None:
    import socket

    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen()  # accepts connections, never answers
    try:
        port = hang.getsockname()[1]
        channels = (
            webhook_channel(webhook, "fast")
            + f"""
[[channels]]
name = "slow"
type = "webhook"
url = "http://127.0.0.1:{port}/hook"
timeout = 2
"""
        )
        config = make_config(channels)
        store_article(config, "https://news.example/s", "Putin slow", BODY)
        started = time.monotonic()
        arrived: list[float] = []
        threading.Thread(
            target=lambda: (webhook.received.wait(10), arrived.append(time.monotonic())),
            daemon=True,
        ).start()
        report = asyncio.run(deliver_due(config, config.storage.path))
        took = time.monotonic() - started
        assert report.channels["fast"].sent == 1
        assert report.channels["slow"].retrying == 1
        assert "no answer within 2 s" in report.channels["slow"].errors[0]
        assert arrived and arrived[0] - started < 1.0 <= 2.0 <= took + 0.1
    finally:
        hang.close()


def test_hung_name_lookups_delay_no_other_channel(make_config, webhook, monkeypatch) -> None:
    """A webhook's DNS lookup runs in a thread of its own, not in asyncio's pool (at most
    32 threads, shared with the crawl launcher): 40 channels whose names take longer
    than their timeout to resolve leave a working channel on time. A resolver that hangs
    cannot be staged on loopback, so getaddrinfo is slowed for that one name."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "hung-dns.example":
            time.sleep(2.5)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    hung = "".join(
        f'\n[[channels]]\nname = "hung{i}"\ntype = "webhook"\n'
        f'url = "http://hung-dns.example/hook"\ntimeout = 2\n'
        for i in range(40)
    )
    config = make_config(
        hung + webhook_channel(webhook, "fast").replace("timeout = 5", "timeout = 2")
    )
    store_article(config, "https://news.example/d", "Putin, resolved", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.channels["fast"].sent == 1, report.channels["fast"].errors
    assert len(webhook.hooks) == 1
    assert all(c.sent == 0 for name, c in report.channels.items() if name != "fast")


def test_one_pass_sends_its_alerts_over_one_kept_connection(make_config, webhook) -> None:
    """A delivery pass keeps the channel's connection open between alerts (each alert
    still its own signed POST with its own webhook-id), and closes it at the end."""
    webhook.keep_alive = True
    config = make_config(webhook_channel(webhook))
    for i in range(5):
        store_article(config, f"https://news.example/k{i}", f"Putin, part {i}", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 5 and report.errors == []
    assert webhook.bad_signatures == 0
    assert sorted(webhook.ids()) == sorted(r["event_id"] for r in outbox_rows(config))
    assert len(webhook.connections) == 1


def test_a_kept_connection_the_receiver_dropped_loses_and_repeats_nothing(
    make_config, webhook
) -> None:
    """The receiver closes each connection after two answers without saying so: the next
    alert finds the connection gone, goes out on a new one, and each arrives once."""
    webhook.keep_alive, webhook.drop_after = True, 2
    config = make_config(webhook_channel(webhook))
    for i in range(5):
        store_article(config, f"https://news.example/d{i}", f"Putin, part {i}", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 5 and report.errors == []
    assert sorted(webhook.ids()) == sorted(r["event_id"] for r in outbox_rows(config))
    assert len(webhook.connections) == 3
    assert {r["attempts"] for r in outbox_rows(config)} == {1}


def test_a_channel_whose_release_failed_is_free_for_the_next_pass(make_config, webhook) -> None:
    """A full disk as a pass lets go of its channel: the release is not written, and the
    channel's lease (its budget plus a minute) would keep every later pass away. The next
    pass of the same process releases it first and sends what came meanwhile."""
    config = make_config(webhook_channel(webhook))
    store_article(config, "https://news.example/a", "Putin speaks", BODY)
    db = open_database(config.storage.path)
    db.execute(  # letting go of a channel writes its state with no owner: refused
        "CREATE TRIGGER full BEFORE UPDATE ON meta WHEN new.value LIKE '%\"owner\": null%' "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    assert asyncio.run(deliver_due(config, config.storage.path)).sent == 1
    db.execute("DROP TRIGGER full")
    db.close()
    store_article(config, "https://news.example/b", "Putin again", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert not report.channels["desk"].busy
    assert report.sent == 1
    assert [h.body["data"]["url"] for h in webhook.hooks] == [
        "https://news.example/a", "https://news.example/b",
    ]  # fmt: skip
