"""Poll: one crawl over a batch of due sources, in a child process.

Why a subprocess per crawl and not ``AsyncCrawlerRunner`` in the daemon's own reactor:
full isolation. Whatever a hostile page does to lxml, trafilatura or Twisted (memory
fragmentation, a leaked reference, a C-level crash), it dies with the child; the daemon's
memory stays flat for months and a crash costs one batch, not the service. The price is
about 0.5 s of CPU per spawn, shared by every source in the batch. The child runs the same
spider, settings and pipeline as ``scrapy crawl feeds``, so the two cannot drift apart.

The daemon (``scheduler.py``) claims the due sources in memory (the database lock makes it
the only poller), starts a child for them with :func:`start_crawl` and goes on ticking: a
slow source keeps its own child alive, while the next tick starts another child for the
sources that fall due meanwhile. The child receives the config, narrowed to its batch, as
a pickle on stdin (the daemon's one validated config, secrets never on a command line),
and prints its Scrapy stats as one JSON line on stdout when done. SIGTERM reaches the
child as Scrapy's own graceful stop; what it had stored is stored, per transaction.

``python -m monitor.daemon.poll`` is that child. ``run_crawl`` runs ``scrapy crawl feeds``
itself, to completion, for tests and one-off use.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from monitor.config import Config

__all__ = ["Crawl", "CrawlResult", "crawl_command", "run_crawl", "start_crawl"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
_REPORT_PREFIX = "newshound-crawl-report "
# Scrapy stats the daemon keeps (counters summed into its metrics and logs).
REPORT_KEYS = (
    "newshound/source/unchanged", "newshound/source/parsed", "newshound/source/failed",
    "newshound/conditional_get/not_modified", "newshound/conditional_get/same_body",
    "newshound/dedupe/skipped", "newshound/page/fetched", "newshound/page/failed",
    "newshound/store/stored", "newshound/match/matched", "downloader/request_count",
    "item_dropped_count", "spider_exceptions/count",
)  # fmt: skip


@dataclass(frozen=True)
class CrawlResult:
    returncode: int
    stderr: str


def crawl_command(
    config_path: Path | None, *, due: bool = False, url: str | None = None
) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "feeds"]
    if config_path is not None:
        cmd += ["-a", f"config={Path(config_path).resolve()}"]
    if url:
        cmd += ["-a", f"url={url}"]
    if due:
        cmd += ["-a", "due=1"]
    return cmd


def crawl_env() -> dict[str, str]:
    """The child's environment: our settings module, found from any working directory."""
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "scraper.settings"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_crawl(
    config_path: Path | None, *, due: bool = False, url: str | None = None, timeout: float = 600
) -> CrawlResult:
    """Run one ``scrapy crawl feeds`` to completion; its log goes to ``CrawlResult.stderr``."""
    proc = subprocess.run(
        crawl_command(config_path, due=due, url=url),
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CrawlResult(proc.returncode, proc.stderr)


# --- the daemon's side -------------------------------------------------------------------


@dataclass(eq=False)
class Crawl:
    """One running child: its sources, its process, and (when done) its stats."""

    sources: tuple[str, ...]
    started: float
    process: asyncio.subprocess.Process
    stats: dict[str, Any] = field(default_factory=dict)
    returncode: int | None = None
    stderr_tail: list[str] = field(default_factory=list)

    def terminate(self) -> None:
        """Ask the child to stop gracefully (Scrapy finishes what it can)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def start_crawl(config: Config, sources: tuple[str, ...]) -> Crawl:
    """Start a child crawling ``sources`` (names in ``config``); returns at once."""
    wanted = set(sources)
    job = replace(config, sources=tuple(s for s in config.sources if s.name in wanted))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "monitor.daemon.poll",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=crawl_env(),
    )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(pickle.dumps(job))
    await process.stdin.drain()
    process.stdin.close()
    return Crawl(sources=sources, started=time.time(), process=process)


async def wait_crawl(
    crawl: Crawl, on_stderr: Callable[[str], None], timeout: float | None = None
) -> Crawl:
    """Wait for the child to end (killing it after ``timeout``); collect its stats.

    ``on_stderr`` gets each line the child writes to stderr (errors only: the child logs
    at ERROR; the daemon logs the per-source events itself).
    """
    proc = crawl.process
    assert proc.stdout is not None and proc.stderr is not None

    async def read_stderr() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                crawl.stderr_tail = (crawl.stderr_tail + [line])[-20:]
                on_stderr(line)

    async def read_stdout() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            if line.startswith(_REPORT_PREFIX):
                crawl.stats = json.loads(line[len(_REPORT_PREFIX) :])

    readers = asyncio.gather(read_stderr(), read_stdout())
    try:
        await asyncio.wait_for(asyncio.shield(readers), timeout)
    except TimeoutError:
        crawl.kill()
        await readers
    crawl.returncode = await proc.wait()
    return crawl


# --- the child's side --------------------------------------------------------------------


def _crawl_main() -> int:
    """Read a pickled Config from stdin, crawl all its sources, print the stats."""
    import logging

    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from scraper.spiders.feeds import FeedsSpider

    config: Config = pickle.loads(sys.stdin.buffer.read())
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set("NEWSHOUND_CONFIG", config, priority="cmdline")
    settings.set("LOG_LEVEL", "ERROR", priority="cmdline")
    process = CrawlerProcess(settings)
    # A source whose robots.txt cannot be fetched is reported once by the daemon, not here.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(FeedsSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    report = {k: stats[k] for k in REPORT_KEYS if k in stats}
    report["finish_reason"] = stats.get("finish_reason")
    sys.stdout.write(_REPORT_PREFIX + json.dumps(report, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_crawl_main())
