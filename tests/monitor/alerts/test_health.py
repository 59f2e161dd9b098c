"""Source health end to end: articles stored by ``save_article`` -> maintenance -> delivery
to a real signed-webhook receiver and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio

from monitor.daemon.deliver import deliver_due
from monitor.daemon.maintain import maintain
from monitor.store import Store, open_database
from monitor.store.sources import sync_sources
from tests.monitor.alerts.conftest import SECRET, store_article

CHANNELS = """
[[sources]]
name = "Wire"
url = "https://wire.example/feed.xml"

[[channels]]
name = "ops-hook"
type = "webhook"
url = "{hook}"
secret = "{secret}"
timeout = 5
health = true

[[channels]]
name = "ops-mail"
type = "email"
smtp_url = "smtp://127.0.0.1:{port}"
tls = "none"
from = "newshound@example.org"
to = ["ops@example.org"]
timeout = 5
health = true

[[channels]]
name = "desk"
type = "webhook"
url = "{hook}"
secret = "{secret}"
timeout = 5
"""


def run_maintenance(config) -> tuple:  # type: ignore[no-untyped-def]
    db = open_database(config.storage.path)
    try:
        sync_sources(db, config.sources)
        return maintain(Store.over(db), config).health_changes
    finally:
        db.close()


def test_empty_article_text_is_announced_once_then_recovered(
    make_config, webhook, smtp_server
) -> None:
    config = make_config(CHANNELS.format(hook=webhook.url, secret=SECRET, port=smtp_server.port))
    store_article(config, "https://wire.example/0", "Markets", "A normal article body.")
    for i in range(1, 4):  # the site changed its layout: the cleaner finds no text
        store_article(config, f"https://wire.example/{i}", f"Story {i}", "")
    assert run_maintenance(config) == (("Wire", "ok", "empty"),)
    assert run_maintenance(config) == ()  # already announced
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 2, report.errors
    [h] = webhook.hooks  # the desk channel (health = false) hears nothing
    assert h.body["type"] == "source.health" and h.body["data"]["state"] == "empty"
    assert "https://wire.example/3" in h.body["data"]["message"]
    [mail] = smtp_server.messages
    assert "empty article text" in mail.get_body(("plain",)).get_content()
    assert str(mail["Message-ID"]) == f"<{health_event_id_of(config, 'ops-mail', 0)}@example.org>"

    store_article(config, "https://wire.example/4", "Story 4", "The text is back.")
    assert run_maintenance(config) == (("Wire", "empty", "ok"),)
    assert asyncio.run(deliver_due(config, config.storage.path)).sent == 2
    assert asyncio.run(deliver_due(config, config.storage.path)).sent == 0
    assert [x.body["data"]["state"] for x in webhook.hooks] == ["empty", "recovered"]
    assert len(set(webhook.ids())) == 2 and webhook.bad_signatures == 0
    assert len(smtp_server.messages) == 2
    assert "has recovered" in smtp_server.messages[1].get_body(("plain",)).get_content()


def health_event_id_of(config, channel: str, index: int) -> str:  # type: ignore[no-untyped-def]
    db = open_database(config.storage.path)
    try:
        rows = db.execute(
            "SELECT event_id FROM outbox WHERE channel = ? AND kind = 'health' ORDER BY id",
            [channel],
        ).fetchall()
        return str(rows[index][0])
    finally:
        db.close()
