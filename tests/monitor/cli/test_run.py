"""``newshound run --once``: one poll and delivery cycle against the fixture site."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from monitor.fixture_site import FixtureSite
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
    assert "crawl_done sources=2" in result.stderr
    # A second cycle right away finds nothing due: the sources' next poll is an interval off.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "crawl_done" not in again.stderr
