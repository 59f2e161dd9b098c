"""[alerts] max_age on the real fixture site: old articles stored and searchable, not alerted.

The fixture articles carry fixed dates (November 2026), so under the default max_age of 2
days they are old when found; one source overrides max_age, and an undated story on its own
feed alerts as usual. The daemon runs for real (``run --once``) and delivers to a real
webhook receiver.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner

from monitor.cli import main
from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from tests.monitor.alerts.conftest import WebhookReceiver, webhook, webhook_channel

__all__ = ["webhook"]

UNDATED_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Undated</title>
<link>{base}/</link><item><title>Putin and sanctions, undated</title>
<link>{base}/undated/story.html</link><guid>undated-1</guid></item></channel></rss>"""
UNDATED_PAGE = """<html><head><title>Putin and sanctions, undated</title></head><body><article>
<h1>Putin and sanctions, undated</h1><p>Vladimir Putin spoke about new sanctions today in a
long speech to parliament that covered the economy, energy and trade.</p><p>Officials said
the sanctions would take effect next month, and that talks would continue through the
summer with several partners in Europe and Asia.</p></article></body></html>"""


def serve_undated(site: FixtureSite) -> None:
    def feed(_: RequestRecord) -> Reply:
        body = UNDATED_FEED.format(base=site.base).encode()
        return Reply(200, body, {"Content-Type": "application/rss+xml"})

    def page(_: RequestRecord) -> Reply:
        return Reply(200, UNDATED_PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})

    site.routes["/feeds/undated.rss"] = feed
    site.routes["/undated/story.html"] = page


def write_config(site_config: Path, site: FixtureSite, receiver: WebhookReceiver) -> Path:
    text = site_config.read_text(encoding="utf-8")
    # Fixture World takes the default max_age (2d); Fixture Asia keeps its 520w override.
    text = text.replace('interval = "1m"\nmax_age = "520w"                 # the fixture '
                        "articles have fixed dates\n", 'interval = "1m"\n', 1)  # fmt: skip
    assert text.count("max_age") == 1
    text += (
        f'\n[[sources]]\nname = "Undated"\nurl = "{site.base}/feeds/undated.rss"\n'
        + webhook_channel(receiver)
    )
    site_config.write_text(text, encoding="utf-8")
    return site_config


def newshound(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=300,
        env=os.environ.copy(), check=False,
    )  # fmt: skip


def test_old_articles_stored_and_exported_but_not_alerted(
    site: FixtureSite, site_config: Path, webhook: WebhookReceiver
) -> None:
    serve_undated(site)
    config = write_config(site_config, site, webhook)
    run = newshound("run", "--once", "--config", str(config), "--log-format", "json")
    assert run.returncode == 0, run.stderr[-3000:]
    alerted = {urlsplit(h.body["data"]["url"]).path for h in webhook.hooks}
    # Fixture Asia (max_age 520w) and the undated story alert; Fixture World's do not.
    assert "/articles/sco-tianjin.html" in alerted and "/undated/story.html" in alerted
    assert "/articles/putin-beijing.html" not in alerted
    assert "/articles/eu-sanctions-russian-banks.html" not in alerted
    exported = newshound("export", "--config", str(config), "--format", "json")
    paths = {urlsplit(a["url"]).path for a in json.loads(exported.stdout)}
    assert {"/articles/putin-beijing.html", "/articles/eu-sanctions-russian-banks.html"} <= paths
    found = CliRunner().invoke(main, ["search", "--config", str(config), "Beijing"])
    assert "putin-beijing" in found.output
    status = CliRunner().invoke(main, ["status", "--config", str(config)])
    world = status.output.split("Fixture World", 1)[1].split("Fixture Asia", 1)[0]
    assert "matched articles not alerted: older than max_age when found" in world
    summary = [json.loads(line) for line in run.stderr.splitlines() if '"crawl_done"' in line]
    assert summary and summary[0]["alerts_held_back"] >= 2
    assert "matches not alerted (older than max_age)" in summary[0]["message"]
