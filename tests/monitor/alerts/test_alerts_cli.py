"""`newshound alerts --test` and `--sent`, and channels in `newshound status`: real SMTP
server and webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from tests.monitor.alerts.conftest import (
    SmtpServer,
    WebhookReceiver,
    mail_channel,
    smtp_server,
    store_article,
    webhook,
    webhook_channel,
    write_config,
)

__all__ = ["smtp_server", "webhook"]

BODY = "Vladimir Putin met Xi Jinping."


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_test_alert_signed_with_its_own_type(tmp_path: Path, webhook: WebhookReceiver) -> None:
    path = write_config(tmp_path, webhook_channel(webhook))
    code, out = cli("alerts", "--test", "desk", "--config", str(path))
    assert code == 0 and "channel 'desk': test alert sent" in out
    [hook] = webhook.hooks  # the receiver checked its signature
    assert webhook.bad_signatures == 0
    assert hook.body["type"] == "newshound.test"
    assert hook.body["data"]["title"] == "newshound test alert"
    assert not (tmp_path / "news.db").exists() or not _outbox(path)  # nothing queued


def test_test_alert_by_mail(tmp_path: Path, smtp_server: SmtpServer) -> None:
    path = write_config(tmp_path, mail_channel(smtp_server.port))
    code, out = cli("alerts", "--test", "mail", "--config", str(path))
    assert code == 0, out
    [message] = smtp_server.messages
    assert "newshound test alert" in str(message["Subject"])


def test_test_alert_failure_exits_1_with_the_channel_error(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    webhook.statuses = [503]
    path = write_config(tmp_path, webhook_channel(webhook))
    code, out = cli("alerts", "--test", "desk", "--config", str(path))
    assert code == 1 and "HTTP 503" in out and "Traceback" not in out
    code, out = cli("alerts", "--test", "nope", "--config", str(path))
    assert code == 1 and "no channel named 'nope'" in out and "desk" in out


def test_sent_lists_what_went_out(tmp_path: Path, webhook: WebhookReceiver) -> None:
    path = write_config(tmp_path, webhook_channel(webhook))
    store_article(load_config(path), "https://news.example/a", "Putin in Beijing", BODY)
    assert "no alerts sent in that time" in cli("alerts", "--sent", "--config", str(path))[1]
    cli("alerts", "--deliver", "--config", str(path))
    code, out = cli("alerts", "--sent", "--since", "1d", "--config", str(path))
    assert code == 0 and "desk: Putin in Beijing" in out
    result = CliRunner().invoke(main, ["alerts", "--sent", "--json", "--config", str(path)])
    [row] = json.loads(result.stdout)
    assert row["url"] == "https://news.example/a" and row["sent_at"]
    code, out = cli("alerts", "--sent", "--since", "1 day", "--config", str(path))
    assert code == 2 and "--since" in out


def test_status_shows_channels_and_fails_on_a_dead_one(
    tmp_path: Path, webhook: WebhookReceiver, smtp_server: SmtpServer
) -> None:
    path = write_config(tmp_path, webhook_channel(webhook) + mail_channel(smtp_server.port))
    config = load_config(path)
    store_article(config, "https://news.example/a", "Putin in Beijing", BODY)
    cli("alerts", "--deliver", "--config", str(path))
    code, out = cli("status", "--config", str(path))
    assert code == 0, out
    assert "ok        channel desk  last success 0s ago, 0 failures in a row" in out
    webhook.statuses = [503] * 5
    store_article(config, "https://news.example/b", "Putin again", BODY)
    cli("alerts", "--deliver", "--config", str(path))
    code, out = cli("status", "--config", str(path))
    assert code == 1
    assert "failing   channel desk" in out and "1 failure in a row, 1 pending" in out
    assert "HTTP 503" in out and "1 of 2 channels failing" in out
    assert "ok        channel mail" in out
    code, out = cli("status", "--channels", "--config", str(path))
    assert code == 1 and "channel desk" in out and "last success" in out
    rows = json.loads(
        CliRunner().invoke(main, ["status", "--channels", "--json", "-c", str(path)]).stdout
    )
    desk = next(r for r in rows if r["name"] == "desk")
    assert desk["state"] == "failing" and desk["failures"] == 1 and desk["pending"] == 1


def _outbox(path: Path) -> list[object]:
    import sqlite3

    conn = sqlite3.connect(load_config(path).storage.path)
    try:
        return conn.execute("SELECT * FROM outbox").fetchall()
    finally:
        conn.close()
