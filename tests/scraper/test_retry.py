"""Retries within a crawl: a server error is tried again at once, an answer that says
when to come back (Retry-After, or a 429) is not: the next poll honours it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite, Reply


def test_only_answers_without_a_time_to_come_back_are_retried(tmp_path: Path) -> None:
    with FixtureSite(tmp_path) as site:
        site.routes["/busy.rss"] = lambda _: Reply(503, b"busy")
        site.routes["/later.rss"] = lambda _: Reply(503, b"later", {"Retry-After": "600"})
        site.routes["/slow-down.rss"] = lambda _: Reply(429, b"slow down")
        config = tmp_path / "newshound.toml"
        config.write_text(
            '[storage]\npath = "news.db"\n[network]\nallow_private_addresses = true\n'
            + "".join(f'[[sources]]\nname = "{n}"\nurl = "{site.url(f"/{n}.rss")}"\n'
                      for n in ("busy", "later", "slow-down"))
            + '[[terms]]\nname = "Putin"\n'
        )  # fmt: skip
        result = run_crawl(config, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        asked = [urlsplit(r.path).path for r in site.requests]
    assert asked.count("/busy.rss") == 3  # once, then RETRY_TIMES = 2
    assert asked.count("/later.rss") == 1
    assert asked.count("/slow-down.rss") == 1
    conn = sqlite3.connect(tmp_path / "news.db")
    try:
        rows = dict(conn.execute("SELECT name, next_poll - last_poll FROM sources"))
    finally:
        conn.close()
    assert rows["later"] >= 595  # the next poll when the server asked for it
