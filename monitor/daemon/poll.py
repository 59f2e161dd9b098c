"""Poll: one crawl over a batch of due sources, in a crawl worker process.

Why worker processes and not ``AsyncCrawlerRunner`` in the daemon's own reactor:
isolation. Whatever a hostile page does to lxml, trafilatura or Twisted (memory
fragmentation, a leaked reference, a C-level crash), it dies with the worker; the daemon's
memory stays flat for months and a crash costs one batch, not the service. Workers are
forked from a ``multiprocessing`` fork server that imported Scrapy and the pipeline once,
and each runs one crawl at a time in a reactor that lives as long as the worker. A crawl
then costs a ``Crawler`` (about 30 ms), not a fork, a reactor and cold parsers (about
0.3 s, more than polling 100 unchanged feeds). Workers retire (:class:`CrawlLauncher`)
after ``WORKER_CRAWLS`` crawls or ``WORKER_RSS_GROWTH`` of memory, so isolation in time
is kept too. The worker runs the same spider, settings and pipeline as ``scrapy crawl
feeds``, so the two cannot drift apart.

The daemon (``scheduler.py``) claims the due sources in memory (the database lock makes it
the only poller), hands them to an idle worker (or a new one) and goes on ticking: a slow
source keeps its own worker busy while the next tick gives the sources that fall due
meanwhile to another. The worker gets the daemon's one validated config, narrowed to its
batch, and sends back its error log lines and the crawl's Scrapy stats over a pipe.
SIGTERM reaches the worker as Scrapy's own graceful stop; what it had found is stored
(the writer commits its last batch as the spider closes), and a source whose entries
were not all stored keeps its
old validators (``scraper/writer.py``), so the next poll parses it again. A crawl past
its timeout is ended by killing its worker.

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
from multiprocessing.context import ForkServerContext, SpawnContext
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
    "newshound/store/stored", "newshound/store/failed", "newshound/source/held",
    "newshound/match/matched", "response_received_count",
    "item_dropped_count", "spider_exceptions/count", "newshound/robotstxt/parsed",
    "robotstxt/forbidden", "newshound/alerts/queued", "newshound/alerts/held_back",
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

WORKER_CRAWLS = 100  # a worker retires after this many crawls...
WORKER_RSS_GROWTH = 256 * 1024 * 1024  # ...or when its memory grew this much since its first
IDLE_WORKERS = 2  # idle workers kept for the next ticks; more are told to exit
IDLE_TIMEOUT = 600.0  # an idle worker unused this long exits (long intervals, quiet nights)

# What the fork server imports once, so that a crawl worker starts in milliseconds.
PRELOAD = [
    "scrapy.crawler", "scrapy.settings", "scraper.settings", "scraper.spiders.feeds",
    "scraper.pipelines", "scraper.writer", "scraper.middlewares.conditional_get",
    "scraper.middlewares.public_address", "scraper.middlewares.robots_cache",
    "scraper.throttle", "scraper.tls", "monitor.daemon.poll", "monitor.daemon.preload",
]  # fmt: skip


class _ChildProcess:
    """A crawl worker started as ``python -c`` with its end of the pipe (``pass_fds``):
    the part of ``multiprocessing.Process``'s interface the launcher uses. ``sentinel``
    is a pidfd, readable once the process has exited (Linux 5.3+)."""

    def __init__(self, fd: int, max_crawls: int, max_rss_growth: int) -> None:
        self.fd, self.args = fd, (max_crawls, max_rss_growth)
        self._popen: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        self.sentinel = -1

    def start(self) -> None:
        code = f"from monitor.daemon.poll import _child_main; _child_main({self.fd}, {self.args})"
        self._popen = subprocess.Popen(
            [sys.executable, "-B", "-c", code], pass_fds=(self.fd,), env=crawl_env()
        )
        self.pid = self._popen.pid
        self.sentinel = os.pidfd_open(self.pid)

    @property
    def exitcode(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def is_alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        if self._popen is not None:
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass

    def kill(self) -> None:
        if self.is_alive():
            assert self._popen is not None
            self._popen.kill()

    def close(self) -> None:
        if self.sentinel >= 0:
            os.close(self.sentinel)
            self.sentinel = -1


@dataclass(eq=False)
class Worker:
    """A crawl worker process and the daemon's end of its pipe."""

    process: BaseProcess | _ChildProcess
    conn: Connection
    idle_since: float = 0.0

    def close(self) -> None:
        """Tell the worker to exit (it does once its reactor has stopped); close the pipe."""
        if not self.conn.closed:
            try:
                self.conn.send(("exit",))
            except (OSError, ValueError):
                pass
            self.conn.close()


