"""Politeness across crawl workers: two crawl processes sharing one Redis put no more load
on a host than one may (scraper/cluster/host_limiter.py). Real parts: a loopback
site that counts the requests it is answering at once, a real redis-server, and each
crawl a process of its own (tests/support/host_crawl.py)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from tests.support import ROOT
from tests.support.redis_server import RedisServer, redis_server_binary

pytestmark = pytest.mark.skipif(redis_server_binary() is None, reason="needs redis-server")

# Two per host, each worker. And a delay, however small: Scrapy 2.19 under the asyncio
# reactor sends a host's whole queue at once when its slot has no delay (the downloader
# counts a request as transferring only once its task runs), so with none one worker
# alone would exceed its limit.
TWO_AT_A_TIME = ("--per-host", "2", "--delay", "0.001")


@dataclass
class InFlight:
    """What the site saw: requests being answered at once (the most of them), and when
    each page request arrived, by which worker."""

    now: int = 0
    peak: int = 0
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def page(
        self,
        seconds: float,
        release: threading.Event | None = None,
        body: bytes = b"",
        ctype: str = "text/html",
    ) -> Callable[[RequestRecord], Reply]:
        """A route answering ``body`` after ``seconds`` (or once ``release`` is set),
        counted while it is being answered."""

        def route(record: RequestRecord) -> Reply:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
                self.arrivals.append(
                    (time.monotonic(), record.headers.get("X-Worker", ""), record.path)
                )
            try:
                if release is not None:
                    release.wait(seconds)
                else:
                    time.sleep(seconds)
            finally:
                with self.lock:
                    self.now -= 1
            return Reply(200, body or b"<html><body>page</body></html>",
                         {"Content-Type": ctype})  # fmt: skip

        return route


def start_crawl(urls: list[str], *args: str, worker: str = "w") -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.host_crawl", "--worker", worker, *args, *urls],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> list[str]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out.splitlines()


def site_with_pages(tmp_path: Path, count: int, seconds: float, in_flight: InFlight) -> FixtureSite:
    site = FixtureSite(tmp_path)
    for n in range(count):
        site.routes[f"/page/{n}"] = in_flight.page(seconds)
    return site


def two_crawls(site: FixtureSite, redis: RedisServer, count: int, *args: str) -> list[str]:
    half = count // 2
    urls = [site.url(f"/page/{n}") for n in range(count)]
    barrier = ["--redis", redis.url, "--barrier", "started:2"]
    procs = [
        start_crawl(urls[:half], *barrier, *args, worker="a"),
        start_crawl(urls[half:], *barrier, *args, worker="b"),
    ]
    return [line for p in procs for line in finish(p)]


def test_two_workers_never_exceed_the_hosts_limit(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    in_flight = InFlight()
    with site_with_pages(tmp_path, 24, 0.2, in_flight) as site:
        answers = two_crawls(site, redis_server, 24, *TWO_AT_A_TIME, "--limit-hosts")
    assert len(answers) == 24 and all(a.startswith("200 ") for a in answers)
    assert {w for _, w, _ in in_flight.arrivals} == {"a", "b"}
    assert in_flight.peak == 2  # two at a time, never the four two workers would allow


def test_without_redis_each_worker_polices_itself_alone(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    # The same two crawls with the limiter not installed: the host sees both workers'
    # limits at once, which is what the test above shows it is spared.
    in_flight = InFlight()
    with site_with_pages(tmp_path, 24, 0.2, in_flight) as site:
        answers = two_crawls(site, redis_server, 24, *TWO_AT_A_TIME)
    assert len(answers) == 24
    assert in_flight.peak == 4


def test_robots_crawl_delay_is_kept_between_workers(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    in_flight = InFlight()
    with site_with_pages(tmp_path, 8, 0.0, in_flight) as site:
        site.routes["/robots.txt"] = lambda r: Reply(
            200, b"User-agent: *\nCrawl-delay: 0.4\n", {"Content-Type": "text/plain"}
        )
        answers = two_crawls(site, redis_server, 8, "--robots", "--limit-hosts")
    assert len(answers) == 8
    starts = sorted(t for t, _, _ in in_flight.arrivals)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert {w for _, w, _ in in_flight.arrivals} == {"a", "b"}
    # 0.4 s apart as the site asked, whichever worker asked (a few ms of slack for the
    # time between the lease and the request reaching the site)
    assert min(gaps) >= 0.35, gaps


@pytest.mark.slow
def test_a_killed_workers_lease_expires(tmp_path: Path, redis_server: RedisServer) -> None:
    in_flight, release = InFlight(), threading.Event()
    with FixtureSite(tmp_path) as site:
        site.routes["/hang"] = in_flight.page(60, release)
        site.routes["/page/0"] = in_flight.page(0)
        limits = ["--redis", redis_server.url, "--limit-hosts", "--per-host", "1", "--timeout", "1"]
        dying = start_crawl([site.url("/hang")], *limits, worker="dying")
        try:
            while not in_flight.arrivals:
                assert dying.poll() is None, dying.communicate()
                time.sleep(0.02)
            dying.send_signal(signal.SIGKILL)  # mid-download: its lease is never given back
            killed = time.monotonic()
            dying.communicate()
            page = site.url("/page/0")
            answers = finish(start_crawl([page], *limits, worker="next"))
        finally:
            release.set()
            if dying.poll() is None:
                dying.kill()
                dying.communicate()
    assert answers == [f"200 {page}"]
    (hung, _, _), (next_start, worker, _) = in_flight.arrivals
    assert worker == "next"
    # held while the dead worker's download could still have been running (its 1 s
    # timeout), given up after
    assert next_start - hung >= 1.0 and next_start > killed


def one_host_news_site(
    tmp_path: Path, in_flight: InFlight, feeds: int, articles: int
) -> FixtureSite:
    """``feeds`` feeds of ``articles`` stories each, all on one host, every answer slow."""
    site = FixtureSite(tmp_path).start()
    for k in range(feeds):
        items = "".join(
            f"<item><title>Putin story {k}-{n}</title><link>{site.url(f'/a/{k}-{n}.html')}</link>"
            f"<guid>{k}-{n}</guid></item>"
            for n in range(articles)
        )
        rss = f'<rss version="2.0"><channel><title>F{k}</title>{items}</channel></rss>'
        site.routes[f"/feeds/{k}.rss"] = in_flight.page(
            0.5, body=rss.encode(), ctype="application/rss+xml"
        )
        for n in range(articles):
            text = f"<p>Putin said today, in story {k}-{n}, that the talks would go on.</p>" * 5
            html = f"<html><body><article><h1>Putin {k}-{n}</h1>{text}</article></body></html>"
            site.routes[f"/a/{k}-{n}.html"] = in_flight.page(0.5, body=html.encode())
    return site


@pytest.mark.slow
def test_two_newshound_workers_never_exceed_the_hosts_limit(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    in_flight = InFlight()
    site = one_host_news_site(tmp_path, in_flight, feeds=4, articles=4)
    sources = "".join(
        f'[[sources]]\nname = "F{k}"\nurl = "{site.url(f"/feeds/{k}.rss")}"\ninterval = "1h"\n'
        for k in range(4)
    )
    config = tmp_path / "newshound.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "news.db"}"\n[network]\nallow_private_addresses = true\n'
        f'[daemon]\ntick = "1s"\n[cluster]\nredis = "{redis_server.url}"\n'
        f'[[terms]]\nname = "Putin"\n{sources}',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def newshound(*args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", *args, "--config", str(config)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    # Two sources at a time each, so that both workers take two of the four.
    procs = [newshound("worker", "--name", w, "--concurrency", "2") for w in "ab"]
    try:
        deadline = time.monotonic() + 120
        with redis.Redis.from_url(redis_server.url) as r:
            while len(list(r.scan_iter(match="newshound:worker:*"))) < 2:
                assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
                time.sleep(0.1)
        procs.append(newshound("run"))
        while stored(tmp_path / "news.db") < 16:
            assert all(p.poll() is None for p in procs), [p.returncode for p in procs]
            assert time.monotonic() < deadline, f"{stored(tmp_path / 'news.db')} of 16 stored"
            time.sleep(0.2)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
        site.stop()
    assert in_flight.peak == 2  # two requests at a time, not each worker's two


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is being made
        return 0
