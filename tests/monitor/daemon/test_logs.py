"""What a user reads: a real daemon's and a real crawl's output, line by line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite
from monitor.safety import expat_warning
from tests.monitor.alerts.conftest import SECRET, WebhookReceiver, webhook, webhook_channel
from tests.support import write_site_config

__all__ = ["webhook"]

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S")


def run_once(
    config: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "monitor", "run", "--once", "--config", str(config), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False,
                          env={**os.environ, **(env or {})})  # fmt: skip


def test_daemon_lines_share_one_format_and_a_crawl_is_one_human_line(
    site: FixtureSite, site_config: Path, webhook: WebhookReceiver
) -> None:
    webhook.statuses = [503] * 50  # every alert is retried: the retry line is in the log
    channel = webhook_channel(webhook).replace(SECRET, "${HOOK_SECRET}")
    site_config.write_text(site_config.read_text() + channel)
    result = run_once(site_config, env={"HOOK_SECRET": SECRET})
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    assert lines and [x for x in lines if not LINE.match(x)] == []
    [crawl] = [x for x in lines if " polled " in x]
    # Every match alerts the console and the webhook: two alerts queued per match.
    summary = re.search(
        r" INFO polled 2 sources: 10 new articles, (\d+) matches, (\d+) alerts queued$", crawl
    )
    assert summary and int(summary[2]) == 2 * int(summary[1]) > 0, crawl
    retry = [x for x in lines if " alert_retry " in x]
    assert retry and "WARNING alert_retry channel=desk event_id=msg_" in retry[0]
    assert "error=\"channel 'desk': HTTP 503" in retry[0]


def test_crawl_counters_at_debug_and_in_json(site: FixtureSite, site_config: Path) -> None:
    debug = run_once(site_config, "--log-level", "debug").stderr
    [crawl] = [x for x in debug.splitlines() if " polled " in x]
    assert "store_stored=10" in crawl and "match_matched=" in crawl and "responses=" in crawl
    (site_config.parent / "news.db").unlink()
    js = run_once(site_config, "--log-format", "json").stderr
    [event] = [x for x in js.splitlines() if '"crawl_done"' in x]
    assert '"message": "polled 2 sources: 10 new articles' in event
    assert '"store_stored": 10' in event and '"source_parsed": 2' in event


def test_scrapy_crawl_has_no_referer_warning_and_sends_no_referer(
    site: FixtureSite, tmp_path: Path
) -> None:
    result = run_crawl(write_site_config(site, tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "found no scrapy.spidermiddlewares.referer.RefererMiddleware" not in result.stderr
    warnings = [x for x in result.stderr.splitlines() if "WARNING" in x and "[scrapy." in x]
    assert all("allow_private_addresses = true" in x for x in warnings), warnings
    assert [r.path for r in site.requests if "Referer" in r.headers] == []


def test_expat_notice_only_at_check(site_config: Path) -> None:
    check = subprocess.run([sys.executable, "-m", "monitor", "check", "-c", str(site_config)],
                           capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    notice = expat_warning()
    assert (notice in check.stderr) if notice else ("XML parser" not in check.stderr)
    for command in (["status"], ["export"], ["alerts"], ["match", "-"]):
        other = subprocess.run(
            [sys.executable, "-m", "monitor", *command, "-c", str(site_config)], input="x",
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert "XML parser" not in other.stderr, command


def test_a_healthy_run_that_alerts_says_so_in_a_line_or_two(
    site: FixtureSite, site_config: Path, webhook: WebhookReceiver
) -> None:
    """Every alert delivered: start, the crawl's line, what was delivered, stop; not a
    line per alert (the peers' first run of 4,000 alerts printed 4,000 lines)."""
    channel = webhook_channel(webhook).replace(SECRET, "${HOOK_SECRET}")
    site_config.write_text(site_config.read_text() + channel)
    result = run_once(site_config, env={"HOOK_SECRET": SECRET})
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(webhook.hooks) > 1  # several alerts went out
    events = [x.split()[2] for x in result.stderr.splitlines()]
    # "delivered" once per delivery pass (a slow machine may need two), never per alert
    assert set(events) == {"daemon_started", "polled", "delivered", "daemon_stopped"}, events
    assert len(events) < 4 + len(webhook.hooks) - 1, events
