"""``newshound run`` as a real process against the loopback fixture site.

Each test starts the daemon with a short interval and tick, watches its JSON log and the
server's request log, and stops it with SIGTERM.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from tests.monitor.daemon.conftest import DaemonProcess, write_config
from tests.support import SITE

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
MATCHED = {p: sorted(a["terms"]) for p, a in EXPECTED["articles"].items() if a["terms"]}

NEW_ITEM = """  <item>
    <title>Putin and Xi agree on new SCO energy fund</title>
    <link>{BASE}/articles/new-energy-fund.html</link>
    <guid isPermaLink="true">{BASE}/articles/new-energy-fund.html</guid>
    <pubDate>Sat, 28 Nov 2026 09:00:00 +0000</pubDate>
    <description>The leaders agreed on a fund for energy projects.</description>
  </item>
"""
NEW_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Putin and Xi agree on new SCO energy fund</title></head><body><article>
<h1>Putin and Xi agree on new SCO energy fund</h1>
<p>Vladimir Putin and Xi Jinping agreed on Saturday to set up a fund for energy projects
across the Shanghai Cooperation Organisation, officials in Beijing said.</p>
<p>The fund will finance pipelines and power lines between member states, and its first
projects are expected to be announced before the end of the year, the officials added.</p>
<p>Both leaders described the agreement as a step towards deeper economic cooperation in
the region, which has grown in importance as trade routes shift.</p>
</article></body></html>"""


def stored(db: Path) -> dict[str, list[str]]:
    """path -> matched terms of every matched article; {} before the daemon made the file."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out = {}
        for aid, url in conn.execute("SELECT id, url FROM articles WHERE matched = 1"):
            terms = [t for (t,) in conn.execute(
                "SELECT term FROM matches WHERE article_id = ? ORDER BY term", [aid])]  # fmt: skip
            out[urlsplit(url).path] = terms
        return out
    except sqlite3.OperationalError:  # the schema is being created
        return {}
    finally:
        conn.close()


def with_etag(body: bytes, ctype: str) -> Callable[[RequestRecord], Reply]:
    """A route serving ``body`` with an ETag, answering 304 to a matching If-None-Match."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def route(record: RequestRecord) -> Reply:
        if record.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"Content-Type": ctype, "ETag": etag})

    return route


def polls_of(site: FixtureSite, path: str, since: int = 0) -> list[RequestRecord]:
    return [r for r in site.requests[since:] if urlsplit(r.path).path == path]


