"""Poll: one crawl over a batch of due sources, in a child process of its own.

Why a child process per crawl and not ``AsyncCrawlerRunner`` in the daemon's own reactor:
full isolation. Whatever a hostile page does to lxml, trafilatura or Twisted (memory
fragmentation, a leaked reference, a C-level crash), it dies with the child; the daemon's
memory stays flat for months and a crash costs one batch, not the service. The children
are forked from a ``multiprocessing`` fork server that imported Scrapy and the pipeline
once (:class:`CrawlLauncher`), so a crawl starts in milliseconds instead of paying the
second of imports that a ``scrapy crawl`` subprocess pays. The child runs the same spider,
settings and pipeline as ``scrapy crawl feeds``, so the two cannot drift apart.

The daemon (``scheduler.py``) claims the due sources in memory (the database lock makes it
the only poller), starts a child for them and goes on ticking: a slow source keeps its own
child alive while the next tick starts another child for the sources that fall due
meanwhile. The child gets the daemon's one validated config, narrowed to its batch, and
sends back its error log lines and its Scrapy stats over a pipe. SIGTERM reaches the child
as Scrapy's own graceful stop; what it had stored is stored, one transaction per article.

``run_crawl`` runs ``scrapy crawl feeds`` itself, to completion, for tests and one-off use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from monitor.config import Config

__all__ = ["Crawl", "CrawlLauncher", "CrawlResult", "crawl_command", "run_crawl", "wait_crawl"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
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

CONCURRENT_ITEMS = 8  # items of one feed processed at once (see _crawl_child)

# What the fork server imports once, so that a crawl child starts in milliseconds.
PRELOAD = [
    "scrapy.crawler", "scrapy.settings", "scraper.settings", "scraper.spiders.feeds",
    "scraper.pipelines", "scraper.middlewares.conditional_get",
    "scraper.middlewares.public_address", "scraper.middlewares.robots_cache",
    "scraper.throttle", "monitor.daemon.poll", "monitor.daemon.preload",
]  # fmt: skip


@dataclass(eq=False)
class Crawl:
    """One running child: its sources, its process, and what it has sent back.

    The child sends ``("log", line)`` for its error log lines, ``("retry_after", source,
    value)`` when a source answers 429/503 with Retry-After, and ``("report", stats)``.
    :meth:`drain` reads what has arrived into ``log_lines``, ``retry_after`` and ``stats``.
    """

    sources: tuple[str, ...]
    started: float
    process: BaseProcess
    conn: Connection
    stats: dict[str, Any] = field(default_factory=dict)
    log_lines: list[str] = field(default_factory=list)
    retry_after: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    closed: bool = False  # the child's end of the pipe is gone

    def drain(self) -> None:
        if self.closed:
            return
        try:
            while self.conn.poll():
                kind, *values = self.conn.recv()
                if kind == "log":
                    self.log_lines.append(values[0])
                elif kind == "retry_after":
                    self.retry_after[values[0]] = values[1]
                elif kind == "report":
                    self.stats = values[0]
        except (EOFError, OSError):
            self.closed = True

    def terminate(self) -> None:
        """Ask the child to stop gracefully (Scrapy's own SIGTERM handling)."""
        if self.returncode is None and self.process.pid is not None:
            _signal(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        if self.returncode is None and self.process.pid is not None:
            _signal(self.process.pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class CrawlLauncher:
    """Starts crawl children, forked from a server that has Scrapy and the pipeline loaded.

    ``multiprocessing``'s fork server: one clean process, started on first use, imports
    ``PRELOAD`` once and forks a fresh child per crawl. The child is as isolated as a
    ``scrapy crawl`` subprocess (its own memory, its own reactor, gone when done) but
    skips the second or so of imports; the daemon's own memory never sees a crawl.
    """

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)

    async def start(self, config: Config, sources: tuple[str, ...]) -> Crawl:
        """Start a child crawling ``sources`` (names in ``config``); returns at once."""
        wanted = set(sources)
        job = replace(config, sources=tuple(s for s in config.sources if s.name in wanted))
        parent_conn, child_conn = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_crawl_child, args=(job, child_conn), name="newshound-crawl", daemon=False
        )
        try:
            # Blocking only while the fork server starts (first crawl): keep it off the loop.
            await asyncio.to_thread(process.start)
        finally:
            child_conn.close()
        return Crawl(sources=sources, started=time.time(), process=process, conn=parent_conn)


async def wait_crawl(
    crawl: Crawl, on_message: Callable[[Crawl], None], timeout: float | None = None
) -> Crawl:
    """Wait for the child to end (killing it after ``timeout``); collect what it sent.

    ``on_message(crawl)`` is called whenever new messages have been read (see
    :meth:`Crawl.drain`), so the daemon can log the child's lines as they come.
    """
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()
    sentinel, fd = crawl.process.sentinel, crawl.conn.fileno()

    def ended() -> None:
        if not exited.done():
            exited.set_result(None)

    def readable() -> None:
        crawl.drain()
        if crawl.closed:
            loop.remove_reader(fd)
        on_message(crawl)

    loop.add_reader(sentinel, ended)
    loop.add_reader(fd, readable)
    try:
        await asyncio.wait_for(asyncio.shield(exited), timeout)
    except TimeoutError:
        crawl.kill()
        await exited
    finally:
        loop.remove_reader(sentinel)
        loop.remove_reader(fd)
    crawl.drain()
    on_message(crawl)
    crawl.process.join()
    crawl.returncode = crawl.process.exitcode
    crawl.conn.close()
    crawl.process.close()
    return crawl


# --- the child's side --------------------------------------------------------------------


class _PipeLogHandler(logging.Handler):
    """Sends the child's error log lines to the daemon, which logs them in its format."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(logging.ERROR)
        self.conn = conn

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.conn.send(("log", f"{record.name}: {self.format(record)}"))
        except (OSError, ValueError):
            pass


def _check_callbacks_once(check: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Scrapy's check for ``return value`` in generator callbacks, once per function.

    Scrapy parses the callback's source (inspect + ast, ~2.7 ms) on every response: its
    cache is keyed by the bound method, a new object each time, so it never hits. The
    answer depends only on the function, so asking once per function is the same check.
    """
    seen: set[Any] = set()

    def check_once(spider: Any, callback: Any) -> None:
        func = getattr(callback, "__func__", callback)
        if func not in seen:
            seen.add(func)
            check(spider, callback)

    return check_once


def _crawl_child(config: Config, conn: Connection) -> None:
    """The child: crawl every source of ``config`` once, send the stats, exit."""
    import scrapy.core.scraper
    from scrapy import Request, signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import Response
    from scrapy.settings import Settings

    from monitor.safety import install_secret_filter
    from scraper.spiders.feeds import FeedsSpider

    core = scrapy.core.scraper
    core.warn_on_generator_with_return_value = _check_callbacks_once(  # type: ignore[assignment]
        core.warn_on_generator_with_return_value
    )
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set("NEWSHOUND_CONFIG", config, priority="cmdline")
    settings.set("LOG_LEVEL", "ERROR", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # ours, below
    # Scrapy starts CONCURRENT_ITEMS worker tasks for every callback's output, even the
    # empty one of a 304: the default 100 cost ~3 ms of CPU per unchanged source.
    settings.set("CONCURRENT_ITEMS", CONCURRENT_ITEMS, priority="cmdline")
    process = CrawlerProcess(settings)
    handler = _PipeLogHandler(conn)
    logging.getLogger().addHandler(handler)
    install_secret_filter(config, [handler])
    # A source whose robots.txt cannot be fetched is reported once by the daemon, not here.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(FeedsSpider)

    def response_received(response: Response, request: Request) -> None:
        # Retry-After reaches the daemon before the spider records the failed poll.
        source = request.meta.get("newshound_source")
        value = response.headers.get(b"Retry-After")
        if source and value and response.status in (429, 503):
            conn.send(("retry_after", source, value.decode("latin-1")))

    crawler.signals.connect(response_received, signal=signals.response_received)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    report = {k: stats[k] for k in REPORT_KEYS if k in stats}
    report["finish_reason"] = stats.get("finish_reason")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    logging.getLogger().removeHandler(handler)
    try:
        conn.send(("report", json.loads(json.dumps(report, default=str))))
    except OSError:  # the daemon is gone (killed): nothing to tell
        pass
    conn.close()
