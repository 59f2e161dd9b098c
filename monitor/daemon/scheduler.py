"""The daemon: ``newshound run``, one asyncio process with three coarse APScheduler jobs.

    poll      every ``daemon.tick``: claim the due sources, hand them to a crawl worker
    deliver   every few seconds: drain the outbox (``deliver.py``)
    maintain  every two minutes: retention, WAL checkpoint, silence, health alerts

plus a heartbeat (the database lock, and systemd's watchdog while the poll loop ticks).
Per-source schedule state lives in SQLite (``sources.next_poll``), not in APScheduler jobs,
which is what scales to 10,000+ sources: one query a tick finds what is due.

Sources are claimed in memory: the database lock (``store/lock.py``) makes this process
the only poller of its database, so a set of in-flight names is enough to keep two crawls
from polling one source, and a restart forgets nothing that matters. A poll tick does not
wait for its crawl: a source that answers after 20 s holds its own worker, and the next
tick starts a crawl in another worker for the sources that have fallen due meanwhile (up to
``MAX_CRAWLS`` at once). A source leaves the in-flight set as soon as its row shows a poll
after the claim (the crawl's writer records a poll once its entries are stored), whether
or not its crawl has finished.

SIGTERM/SIGINT: stop scheduling, send SIGTERM on to the busy crawl workers (Scrapy's graceful
stop), let them and a running delivery finish within ``daemon.shutdown_timeout``, kill
what is left, release the lock, checkpoint the WAL, exit 0. Undelivered alerts stay
pending in the outbox. Idle workers are told to exit. A second signal kills the workers at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from datetime import UTC
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config import Config
from monitor.daemon.logs import log_crawl, log_event
from monitor.daemon.maintain import checkpoint_wal, maintain
from monitor.daemon.notify import Notifier
from monitor.daemon.poll import REPORT_KEYS, Crawl, CrawlLauncher, wait_crawl
from monitor.metrics import DaemonMetrics, serve_metrics
from monitor.store import open_database
from monitor.store.lock import DatabaseLock
from monitor.store.sources import (
    describe_sources,
    due_sources,
    polled_since,
    postpone_source,
    sync_sources,
)

__all__ = ["Daemon"]

log = logging.getLogger("newshound.daemon")

MAX_CRAWLS = 4  # crawls (busy workers) at once; a slow source holds one
BATCH_SIZE = 2000  # sources per crawl; a backlog is spread over ticks
CRAWL_TIMEOUT = 1800.0  # a crawl still running after this is killed
DELIVER_EVERY = 2.0
MAINTAIN_EVERY = 120.0
HEARTBEAT_EVERY = 10.0
GAUGES_EVERY = 10.0
LOCK_STALE_AFTER = 60.0


class Daemon:
    """``await Daemon(config).run()`` -> exit code. Raises ``LockHeld`` if another polls."""

    def __init__(
        self,
        config: Config,
        *,
        once: bool = False,
        notifier: Notifier | None = None,
        max_crawls: int = MAX_CRAWLS,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.config, self.once = config, once
        self.notifier = notifier or Notifier(None)
        self.max_crawls, self.batch_size = max_crawls, batch_size
        self.enabled = [s.name for s in config.sources if s.enabled]
        self.metrics = DaemonMetrics()
        self.launcher = CrawlLauncher()
        self.inflight: dict[str, float] = {}  # source name -> claim time
        self.items_seen: dict[str, int] = {}
        self.crawls: set[Crawl] = set()
        self.crawl_tasks: set[asyncio.Task[None]] = set()
        self.busy: set[asyncio.Task[Any]] = set()  # a running delivery or maintenance
        self.last_tick = 0.0
        self.gauges_at = 0.0
        self.stopping = False
        self.exit_code = 0
        self._stop = asyncio.Event()
        self._warned: set[str] = set()
        self.cluster: Any = None  # with [cluster]: the ClusterWriter (cluster.py)

    # --- life cycle ------------------------------------------------------------------

    async def run(self) -> int:
        self.db = open_database(self.config.storage.path)
        self.lock = DatabaseLock(self.db, stale_after=LOCK_STALE_AFTER)
        server = None
        try:
            self.lock.acquire()  # LockHeld: another daemon polls this database
            sync_sources(self.db, [s for s in self.config.sources if s.enabled])
            if self.config.cluster is not None:  # workers poll; this process writes
                from monitor.daemon.cluster import ClusterWriter

                self.cluster = ClusterWriter(self.config, self.metrics)
                await self.cluster.start()
            self.items_seen = {r[0]: r[1] for r in self.db.execute(
                "SELECT name, items_seen FROM sources")}  # fmt: skip
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop, sig)
            if self.config.metrics.listen:
                server = await serve_metrics(self.config.metrics.listen, self.metrics,
                                             self.poll_alive)  # fmt: skip
            log_event(log, "daemon_started", pid=os.getpid(), sources=len(self.enabled),
                      config=str(self.config.path or "(built-in default)"),
                      db=str(self.config.storage.path), tick=tick_seconds(self.config),
                      metrics=self.config.metrics.listen, once=self.once or None)  # fmt: skip
            await (self._run_once() if self.once else self._run_forever())
        finally:
            if server is not None:
                server.close()
                await server.wait_closed()
            if self.cluster is not None:
                await self.cluster.close()
            self._close()
        return self.exit_code

    async def _run_forever(self) -> None:
        tick = tick_seconds(self.config)
        scheduler = AsyncIOScheduler(timezone=UTC)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        now = _utcnow()
        common = {"max_instances": 1, "coalesce": True}
        scheduler.add_job(
            self.poll_tick,
            "interval",
            seconds=tick,
            next_run_time=now,
            misfire_grace_time=max(1, int(tick)),
            id="poll",
            **common,
        )
        scheduler.add_job(
            self.deliver_job,
            "interval",
            seconds=DELIVER_EVERY,
            id="deliver",
            next_run_time=now,
            misfire_grace_time=int(DELIVER_EVERY) + 1,
            **common,
        )
        scheduler.add_job(
            self.maintain_job,
            "interval",
            seconds=MAINTAIN_EVERY,
            id="maintain",
            misfire_grace_time=int(MAINTAIN_EVERY),
            **common,
        )
        beat = min(HEARTBEAT_EVERY, self.notifier.watchdog_interval or HEARTBEAT_EVERY)
        scheduler.add_job(self.heartbeat_job, "interval", seconds=beat, id="heartbeat",
                          misfire_grace_time=max(1, int(beat)), **common)  # fmt: skip
        scheduler.start()
        self.notifier.send("READY=1", f"STATUS=polling {len(self.enabled)} sources")
        try:
            await self._stop.wait()
        finally:
            self.notifier.send("STOPPING=1")
            scheduler.shutdown(wait=False)
            await self._finish_in_flight()

    async def _run_once(self) -> None:
        """One poll over every due source, then maintenance and one delivery."""

        async def cycle() -> None:
            due = due_sources(self.db, self.enabled)
            if due:
                self._start_crawl(due, time.time())
            while self.crawl_tasks:
                await asyncio.gather(*self.crawl_tasks)
            await self.maintain_job()
            await self.deliver_job()

        work = asyncio.create_task(cycle())
        stop = asyncio.create_task(self._stop.wait())
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not work.done():
            await self._finish_in_flight()
            work.cancel()
        await asyncio.gather(stop, return_exceptions=True)
        try:
            await work
        except asyncio.CancelledError:
            pass

    def request_stop(self, sig: int | None = None) -> None:
        if self.stopping:  # a second signal: no more waiting
            log_event(log, "stop_forced", signal=signal.Signals(sig).name if sig else None)
            for crawl in self.crawls:
                crawl.kill()
            return
        self.stopping = True
        log_event(log, "stop_requested", signal=signal.Signals(sig).name if sig else None,
                  crawls=len(self.crawls), timeout=self.config.daemon.shutdown_timeout)  # fmt: skip
        self._stop.set()

    async def _finish_in_flight(self) -> None:
        """Let crawls and a running delivery finish within the shutdown timeout."""
        for crawl in self.crawls:
            crawl.terminate()
        pending = self.crawl_tasks | self.busy
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self.config.daemon.shutdown_timeout)
        if pending:
            log_event(log, "shutdown_timeout", logging.WARNING, killed=len(self.crawls))
            for crawl in self.crawls:
                crawl.kill()
            for task in pending & self.busy:
                task.cancel()
            await asyncio.wait(pending, timeout=10)

    def _close(self) -> None:
        try:
            self.launcher.close()
            self.lock.release()
            busy, wal, done = checkpoint_wal(self.db, "TRUNCATE")
            log_event(log, "daemon_stopped", exit_code=self.exit_code, wal_pages=wal,
                      checkpointed=done, pending_alerts=self._pending_alerts())  # fmt: skip
        finally:
            self.db.close()
            self.notifier.close()

    def poll_alive(self) -> bool:
        """True while the poll loop ticks on time (for /healthz and the watchdog)."""
        return not self.stopping and time.time() - self.last_tick < 2 * self.config.daemon.tick + 30

    # --- jobs ------------------------------------------------------------------------

    async def poll_tick(self) -> None:
        now = time.time()
        self.last_tick = now
        self.metrics.last_tick.set(now)
        self._reap()
        self.launcher.expire_idle()
        if self.stopping:
            return
        if len(self.crawls) >= self.max_crawls:
            log_event(log, "tick_busy", logging.DEBUG, crawls=len(self.crawls),
                      in_flight=len(self.inflight))  # fmt: skip
            return
        due = due_sources(self.db, self.enabled, now=now, exclude=self.inflight,
                          limit=self.batch_size)  # fmt: skip
        if due:
            self._start_crawl(due, now)
        self._update_gauges()

    async def deliver_job(self) -> None:
        if self.stopping and not self.once:
            return
        try:
            from monitor.daemon.deliver import deliver_due
        except ImportError:
            self._warn_once("deliver", "delivery_unavailable",
                            reason="monitor.daemon.deliver is not installed")  # fmt: skip
            return
        task = asyncio.current_task()
        assert task is not None
        self.busy.add(task)
        try:
            report = await deliver_due(self.config, self.config.storage.path)
        except Exception:
            log.exception("delivery_failed", extra={"newshound_fields": {}})
            return
        finally:
            self.busy.discard(task)
        fields = _report_fields(report)
        if any(fields.values()):
            log_event(log, "delivered", **fields)

    async def maintain_job(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.busy.add(task)
        try:
            report = maintain(self.db, self.config)
            log_event(log, "maintained", logging.DEBUG, deleted=report.deleted,
                      silent=len(report.silent), health_alerts=report.alerts)  # fmt: skip
        except Exception:
            log.exception("maintenance_failed", extra={"newshound_fields": {}})
        finally:
            self.busy.discard(task)

    async def heartbeat_job(self) -> None:
        if self.stopping:
            return
        if not self.lock.heartbeat():
            log_event(log, "lock_lost", logging.ERROR, owner=self.lock.owner)
            self.exit_code = 1
            self.request_stop()
            return
        if self.poll_alive():
            self.notifier.send("WATCHDOG=1")

    # --- crawls ----------------------------------------------------------------------

    def _start_crawl(self, names: list[str], now: float) -> None:
        for name in names:
            self.inflight[name] = now
        task = asyncio.create_task(self._crawl(tuple(names), now))
        self.crawl_tasks.add(task)
        task.add_done_callback(self.crawl_tasks.discard)
        self.metrics.inflight.set(len(self.inflight))

    async def _crawl(self, names: tuple[str, ...], claimed: float) -> None:
        if self.cluster is not None:
            await self._queue_polls(names, claimed)
            return
        try:
            crawl = await self.launcher.start(self.config, names)
        except (OSError, EOFError) as e:
            log_event(log, "crawl_failed", logging.ERROR, sources=len(names), error=str(e))
            self._release(names, claimed, self.config.daemon.tick)
            return
        self.crawls.add(crawl)
        try:
            await wait_crawl(crawl, self._take_messages, timeout=CRAWL_TIMEOUT,
                             launcher=self.launcher)  # fmt: skip
        finally:
            self.crawls.discard(crawl)
        stats = crawl.stats
        counts = {k.rsplit("/", 2)[-2] + "_" + k.rsplit("/", 1)[-1]: stats.get(k, 0)
                  for k in REPORT_KEYS if k.startswith("newshound/")}  # fmt: skip
        ok = crawl.returncode == 0 and bool(stats)
        self.metrics.crawls.labels("ok" if ok else "failed").inc()
        for result in ("unchanged", "parsed", "failed"):
            self.metrics.polls.labels(result).inc(stats.get(f"newshound/source/{result}", 0))
        self.metrics.articles.inc(stats.get("newshound/store/stored", 0))
        self.metrics.matched.inc(stats.get("newshound/match/matched", 0))
        self.metrics.pages.inc(stats.get("newshound/page/fetched", 0))
        log_crawl(log, logging.INFO if ok else logging.WARNING,
                  sources=len(names), seconds=round(time.time() - crawl.started, 3),
                  exit_code=crawl.returncode, finish_reason=stats.get("finish_reason"),
                  responses=stats.get("response_received_count", 0),
                  cpu=stats.get("cpu_seconds"), worker=crawl.pid, **counts)  # fmt: skip
        self._reap()
        # Shutting down: what was not polled stays due for the next start.
        self._release(names, claimed, None if self.stopping else self.config.daemon.tick)

    async def _queue_polls(self, names: tuple[str, ...], claimed: float) -> None:
        """[cluster]: the polls go to the workers through Redis; wait (as for a crawl)
        until the writer has recorded each, or the crawl timeout."""
        try:
            await self.cluster.queue_polls(names)
        except Exception as e:  # noqa: BLE001 - Redis unreachable: retried next tick
            log_event(log, "polls_not_queued", logging.ERROR, sources=len(names), error=str(e))
            self._release(names, claimed, self.config.daemon.tick)
            return
        while not self.stopping and time.time() < claimed + CRAWL_TIMEOUT:
            if self.once:  # no poll tick reaps for it
                self._reap()
            if not any(self.inflight.get(name) == claimed for name in names):
                log_event(log, "polls_done", sources=len(names),
                          seconds=round(time.time() - claimed, 3))  # fmt: skip
                return
            await asyncio.sleep(0.5)
        self._release(names, claimed, None if self.stopping else self.config.daemon.tick)

    def _take_messages(self, crawl: Crawl) -> None:
        """Log the worker's new error lines."""
        for line in crawl.log_lines:
            log_event(log, "crawl_log", logging.WARNING, line=line)
        crawl.log_lines.clear()

    def _reap(self) -> None:
        """Take every in-flight source whose poll has ended out of the set; log it."""
        if not self.inflight:
            return
        rows = polled_since(self.db, min(self.inflight.values()))
        for name, claimed in list(self.inflight.items()):
            row = rows.get(name)
            if row is not None and row["last_poll"] >= claimed:
                del self.inflight[name]  # its failure, backoff and pause are in the row
                self._log_outcome(row)
        self.metrics.inflight.set(len(self.inflight))

    def _release(self, names: tuple[str, ...], claimed: float, retry_in: float | None) -> None:
        """Sources a crawl ended without polling: free them, retry after ``retry_in``."""
        for name in names:
            if self.inflight.get(name) == claimed:
                del self.inflight[name]
                if retry_in is not None:
                    postpone_source(self.db, name, retry_in)
                    log_event(log, "source_not_polled", logging.WARNING, source=name,
                              retry_in=retry_in)  # fmt: skip
        self.metrics.inflight.set(len(self.inflight))

    def _log_outcome(self, row: dict[str, Any]) -> None:
        name = row["name"]
        entries = row["items_seen"] - self.items_seen.get(name, row["items_seen"])
        self.items_seen[name] = row["items_seen"]
        next_in = round(max(row["next_poll"] - time.time(), 0.0), 1)
        if row["failures"]:
            event = "source_paused" if row["paused"] else "source_failed"
            log_event(
                log,
                event,
                logging.WARNING,
                source=name,
                url=row["url"],
                status=row["last_status"],
                error=row["last_error"],
                failures=row["failures"],
                retry_in=None if row["paused"] else next_in,
            )
        else:
            # One line per source only at debug: at info the crawl's one summary line says it
            log_event(log, "source_polled", logging.DEBUG,
                      source=name, status=row["last_status"],
                      result="unchanged" if row["last_status"] == 304 else "fetched",
                      entries=entries, next_in=next_in)  # fmt: skip

    # --- small things ----------------------------------------------------------------

    def _update_gauges(self) -> None:
        """Sources by state and the outbox by state, for ``/metrics``: only when it is
        served, and at most every ``GAUGES_EVERY`` (reading every source's state costs
        about 5 ms per 1,000 sources, too much for every tick)."""
        now = time.time()
        if not self.config.metrics.listen or now - self.gauges_at < GAUGES_EVERY:
            return
        self.gauges_at = now
        states: dict[str, int] = {}
        for s in describe_sources(self.db, self.config.sources):
            states[s["state"]] = states.get(s["state"], 0) + 1
        for state in ("new", "ok", "failing", "paused", "silent", "disabled"):
            self.metrics.sources.labels(state).set(states.get(state, 0))
        for state, n in self.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            self.metrics.outbox.labels(state).set(n)

    def _pending_alerts(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()
        return int(row[0]) if row else 0

    def _warn_once(self, key: str, event: str, **fields: Any) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log_event(log, event, logging.WARNING, **fields)


def tick_seconds(config: Config) -> float:
    """How often the poll loop looks for due sources: ``[daemon] tick``, or the shortest
    enabled source interval when that is shorter (never under a second), so a 20s source
    is polled every 20s, not stretched to the tick."""
    intervals = [s.interval for s in config.sources if s.enabled]
    return max(1.0, min([config.daemon.tick, *intervals]))


def _utcnow():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.now(UTC)


def _report_fields(report: Any) -> dict[str, Any]:
    """The delivery report's totals (sent, retrying, failed) for one log line."""
    return {k: getattr(report, k, 0) for k in ("sent", "retrying", "failed")}