@dataclass(eq=False)
class Crawl:
    """One crawl in a worker: its sources, the worker, and what the worker sent back.

    The worker sends ``("log", line)`` for its error log lines and ``("report", stats)``
    when the crawl has ended. :meth:`drain` reads what has arrived into ``log_lines`` and
    ``stats``; ``finished`` is set by the report. (A Retry-After is in the source's row:
    the spider records it with the failed poll.)
    """

    sources: tuple[str, ...]
    started: float
    worker: Worker
    stats: dict[str, Any] = field(default_factory=dict)
    log_lines: list[str] = field(default_factory=list)
    returncode: int | None = None
    finished: bool = False  # the worker sent its report: the crawl has ended
    closed: bool = False  # the worker's end of the pipe is gone

    def __post_init__(self) -> None:
        self.pid = self.worker.process.pid  # kept: the process object is closed once joined

    @property
    def process(self) -> BaseProcess | _ChildProcess:
        return self.worker.process

    @property
    def conn(self) -> Connection:
        return self.worker.conn

    def drain(self) -> None:
        if self.closed:
            return
        try:
            while not self.finished and self.conn.poll():
                kind, *values = self.conn.recv()
                if kind == "log":
                    self.log_lines.append(values[0])
                elif kind == "report":
                    self.stats, self.finished = values[0], True
        except (EOFError, OSError):
            self.closed = True

    @property
    def retiring(self) -> bool:
        return bool(self.stats.get("worker_retiring"))

    def terminate(self) -> None:
        """Ask the worker to stop gracefully: it ends the crawl as Scrapy does on SIGTERM."""
        if self.returncode is None and self.pid is not None:
            _signal(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        if self.returncode is None and self.pid is not None:
            _signal(self.pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class CrawlLauncher:
    """Runs crawls in worker processes forked from a server that has Scrapy loaded.

    ``multiprocessing``'s fork server: one clean process, started on first use, imports
    ``PRELOAD`` once and forks each worker. A worker runs one crawl at a time in its own
    reactor and then waits for the next, so a crawl costs a Crawler, not a process and a
    reactor: forking, building the reactor and warming the parsers cost more than
    polling 100 unchanged feeds. Isolation is kept by retiring: a worker exits after
    ``WORKER_CRAWLS`` crawls, when its memory has grown by ``WORKER_RSS_GROWTH``, when it
    has been idle ``IDLE_TIMEOUT``, or when it is killed (a crawl past its timeout), and
    the next crawl gets a fresh one. Whatever a hostile page does to lxml or Twisted dies
    with the worker; the daemon's own memory never sees a crawl.
    """

    def __init__(
        self,
        *,
        idle_workers: int = IDLE_WORKERS,
        idle_timeout: float = IDLE_TIMEOUT,
        worker_crawls: int = WORKER_CRAWLS,
        worker_rss_growth: int = WORKER_RSS_GROWTH,
        fork_server: bool = True,
    ) -> None:
        """``fork_server=False`` is for a single crawl (``run --once``): the worker is then
        a fresh interpreter that imports what its crawl needs, and no fork server stays
        resident beside it holding a second copy of Scrapy and the pipeline. Measured
        with ``bench/startup.py``: 1.16 against 1.29-1.33 CPU s, 99 against 120-125 MB of
        PSS. It is started as a plain subprocess (``_ChildProcess``), not through
        multiprocessing, whose "spawn" also starts its resource tracker: a third
        interpreter (9 MB) with nothing to track. A daemon that crawls again keeps the
        fork server."""
        self.context: ForkServerContext | SpawnContext | None = None
        if fork_server:
            self.context = multiprocessing.get_context("forkserver")
            self.context.set_forkserver_preload(PRELOAD)
        elif not hasattr(os, "pidfd_open"):  # not Linux: no pidfd to wait on
            self.context = multiprocessing.get_context("spawn")
        self.idle: list[Worker] = []
        self.exiting: list[Worker] = []  # told to exit (or retiring), not yet joined
        self.idle_workers, self.idle_timeout = idle_workers, idle_timeout
        self.retire_after = (worker_crawls, worker_rss_growth)

    async def start(self, config: Config, sources: tuple[str, ...]) -> Crawl:
        """Start a crawl of ``sources`` (names in ``config``) in a worker; returns at once."""
        wanted = set(sources)
        job = replace(config, sources=tuple(s for s in config.sources if s.name in wanted))
        worker = self._take_idle()
        if worker is not None:
            try:  # the worker is idle, so it reads at once; a big config is still a copy
                await asyncio.to_thread(worker.conn.send, ("crawl", job))
            except (OSError, ValueError):  # it died while idle: a fresh one instead
                worker.conn.close()
                worker = None
        if worker is None:
            worker = await self._spawn()
            await asyncio.to_thread(worker.conn.send, ("crawl", job))
        return Crawl(sources=sources, started=time.time(), worker=worker)

    async def _spawn(self) -> Worker:
        parent_conn, child_conn = multiprocessing.Pipe(duplex=True)
        process: BaseProcess | _ChildProcess
        if self.context is None:
            process = _ChildProcess(child_conn.fileno(), *self.retire_after)
        else:
            process = self.context.Process(
                target=_crawl_worker,
                args=(child_conn, *self.retire_after),
                name="newshound-crawl",
                daemon=False,
            )
        try:
            # Blocking only while the fork server starts (first crawl): keep it off the loop.
            await asyncio.to_thread(process.start)
        finally:
            child_conn.close()
        return Worker(process=process, conn=parent_conn)

    def _take_idle(self) -> Worker | None:
        self.expire_idle()
        return self.idle.pop() if self.idle else None  # the most recently used: warm caches

    def done(self, crawl: Crawl) -> None:
        """A crawl has ended: keep its worker for the next, or let it go."""
        worker = crawl.worker
        if not (crawl.finished and not crawl.retiring and not crawl.closed):
            self._let_go(worker)  # it died, was killed, or is retiring: it exits on its own
            return
        worker.idle_since = time.time()
        self.idle.append(worker)
        self.expire_idle()
        while len(self.idle) > self.idle_workers:
            self._let_go(self.idle.pop(0))

    def expire_idle(self) -> None:
        """Let go of idle workers unused for ``idle_timeout`` or dead, and join those that
        have exited. The daemon calls it every tick, so a quiet night with nothing due
        does not keep workers waiting until the next crawl."""
        self._reap_exited()
        now = time.time()
        for worker in [w for w in self.idle if not w.process.is_alive()
                       or now - w.idle_since >= self.idle_timeout]:  # fmt: skip
            self.idle.remove(worker)
            self._let_go(worker)

    def _let_go(self, worker: Worker) -> None:
        """Tell a worker to exit (closing the pipe does, too) and join it once it has:
        never blocking the daemon's loop, and never leaking the process's handles."""
        worker.close()
        self.exiting.append(worker)
        self._reap_exited()

    def _reap_exited(self) -> None:
        running = []
        for worker in self.exiting:
            worker.process.join(0)
            if worker.process.exitcode is None:
                running.append(worker)
            else:
                worker.process.close()
        self.exiting = running

    def close(self) -> None:
        """Tell every idle worker to exit and wait a little for them (and for retiring
        ones); kill what is still running after that."""
        for worker in self.idle:
            worker.close()
        workers, self.idle, self.exiting = [*self.idle, *self.exiting], [], []
        for worker in workers:
            worker.process.join(5)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join(5)
            worker.process.close()


async def wait_crawl(
    crawl: Crawl,
    on_message: Callable[[Crawl], None],
    launcher: CrawlLauncher,
    timeout: float | None = None,
) -> Crawl:
    """Wait for the crawl to end (killing its worker after ``timeout``); collect what it
    sent. ``crawl.returncode`` is 0 when the worker reported the crawl's end, else the
    worker's exit code (it died or was killed).

    ``on_message(crawl)`` is called whenever new messages have been read (see
    :meth:`Crawl.drain`), so the daemon can log the worker's lines as they come. The
    worker then goes back to ``launcher`` for the next crawl.
    """
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()
    sentinel, fd = crawl.process.sentinel, crawl.conn.fileno()

    def end() -> None:
        if not ended.done():
            ended.set_result(None)

    def readable() -> None:
        crawl.drain()
        if crawl.closed or crawl.finished:
            loop.remove_reader(fd)
        on_message(crawl)
        if crawl.finished:
            end()

    loop.add_reader(sentinel, end)
    loop.add_reader(fd, readable)
    try:
        await asyncio.wait_for(asyncio.shield(ended), timeout)
    except TimeoutError:
        crawl.kill()
        crawl.process.join()
    finally:
        loop.remove_reader(sentinel)
        loop.remove_reader(fd)
    crawl.drain()
    on_message(crawl)
    if crawl.finished:
        crawl.returncode = 0
    else:
        crawl.process.join()
        crawl.returncode = crawl.process.exitcode
    launcher.done(crawl)
    return crawl


# --- the worker's side -------------------------------------------------------------------


class _PipeLogHandler(logging.Handler):
    """Sends the worker's error log lines to the daemon, which logs them in its format."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(logging.ERROR)
        self.conn = conn

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.conn.send(("log", f"{record.name}: {self.format(record)}"))
        except (OSError, ValueError):
            pass


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _CrawlWorker:
    """The worker: one reactor for its life, one crawl at a time, read from the pipe.

    SIGTERM/SIGINT stop the running crawl as Scrapy's own signal handling would (the
    engine closes, what was stored is stored, the report is sent) and end the worker; a
    second signal stops the reactor at once. EOF on the pipe (the daemon is gone) or an
    ``("exit",)`` message ends an idle worker.
    """

    def __init__(self, conn: Connection, max_crawls: int, max_rss_growth: int) -> None:
        from scrapy.crawler import CrawlerProcess
        from scrapy.settings import Settings

        self.conn = conn
        self.max_crawls, self.max_rss_growth = max_crawls, max_rss_growth
        settings = Settings()
        settings.setmodule("scraper.settings", priority="project")
        settings.set("LOG_LEVEL", "ERROR", priority="cmdline")
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # ours, below
        settings.set("LOG_VERSIONS", [], priority="cmdline")  # not once per worker
        self.settings = settings
        self.process = CrawlerProcess(settings)
        self.handler = _PipeLogHandler(conn)
        root = logging.getLogger()
        root.addHandler(self.handler)
        root.setLevel(logging.ERROR)  # no record is even built for what nobody reads
        # A source whose robots.txt cannot be fetched is reported once by the daemon.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        self.crawler: Any = None
        self.cpu_at_start = 0.0  # the worker's CPU when the running crawl started
        self.crawls = 0
        self.first_rss = 0
        self.stopping = False

    def run(self) -> None:
        from scrapy.utils.misc import build_from_crawler, load_object
        from scrapy.utils.reactor import install_reactor

        install_reactor(self.settings["TWISTED_REACTOR"])
        reactor = _reactor()
        reactor.callWhenRunning(self._listen)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        # As CrawlerProcess.start() sets up its reactor: the DNS resolver (ours, which
        # answers public addresses only) and the thread pool. Signals are ours, above.
        resolver = load_object(self.settings["TWISTED_DNS_RESOLVER"])
        dns = build_from_crawler(resolver, self.process, reactor=reactor)  # type: ignore[call-overload]
        dns.install_on_reactor()
        pool = reactor.getThreadPool()
        pool.adjustPoolsize(maxthreads=self.settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
        reactor.run(installSignalHandlers=False)
        if self.crawler is not None:  # stopped hard in mid-crawl: report what it did
            self._report(self.crawler)

    def _listen(self) -> None:
        import asyncio

        asyncio.get_event_loop().add_reader(self.conn.fileno(), self._readable)

    def _readable(self) -> None:
        try:
            while self.conn.poll():
                kind, *values = self.conn.recv()
                if kind == "crawl" and self.crawler is None and not self.stopping:
                    self._start(values[0])
                elif kind == "crawl":  # retiring or stopping: the daemon must not wait
                    self._send(("report", {"worker_retiring": True}))
                elif kind == "exit":
                    self._stop()
        except (EOFError, OSError):  # the daemon is gone
            self.stopping = True
            self._stop_reactor()

    def _start(self, config: Config) -> None:
        from scrapy.crawler import Crawler

        from monitor.safety import install_secret_filter
        from scraper.spiders.feeds import FeedsSpider

        install_secret_filter(config, [self.handler])
        self.cpu_at_start = _cpu()
        try:
            crawler = Crawler(FeedsSpider, self.settings)  # a copy of the settings
            crawler.settings.set("NEWSHOUND_CONFIG", config, priority="cmdline")
        except Exception:
            logging.getLogger("newshound.crawl").exception("the crawl could not start")
            self._send(("report", {}))
            return
        self.crawler = crawler
        d = self.process.crawl(crawler)
        d.addErrback(lambda f: logging.getLogger("newshound.crawl").error(
            "the crawl failed: %s", f.getTraceback()))  # fmt: skip
        d.addBoth(lambda _: self._finished(crawler))

    def _finished(self, crawler: Any) -> None:
        self._report(crawler)
        self.crawler = None
        if self.stopping:
            self._stop_reactor()

    def _report(self, crawler: Any) -> None:
        try:
            stats = crawler.stats.get_stats()
        except RuntimeError:  # the crawl never started
            stats = {}
        report = {k: stats[k] for k in REPORT_KEYS if k in stats}
        report["finish_reason"] = stats.get("finish_reason")
        self.crawls += 1
        rss = _rss()
        self.first_rss = self.first_rss or rss
        if self.crawls >= self.max_crawls or rss - self.first_rss > self.max_rss_growth:
            self.stopping = True
        report["worker_retiring"] = self.stopping
        report["cpu_seconds"] = round(_cpu() - self.cpu_at_start, 3)
        self._send(("report", json.loads(json.dumps(report, default=str))))

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            self.conn.send(message)
        except OSError:  # the daemon is gone (killed): nothing to tell
            self.stopping = True
            self._stop_reactor()

    def _on_signal(self, signum: int, _: Any) -> None:
        reactor = _reactor()
        if self.stopping and self.crawler is not None:  # the second signal: now
            signal.signal(signum, signal.SIG_IGN)
            reactor.callFromThread(self._stop_reactor)
            return
        reactor.callFromThread(self._stop)

    def _stop(self) -> None:
        """Stop gracefully: the running crawl ends as on Scrapy's SIGTERM, then the worker."""
        self.stopping = True
        if self.crawler is None:
            self._stop_reactor()
        else:
            self.process.stop()  # the crawl's deferred fires, _finished stops the reactor

    def _stop_reactor(self) -> None:
        reactor = _reactor()
        try:
            reactor.stop()
        except RuntimeError:  # already stopping
            pass


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def _child_main(fd: int, retire_after: tuple[int, int]) -> None:
    """A worker started by ``_ChildProcess``: its end of the pipe is ``fd``."""
    _crawl_worker(Connection(fd), *retire_after)


def _crawl_worker(conn: Connection, max_crawls: int, max_rss_growth: int) -> None:
    """The worker process: crawl what the daemon sends until told to stop."""
    import gc

    # What the fork server imported is never freed: out of the collector's sight, it is
    # neither scanned after each crawl nor copied on write by the scan.
    gc.freeze()
    # A crawl allocates in bursts: cleaning one article page makes and drops some 100,000
    # objects (lxml proxies, strings). At Python's default of 700 the collector ran about
    # 240 times per 100 articles, each time scanning the crawl's live requests, for 1.4 ms
    # of CPU per article; at 20,000 it runs a few times per crawl (0.2 ms per article) and
    # the cyclic garbage it waits for is bounded by those 20,000 objects.
    gc.set_threshold(20_000, 20, 20)
    _CrawlWorker(conn, max_crawls, max_rss_growth).run()
    conn.close()
