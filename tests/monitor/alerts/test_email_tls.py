"""E-mail over verified TLS: STARTTLS and implicit TLS to aiosmtpd on 127.0.0.1.

The server certificates come from a throwaway CA (``test_ca`` in conftest). The channel
still builds ``ssl.create_default_context()``; the tests make it trust the test CA only
through OpenSSL's ``SSL_CERT_FILE`` (``trust_test_ca``), so what is exercised is the
production verification: chain and host name.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from monitor.daemon.deliver import deliver_due
from tests.monitor.alerts.conftest import mail_channel, outbox_rows, store_article
from tests.monitor.alerts.test_email import BODY


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_mail_arrives_over_verified_tls(make_config, tls_smtp, trust_test_ca, mode) -> None:
    server = tls_smtp(mode)
    config = make_config(mail_channel(server.port, mode))
    store_article(config, "https://news.example/tls", "Putin over TLS", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1, report.errors
    [msg] = server.messages
    assert server.tls == [True]
    assert msg["Message-ID"] == f"<{outbox_rows(config)[0]['event_id']}@example.org>"
    assert msg["Subject"] == "[newshound] Putin over TLS"


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_certificate_from_an_untrusted_ca_is_refused(make_config, tls_smtp, mode) -> None:
    """Without the test CA trusted, the same server is refused: verification is on."""
    server = tls_smtp(mode)
    config = make_config(mail_channel(server.port, mode))
    store_article(config, "https://news.example/untrusted", "Putin untrusted", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 0 and report.retrying == 1
    assert "TLS certificate refused" in report.errors[0]
    assert "unable to get local issuer certificate" in report.errors[0]
    assert server.messages == []


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_certificate_for_another_host_is_refused_then_mail_arrives_once_fixed(
    make_config, tls_smtp, trust_test_ca, mode
) -> None:
    server = tls_smtp(mode, trust_test_ca.wrong_host)
    config = make_config(mail_channel(server.port, mode))
    store_article(config, "https://news.example/wrong", "Putin wrong host", BODY)
    t0 = time.time()
    report = asyncio.run(deliver_due(config, config.storage.path, now=t0))
    assert report.sent == 0 and report.retrying == 1, report.errors
    error = report.errors[0]
    assert "TLS certificate refused" in error and "127.0.0.1" in error, error
    assert "mismatch" in error and "nothing was sent" in error
    assert server.messages == []
    [row] = outbox_rows(config)
    assert row["state"] == "pending" and "TLS certificate refused" in row["last_error"]
    # the certificate is fixed: the same alert arrives, once, with its Message-ID
    server.stop()
    fixed = tls_smtp(mode, trust_test_ca.good, port=server.port)
    later = asyncio.run(deliver_due(config, config.storage.path, now=t0 + 120))
    assert later.sent == 1, later.errors
    assert fixed.message_ids() == [f"<{row['event_id']}@example.org>"]


def test_tls_none_to_a_server_requiring_starttls_fails_clearly(
    make_config, tls_smtp, trust_test_ca
) -> None:
    server = tls_smtp("starttls")
    config = make_config(mail_channel(server.port, "none"))
    store_article(config, "https://news.example/clear", "Putin in clear", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.failed == 1 and report.sent == 0
    assert "530" in report.errors[0] and 'set tls = "starttls"' in report.errors[0]
    assert server.messages == []
    [row] = outbox_rows(config)
    assert row["state"] == "failed" and "530" in row["last_error"]
