"""``newshound run --once``: one poll and delivery cycle against the fixture site."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config import load_config
from monitor.fixture_site import FixtureSite
from tests.monitor.alerts.conftest import (
    outbox_rows,
    serve_webhooks,
    store_article,
    webhook_channel,
    write_config,
)
from tests.support import SITE

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))


def test_run_once_stores_the_matches_prints_them_and_exits(
    site: FixtureSite, site_config: Path
) -> None:
    cmd = [sys.executable, "-m", "monitor", "run", "--once", "--config", str(site_config)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(site_config.parent / "news.db")
    try:
        matched = {urlsplit(u).path for (u,) in db.execute(
            "SELECT url FROM articles WHERE matched = 1")}  # fmt: skip
        assert db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    finally:
        db.close()
    assert matched == {p for p, a in EXPECTED["articles"].items() if a["terms"]}
    assert len(result.stdout.strip().splitlines()) == len(matched)  # the console channel
    # One human line for the crawl; its counters only at --log-level debug.
    [line] = [x for x in result.stderr.splitlines() if " polled " in x]
    assert re.fullmatch(
        r"\S+ INFO polled 2 sources: (\d+) new articles, (\d+) matches, (\d+) alerts queued", line
    ), line
    assert f" {len(EXPECTED['articles'])} new articles" in line
    assert "expat" not in result.stderr  # said once, by `newshound check`
    # A second cycle right away finds nothing due: the sources' next poll is an interval off.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and " polled " not in again.stderr


def test_run_once_delivers_what_one_delivery_pass_cannot_before_it_exits(tmp_path: Path) -> None:
    """A pass keeps starting sends for 10 s; a receiver taking 0.25 s per alert gets 45
    of them in about 11 s. ``run --once`` goes on delivering (up to --deliver-limit)
    until the outbox is empty: every alert arrives once, none waits for the next run."""
    with serve_webhooks() as webhook:
        webhook.keep_alive, webhook.delay = True, 0.25
        path = write_config(tmp_path, webhook_channel(webhook))
        config = load_config(path)
        for i in range(45):
            store_article(config, f"https://news.example/{i}", f"Putin, part {i}", "Putin met Xi.")
        cmd = [sys.executable, "-m", "monitor", "run", "--once", "--config", str(path)]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {r["state"] for r in outbox_rows(config)} == {"sent"}
    assert sorted(webhook.ids()) == sorted(r["event_id"] for r in outbox_rows(config))
    assert "drained sent=" in result.stderr
