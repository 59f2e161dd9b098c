"""Crash safety: SIGKILL the deliverer at chosen points, restart it, count what arrived.

The deliverer is a real process (``newshound alerts --deliver``, one pass of
``deliver_due``); the kill points come from the receivers, not from hooks in the code:
the webhook receiver or SMTP server holds its answer (during a delivery), or sends the
status line and then holds (answered, but the row not yet marked), and the test kills
the process once the receiver has logged the request. After the restart every alert is
delivered, and no article ever has a second distinct webhook-id or Message-ID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.store import open_database
from tests.monitor.alerts.conftest import (
    SECRET,
    SmtpServer,
    WebhookReceiver,
    outbox_rows,
    store_article,
    write_config,
)

BODY = "Vladimir Putin met Xi Jinping. Putin spoke of sanctions."


def channels(receiver: WebhookReceiver, smtp: SmtpServer | None = None, digest: str = "") -> str:
    text = f"""
[[channels]]
name = "hook"
type = "webhook"
url = "{receiver.url}"
secret = "{SECRET}"
timeout = 30
{digest}
"""
    if smtp is not None:
        text += f"""
[[channels]]
name = "mail"
type = "email"
smtp_url = "smtp://127.0.0.1:{smtp.port}"
tls = "none"
from = "newshound@example.org"
to = ["desk@example.org"]
timeout = 30
"""
    return text


def start_deliverer(config_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "alerts", "--deliver", "--config", str(config_path)],
        cwd=config_path.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def deliver_to_the_end(config_path: Path) -> None:
    proc = start_deliverer(config_path)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def ids_per_article(receiver: WebhookReceiver) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for hook in receiver.hooks:
        for article in hook.body["data"].get("articles", [hook.body["data"]]):
            seen[article["url"]].add(hook.id)
    return seen


def store_three(config_path: Path) -> list[str]:
    config = load_config(config_path)
    urls = [f"https://news.example/{i}" for i in range(3)]
    for i, url in enumerate(urls):
        store_article(config, url, f"Putin story {i}", BODY)
    return urls


def assert_all_sent_once(config_path: Path, receiver: WebhookReceiver, urls: list[str]) -> None:
    config = load_config(config_path)
    assert {r["state"] for r in outbox_rows(config)} == {"sent"}
    per_article = ids_per_article(receiver)
    assert set(per_article) == set(urls)
    assert all(len(ids) == 1 for ids in per_article.values()), per_article
    assert receiver.bad_signatures == 0


def test_no_lost_alert_after_kill_between_store_and_send(tmp_path, webhook, smtp_server) -> None:
    path = write_config(tmp_path, channels(webhook, smtp_server))
    urls = store_three(path)
    kill(start_deliverer(path))  # killed while starting, before or while sending
    deliver_to_the_end(path)
    assert_all_sent_once(path, webhook, urls)
    assert len(set(smtp_server.message_ids())) == 3


@pytest.mark.parametrize(
    "hold", ["before", "after"], ids=["during_delivery", "answered_not_marked"]
)
def test_no_duplicate_id_after_kill_during_webhook_delivery(tmp_path, webhook, hold) -> None:
    path = write_config(tmp_path, channels(webhook))
    urls = store_three(path)
    webhook.hold = hold
    proc = start_deliverer(path)
    assert webhook.received.wait(30), proc.communicate(timeout=5)
    kill(proc)
    assert [r["state"] for r in outbox_rows(load_config(path))][0] == "sending"
    webhook.hold = None
    webhook.release.set()
    deliver_to_the_end(path)
    assert_all_sent_once(path, webhook, urls)
    first = outbox_rows(load_config(path))[0]["event_id"]
    assert webhook.ids().count(first) == 2  # the killed attempt and its resend: one id


def test_no_duplicate_message_id_after_kill_during_smtp_delivery(
    tmp_path, webhook, smtp_server
) -> None:
    import threading

    path = write_config(tmp_path, channels(webhook, smtp_server))
    urls = store_three(path)
    smtp_server.hold = threading.Event()
    proc = start_deliverer(path)
    assert smtp_server.received.wait(30)
    kill(proc)
    smtp_server.hold.set()
    smtp_server.hold = None
    deliver_to_the_end(path)
    ids = smtp_server.message_ids()
    assert len(ids) == 4 and len(set(ids)) == 3  # the first mail twice, with one Message-ID
    assert_all_sent_once(path, webhook, urls)


def test_digest_resent_as_it_was_after_kill(tmp_path, webhook) -> None:
    path = write_config(tmp_path, channels(webhook, digest='digest = "1s"'))
    urls = store_three(path)
    db = open_database(load_config(path).storage.path)
    with db.conn:  # the three were written in one period that has ended
        db.execute("UPDATE outbox SET created = ?", [int(time.time()) - 10])
    db.close()
    webhook.hold = "after"
    proc = start_deliverer(path)
    assert webhook.received.wait(30)
    kill(proc)
    store_article(load_config(path), "https://news.example/late", "Putin late", BODY)
    webhook.hold = None
    webhook.release.set()
    time.sleep(1.1)
    deliver_to_the_end(path)
    deliver_to_the_end(path)
    assert_all_sent_once(path, webhook, [*urls, "https://news.example/late"])
    digest_ids = webhook.ids()
    assert digest_ids[0] == digest_ids[1] and digest_ids[0].startswith("dig_")
    assert [len(h.body["data"]["articles"]) for h in webhook.hooks] == [3, 3, 1]
