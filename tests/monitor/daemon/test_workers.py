"""Crawl workers: real processes crawling the loopback fixture site, reused and retired."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from monitor.config import Config, load_config
from monitor.daemon.poll import Crawl, CrawlLauncher, wait_crawl
from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from monitor.store import open_database
from monitor.store.robots import save_robots
from tests.support import SITE

WORLD, ASIA = "Fixture World", "Fixture Asia"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def crawl(
    launcher: CrawlLauncher, config: Config, *names: str, timeout: float = 60
) -> tuple[Crawl, int]:
    """One crawl of ``names`` to its end: (the crawl, its worker's pid)."""
    c = await launcher.start(config, names)
    pid = c.process.pid
    assert pid is not None
    await wait_crawl(c, lambda _: None, timeout=timeout, launcher=launcher)
    return c, pid


def test_crawls_share_a_worker_until_it_retires(site_config: Path) -> None:
    config = load_config(site_config)

    async def run() -> list[tuple[Crawl, int]]:
        launcher = CrawlLauncher(worker_crawls=3)
        try:
            return [await crawl(launcher, config, WORLD, ASIA) for _ in range(4)]
        finally:
            launcher.close()

    (first, a), (second, b), (third, c), (fourth, d) = asyncio.run(run())
    assert [x.returncode for x in (first, second, third, fourth)] == [0, 0, 0, 0]
    # Each crawl reports its own work: the first stores, the second finds both feeds unchanged.
    assert first.stats["newshound/store/stored"] > 0
    assert second.stats.get("newshound/store/stored", 0) == 0
    assert second.stats["newshound/source/unchanged"] == 2
    assert a == b == c, "the first three crawls ran in one worker"
    assert third.retiring and not second.retiring
    assert d != c, "the fourth crawl ran in a fresh worker"
    assert not alive(c), "the retired worker has exited"
    assert not alive(d), "close() ended the idle worker"


def test_a_worker_killed_past_the_timeout_fails_its_crawl_only(
    site: FixtureSite, site_config: Path
) -> None:
    config = load_config(site_config)
    feed = (SITE / "feeds/world.rss").read_bytes()

    def slow(_: RequestRecord) -> Reply:
        return Reply(body=feed, headers={"Content-Type": "application/rss+xml"}, delay=20)

    site.routes["/feeds/world.rss"] = slow

    async def run() -> tuple[tuple[Crawl, int], tuple[Crawl, int]]:
        launcher = CrawlLauncher()
        try:
            killed = await crawl(launcher, config, WORLD, timeout=2)
            return killed, await crawl(launcher, config, ASIA)
        finally:
            launcher.close()

    (killed, a), (after, b) = asyncio.run(run())
    assert killed.returncode == -9 and not killed.finished
    assert not alive(a)
    assert after.returncode == 0 and after.stats["newshound/source/parsed"] == 1
    assert b != a


def test_the_fork_server_warm_up_runs_every_stage() -> None:
    """The fork server swallows a failing warm-up (it only costs time), so it is run here
    where a stage whose API moved makes it fail loudly."""
    from monitor.daemon import preload

    preload.warm_up()


def test_workers_let_go_are_joined_and_leak_no_handles(site_config: Path) -> None:
    """Over months a daemon retires thousands of workers: each one's process handle (a
    pipe and a sentinel) is closed once it has exited, and none is left running."""
    config = load_config(site_config)

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async def run() -> tuple[int, int, list[int]]:
        launcher = CrawlLauncher(worker_crawls=1)  # every crawl retires its worker
        try:
            await crawl(launcher, config, WORLD)  # the fork server is up from here on
            before = open_fds()
            pids = [(await crawl(launcher, config, WORLD))[1] for _ in range(4)]
            await asyncio.sleep(1)
            launcher.expire_idle()  # as every daemon tick does: joins what has exited
            return before, open_fds(), pids
        finally:
            launcher.close()

    before, after, pids = asyncio.run(run())
    assert len(set(pids)) == 4
    assert not any(alive(pid) for pid in pids)
    assert after <= before


def test_the_next_crawl_in_a_worker_does_not_wait_the_start_delay_again(
    site: FixtureSite, tmp_path: Path
) -> None:
    """AutoThrottle starts a host at 0.5 s between requests. Once a worker has seen the
    host answer quickly, its next crawl starts from the delay the host earned."""
    from tests.support import write_site_config

    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

    def feed(_: RequestRecord) -> Reply:
        return Reply(body=empty, headers={"Content-Type": "application/rss+xml"})

    names = []
    extra = ""
    for k in range(6):
        site.routes[f"/feeds/empty-{k}.rss"] = feed
        names.append(f"empty {k}")
        extra += f'[[sources]]\nname = "empty {k}"\nurl = "{site.base}/feeds/empty-{k}.rss"\n'
    path = write_site_config(site, tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    config = load_config(path)

    async def run() -> list[tuple[float, int]]:
        launcher = CrawlLauncher()
        try:
            out = []
            for _ in range(2):
                c, pid = await crawl(launcher, config, *names)
                polled = sum(
                    c.stats.get(f"newshound/source/{k}", 0) for k in ("parsed", "unchanged")
                )
                assert c.returncode == 0 and polled == 6
                out.append((time.time() - c.started, pid))
            return out
        finally:
            launcher.close()

    (first, a), (second, b) = asyncio.run(run())
    assert a == b
    # 0.5 s, then half as long after each quick answer, each +-50% (Scrapy's jitter).
    assert first > 0.4, "six requests to one host from the start delay take a while"
    assert second < first / 2, (first, second)


def test_an_idle_worker_exits_after_the_idle_timeout(site_config: Path) -> None:
    """A quiet night: nothing falls due, yet the daemon's tick lets the idle worker go."""
    config = load_config(site_config)

    async def run() -> tuple[int, bool, bool]:
        launcher = CrawlLauncher(idle_timeout=0.5)
        try:
            _, pid = await crawl(launcher, config, WORLD)
            launcher.expire_idle()
            kept = alive(pid) and len(launcher.idle) == 1
            await asyncio.sleep(0.6)
            launcher.expire_idle()
            for _ in range(50):  # it exits once its reactor has stopped
                if not alive(pid):
                    break
                await asyncio.sleep(0.1)
            launcher.expire_idle()
            return pid, kept, not launcher.idle and not launcher.exiting
        finally:
            launcher.close()

    pid, kept, released = asyncio.run(run())
    assert kept, "a worker idle for less than the timeout is kept"
    assert not alive(pid) and released, "past the timeout it has exited and been joined"


def test_a_worker_answers_robots_txt_from_its_earlier_crawls(
    site: FixtureSite, site_config: Path
) -> None:
    """An unchanged feed polled again under the same robots.txt costs no parse of it; a
    robots.txt fetched again (a new fetch time) is read afresh."""
    config = load_config(site_config)

    async def run() -> list[tuple[Crawl, int]]:
        launcher = CrawlLauncher()
        try:
            crawls = [await crawl(launcher, config, WORLD) for _ in range(2)]
            db = open_database(config.storage.path)
            save_robots(db, site.base, 200, b"User-agent: *\nDisallow: /feeds/")
            db.close()
            return [*crawls] + [await crawl(launcher, config, WORLD) for _ in range(2)]
        finally:
            launcher.close()

    (first, a), (second, b), (third, c), (fourth, d) = asyncio.run(run())
    assert a == b == c == d, "one worker"
    assert first.stats["newshound/robotstxt/parsed"] == 1  # fetched and parsed once
    assert second.stats["newshound/source/unchanged"] == 1
    assert "newshound/robotstxt/parsed" not in second.stats, "the feed's answer was kept"
    assert third.stats["robotstxt/forbidden"] == 1, "the new robots.txt shut the feed out"
    assert third.stats["newshound/robotstxt/parsed"] == 1
    assert fourth.stats["robotstxt/forbidden"] == 1, "a refusal is kept as such"
    assert "newshound/robotstxt/parsed" not in fourth.stats
    assert site.paths().count("/robots.txt") == 1  # the rest came from the database
