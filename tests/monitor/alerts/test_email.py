"""E-mail to a real SMTP server (aiosmtpd on 127.0.0.1): immediate, digest, safe headers."""

from __future__ import annotations

import asyncio
import time

from monitor.alerts.policy import digest_fire_time
from monitor.daemon.deliver import deliver_due
from tests.monitor.alerts.conftest import (
    SmtpServer,
    free_port,
    mail_channel,
    outbox_rows,
    store_article,
)

BODY = "Vladimir Putin met Xi Jinping. Putin spoke of sanctions."


def _parts(msg):  # type: ignore[no-untyped-def]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return text, html


def test_mail_arrives_with_article_terms_and_snippets(make_config, smtp_server) -> None:
    config = make_config(mail_channel(smtp_server.port))
    store_article(config, "https://news.example/a", "Putin and Xi meet", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1, report.errors
    [msg] = smtp_server.messages
    assert msg["Subject"] == "[newshound] Putin and Xi meet"
    assert msg["To"] == "desk@example.org"
    event_id = outbox_rows(config)[0]["event_id"]
    assert msg["Message-ID"] == f"<{event_id}@example.org>"
    text, html = _parts(msg)
    assert "https://news.example/a" in text and "«Vladimir Putin»" in text
    assert "Putin (3×: Putin, Vladimir Putin)" in text and "Rules: summit" in text
    assert '<a href="https://news.example/a">' in html and "<mark>Vladimir Putin</mark>" in html


def test_title_with_crlf_and_html_is_delivered_safely(make_config, smtp_server) -> None:
    config = make_config(mail_channel(smtp_server.port))
    title = "Putin\r\nBcc: victim@example.org\r\n\r\n<script>alert(1)</script>\u2028<b>x</b>"
    store_article(config, "javascript:alert(1)", title, BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1, report.errors
    [msg] = smtp_server.messages
    assert msg["Bcc"] is None
    subject = str(msg["Subject"]).strip()  # a long Subject is folded after "Subject:"
    assert "\n" not in subject and "\r" not in subject and "\u2028" not in subject
    assert subject.startswith("[newshound] Putin Bcc: victim@example.org <script>")
    _, html = _parts(msg)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert 'href="javascript' not in html


def test_smtp_server_down_at_first_gets_the_mail_later(make_config, smtp_port) -> None:
    config = make_config(mail_channel(smtp_port.port))
    store_article(config, "https://news.example/b", "Putin later", BODY)
    t0 = time.time()
    first = asyncio.run(deliver_due(config, config.storage.path, now=t0))
    assert first.retrying == 1 and "connection refused" in first.errors[0]
    smtp_port.start()
    second = asyncio.run(deliver_due(config, config.storage.path, now=t0 + 120))
    assert second.sent == 1
    assert len(smtp_port.messages) == 1
    assert smtp_port.messages[0]["Message-ID"].startswith("<" + outbox_rows(config)[0]["event_id"])


def test_an_attempt_given_up_sends_no_mail_afterwards(make_config, smtp_server) -> None:
    """A server that answers each command within the timeout, but not the whole session:
    the attempt is given up at the channel's timeout and must not send DATA after that,
    or its retry would deliver the mail a second time."""
    smtp_server.slow = 0.7
    config = make_config(mail_channel(smtp_server.port).replace("timeout = 5", "timeout = 1"))
    store_article(config, "https://news.example/slow", "Putin, slowly", BODY)
    t0 = time.time()
    first = asyncio.run(deliver_due(config, config.storage.path, now=t0))
    assert first.retrying == 1, first.errors
    time.sleep(2.5)  # what a session left to go on would have sent by now
    assert smtp_server.messages == []
    smtp_server.slow = 0
    second = asyncio.run(deliver_due(config, config.storage.path, now=t0 + 120))
    assert second.sent == 1
    assert len(smtp_server.messages) == 1


def test_many_slow_mail_servers_do_not_delay_another_channel(make_config, smtp_server):
    """More slow e-mail channels than asyncio's default thread pool holds (at most 32):
    each send has a thread of its own, so a working channel still delivers at once."""
    smtp_server.slow = 1.5  # each session outlasts its channel's 2 s timeout
    fast = SmtpServer(port=free_port())
    fast.start()
    try:
        slow = [mail_channel(smtp_server.port, name=f"slow{i}", timeout=2) for i in range(33)]
        config = make_config("".join([*slow, mail_channel(fast.port, name="fast", timeout=2)]))
        store_article(config, "https://news.example/m", "Putin, by mail", BODY)
        report = asyncio.run(deliver_due(config, config.storage.path))
    finally:
        fast.stop()
    assert report.channels["fast"].sent == 1, report.channels["fast"].errors
    assert len(fast.messages) == 1
    assert all(c.sent == 0 for name, c in report.channels.items() if name != "fast")


def test_starttls_required_but_not_offered_sends_nothing(make_config, smtp_server) -> None:
    config = make_config(mail_channel(smtp_server.port, tls="starttls"))
    store_article(config, "https://news.example/t", "Putin clear text", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.failed == 1 and "STARTTLS" in report.errors[0]
    assert smtp_server.messages == []


def test_digest_sends_one_mail_per_period_with_all_articles(make_config, smtp_server) -> None:
    config = make_config(mail_channel(smtp_server.port, extra='digest = "1h"'))
    titles = ["Putin one", "Xi Jinping two", "Putin and Xi three"]
    for i, title in enumerate(titles):
        store_article(config, f"https://news.example/d{i}", title, title + ". " + BODY)
    created = outbox_rows(config)[0]["created"]
    fire = digest_fire_time(config.channels[0], created)
    held = asyncio.run(deliver_due(config, config.storage.path, now=fire - 1))
    assert held.sent == 0 and held.channels["mail"].held == 3
    report = asyncio.run(deliver_due(config, config.storage.path, now=fire + 1))
    assert report.sent == 3 and report.channels["mail"].messages == 1
    [msg] = smtp_server.messages
    assert msg["Subject"] == "[newshound] 3 new articles"
    text, html = _parts(msg)
    for title in titles:
        assert title in text and title in html
    assert "rule summit" in text
    assert {r["state"] for r in outbox_rows(config)} == {"sent"}
    # a later article: a second mail at the end of its period, with only it
    store_article(config, "https://news.example/d9", "Putin four", BODY)
    later = digest_fire_time(config.channels[0], outbox_rows(config)[-1]["created"])
    asyncio.run(deliver_due(config, config.storage.path, now=later - 1))
    assert len(smtp_server.messages) == 1
    asyncio.run(deliver_due(config, config.storage.path, now=later + 1))
    assert len(smtp_server.messages) == 2
    assert "Putin four" in _parts(smtp_server.messages[1])[0]
    assert "Putin one" not in _parts(smtp_server.messages[1])[0]