def test_daemon_stores_matches_picks_up_new_item_uses_304_and_stops_cleanly(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    interval = 3.0
    config = write_config(site, tmp_path, interval=f"{interval:.0f}s", tick="1s")
    db = tmp_path / "news.db"
    daemon = start_daemon("--config", str(config))

    # 1. The fixture matches are stored.
    daemon.wait_for(lambda: stored(db) == MATCHED, 60, "the fixture matches to be stored")
    daemon.wait_for(lambda: daemon.named("crawl_done"), 30, "the first crawl to end")
    after_first = len(site.requests)

    # 2. Unchanged feeds: the next polls are conditional, answered 304, and not parsed.
    daemon.wait_for(lambda: len(daemon.named("source_polled", status=304)) >= 4, 30,
                    "two more polls of each feed answered 304")  # fmt: skip
    feed_requests = [r for r in site.requests if r.path.startswith("/feeds/")]
    assert all("If-None-Match" in r.headers for r in feed_requests[2:])
    later_crawls = [e for e in daemon.named("crawl_done") if e.get("conditional_get_not_modified")]
    assert later_crawls, daemon.log_tail()
    assert all(e["source_parsed"] == 0 and e["source_unchanged"] == e["sources"]
               for e in later_crawls)  # fmt: skip
    assert not [r for r in site.requests[after_first:] if r.path.startswith("/articles/")]

    # 3. A newly published item appears within one interval (plus one crawl).
    world = site.render("/feeds/world.rss")
    assert world is not None
    new_feed = world.replace(b"  <item>", NEW_ITEM.replace("{BASE}", site.base).encode(), 1)
    site.routes["/articles/new-energy-fund.html"] = with_etag(NEW_PAGE.encode(), "text/html")
    published = time.time()
    site.routes["/feeds/world.rss"] = with_etag(new_feed, "application/rss+xml")
    daemon.wait_for(lambda: "/articles/new-energy-fund.html" in stored(db),
                    interval + 15, "the new item to be stored")  # fmt: skip

    def polled() -> list[dict]:
        return [r for r in daemon.named("source_polled", source="Fixture World", status=200)
                if r["t"] > published]  # fmt: skip

    # The log line of the poll is written when the daemon reaps the crawl, which can come
    # a moment after the article is in the database: wait for it rather than race it.
    daemon.wait_for(polled, 15, "the poll that found the new item to be logged")
    assert polled()[0]["t"] - published <= interval + 1 + 5, polled()
    assert stored(db)["/articles/new-energy-fund.html"] == ["Putin", "SCO", "Xi"]

    # 4. SIGTERM: exit 0, lock released, WAL checkpointed, database whole.
    assert daemon.stop() == 0, daemon.log_tail()
    assert daemon.named("daemon_stopped", exit_code=0)
    assert not [line for line in daemon.other if "Traceback" in line], daemon.other
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
        orphans = conn.execute(
            "SELECT COUNT(*) FROM articles a WHERE matched = 1 "
            "AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id)"
        ).fetchone()[0]
        assert orphans == 0
    finally:
        conn.close()


SLOW_AND_BROKEN = """
[[sources]]
name = "Slow"
url = "{BASE}/slow.rss"
interval = "2s"

[[sources]]
name = "Broken"
url = "{BASE}/broken.rss"
interval = "2s"
"""


def test_slow_source_does_not_delay_others_and_failing_source_backs_off(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    world = site.render("/feeds/world.rss")
    assert world is not None
    world_polls: list[float] = []
    serve_world = with_etag(world, "application/rss+xml")

    def timed_world(record: RequestRecord) -> Reply:
        world_polls.append(time.time())
        return serve_world(record)

    site.routes["/feeds/world.rss"] = timed_world
    site.routes["/slow.rss"] = lambda r: Reply(200, world, {"Content-Type": "application/rss+xml"},
                                               delay=20)  # fmt: skip
    site.routes["/broken.rss"] = lambda r: Reply(503, b"down for maintenance")
    config = write_config(site, tmp_path, interval="2s", tick="1s", shutdown_timeout="5s",
                          extra=SLOW_AND_BROKEN.replace("{BASE}", site.base))  # fmt: skip
    daemon = start_daemon("--config", str(config))

    daemon.wait_for(lambda: polls_of(site, "/slow.rss"), 30, "the slow source to be asked")
    slow_asked = time.time()
    # While the slow source keeps its answer for 20 s, the others go on being polled.
    daemon.wait_for(lambda: len([t for t in world_polls if t > slow_asked]) >= 2, 16,
                    "two polls of the world feed while the slow source hangs")  # fmt: skip
    assert time.time() - slow_asked < 20

    # The failing source backs off: each retry comes later than the one before.
    daemon.wait_for(lambda: len(daemon.named("source_failed", source="Broken")) >= 3, 40,
                    "three failed polls of the broken source")  # fmt: skip
    failed = daemon.named("source_failed", source="Broken")[:3]
    assert [e["failures"] for e in failed] == [1, 2, 3]
    assert all(e["error"] == "HTTP 503" and e["status"] == 503 for e in failed)
    waits = [e["retry_in"] for e in failed]
    assert waits[0] < waits[1] < waits[2], waits

    status = subprocess.run(
        [sys.executable, "-m", "monitor", "status", "--json", "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert status.returncode == 1, status.stderr
    states = {s["name"]: s for s in json.loads(status.stdout)}
    assert states["Broken"]["state"] == "failing"
    assert states["Broken"]["last_error"] == "HTTP 503"
    assert states["Fixture World"]["state"] == "ok"

    started = time.time()
    assert daemon.stop() == 0, daemon.log_tail()
    assert time.time() - started < 5 + 15


def _network_namespace() -> list[str] | None:
    """``unshare -rn``: a fresh network namespace with no interface up, if allowed here."""
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return ["unshare", "-rn"] if probe.returncode == 0 else None


def test_no_config_without_network_reports_failing_sources_and_stays_up(
    tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    prefix = _network_namespace()
    if prefix is None:  # never let this test reach the public feeds of the default config
        pytest.skip("needs `unshare -rn` for a machine without network")
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    daemon = start_daemon(env=env, cwd=tmp_path, prefix=prefix)
    daemon.wait_for(lambda: daemon.named("daemon_started"), 30, "the daemon to start")
    assert daemon.named("daemon_started")[0]["config"] == "(built-in default)"
    daemon.wait_for(lambda: len({e["source"] for e in daemon.named("source_failed")}) >= 8, 60,
                    "every default source to fail")  # fmt: skip
    time.sleep(2)
    assert daemon.proc.poll() is None, daemon.log_tail()
    # Once per backoff step: each source has failed once so far, not once per request.
    per_source = [e["source"] for e in daemon.named("source_failed")]
    assert len(per_source) == len(set(per_source)) == 8, per_source

    status = subprocess.run(
        [*prefix, sys.executable, "-m", "monitor", "status"], capture_output=True, text=True,
        env={**os.environ, **env}, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert status.returncode == 1
    assert status.stdout.count("failing") == 8, status.stdout
    assert daemon.stop() == 0, daemon.log_tail()
    assert (tmp_path / "data" / "newshound" / "newshound.db").exists()


def test_second_daemon_on_the_same_database_is_refused(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    config = write_config(site, tmp_path, interval="1m", tick="1m")
    first = start_daemon("--config", str(config))
    first.wait_for(lambda: first.named("daemon_started"), 30, "the first daemon to start")
    second = subprocess.run(
        [sys.executable, "-m", "monitor", "run", "--once", "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 1
    assert "in use by another newshound daemon" in second.stderr
    assert f"pid {first.proc.pid}" in second.stderr
    assert first.stop() == 0


GONE_AND_THROTTLED = """
[[sources]]
name = "Gone"
url = "{BASE}/gone.rss"
interval = "1s"

[[sources]]
name = "Throttled"
url = "{BASE}/throttled.rss"
interval = "1s"
"""


def test_gone_source_is_paused_and_retry_after_is_honoured(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    site.routes["/gone.rss"] = lambda r: Reply(410, b"gone")
    site.routes["/throttled.rss"] = lambda r: Reply(429, b"slow down", {"Retry-After": "120"})
    extra = GONE_AND_THROTTLED.replace("{BASE}", site.base) + "max_failures = 2\n"
    config = write_config(site, tmp_path, interval="1s", tick="1s", extra="")
    text = config.read_text(encoding="utf-8").replace("[daemon]\n", "[daemon]\nmax_failures = 2\n")
    config.write_text(text + extra.replace("max_failures = 2\n", ""), encoding="utf-8")
    daemon = start_daemon("--config", str(config))

    daemon.wait_for(lambda: daemon.named("source_paused", source="Gone"), 40, "Gone paused")
    failed = daemon.named("source_failed", source="Gone") + daemon.named("source_paused")
    assert [e["failures"] for e in failed] == [1, 2]
    throttled = daemon.named("source_failed", source="Throttled")
    assert len(throttled) == 1 and throttled[0]["retry_in"] >= 115, throttled
    assert len(polls_of(site, "/throttled.rss")) == 1, "asked once: not retried at once"
    gone_requests = len(polls_of(site, "/gone.rss"))
    time.sleep(3)
    assert len(polls_of(site, "/gone.rss")) == gone_requests  # paused: no more polls
    assert daemon.stop() == 0


def test_metrics_are_served_by_a_running_daemon(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    import socket
    import urllib.request

    with socket.socket() as s:  # a free loopback port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(site, tmp_path, extra=f'[metrics]\nlisten = "127.0.0.1:{port}"\n')
    daemon = start_daemon("--config", str(config))
    daemon.wait_for(lambda: daemon.named("crawl_done"), 60, "the first crawl to end")

    def both_ok() -> str | None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = str(r.read().decode())
        return text if 'newshound_sources{state="ok"} 2.0' in text else None

    # Both fixture feeds polled fine: the sources gauge says so once the next tick has run.
    body = daemon.wait_for(both_ok, 30, "the sources gauge to show both feeds ok")
    assert 'newshound_source_polls_total{result="parsed"}' in body
    assert daemon.stop() == 0
