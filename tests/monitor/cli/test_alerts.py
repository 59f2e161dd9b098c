"""`newshound alerts`: list pending and failed alerts, retry them, deliver now, re-enable."""

from __future__ import annotations

import json

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from tests.monitor.alerts.conftest import SECRET, store_article, webhook, write_config

__all__ = ["webhook"]  # the receiver fixture, shared with tests/monitor/alerts

BODY = "Vladimir Putin met Xi Jinping."


def run(*args: str) -> tuple[int, str]:
    """Exit code and stdout + stderr (a literal secret in the config is warned about)."""
    result = CliRunner().invoke(main, ["alerts", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_failed_alert_listed_retried_and_delivered(tmp_path, webhook) -> None:  # noqa: F811
    webhook.statuses = [400]
    path = write_config(
        tmp_path,
        f'[[channels]]\nname = "desk"\ntype = "webhook"\nurl = "{webhook.url}"\n'
        f'secret = "{SECRET}"\n',
    )
    store_article(load_config(path), "https://news.example/a", "Putin <b>alert</b>", BODY)
    code, out = run("--pending", "--config", str(path))
    assert code == 0 and "#1 pending desk: Putin <b>alert</b>" in out
    code, out = run("--deliver", "--config", str(path))
    assert code == 0 and "desk: 0 sent, 0 retrying, 1 failed" in out
    assert "HTTP 400 from 127.0.0.1" in out
    code, out = run("--failed", "--config", str(path))
    assert "#1 failed  desk" in out and "HTTP 400" in out
    result = CliRunner().invoke(main, ["alerts", "--failed", "--json", "--config", str(path)])
    [row] = json.loads(result.stdout)
    assert row["state"] == "failed" and row["url"] == "https://news.example/a"
    code, out = run("--retry", "all", "--config", str(path))
    assert "1 alerts due again" in out
    code, out = run("--deliver", "--config", str(path))
    assert "desk: 1 sent" in out
    code, out = run("--config", str(path))
    assert "no pending or failed alerts" in out
    assert len(set(webhook.ids())) == 1 and len(webhook.hooks) == 2


def test_gone_channel_shown_and_enabled_again(tmp_path, webhook) -> None:  # noqa: F811
    webhook.statuses = [410]
    webhook.check_signatures = False  # an unsigned channel
    path = write_config(
        tmp_path, f'[[channels]]\nname = "desk"\ntype = "webhook"\nurl = "{webhook.url}"\n'
    )
    store_article(load_config(path), "https://news.example/g", "Putin gone", BODY)
    store_article(load_config(path), "https://news.example/h", "Putin waits", BODY)
    run("--deliver", "--config", str(path))
    code, out = run("--config", str(path))
    assert "channel 'desk' is disabled: channel 'desk': HTTP 410" in out
    code, out = run("--enable", "desk", "--config", str(path))
    assert "enabled" in out
    code, out = run("--deliver", "--config", str(path))
    assert "desk: 1 sent" in out
    code, out = run("--retry", "nope", "--config", str(path))
    assert code == 2
