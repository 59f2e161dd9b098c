"""Prometheus ``/metrics`` and ``/healthz`` for the daemon; off unless ``[metrics] listen``.

The metrics live in a registry of their own (no module-level state); the endpoint is a
small asyncio HTTP server in the daemon's own event loop, so a wedged loop shows up as a
scrape that times out, and ``/healthz`` answers 503 when the poll loop has stopped ticking.

With ``[cluster]``, the workers and the queues between them and ``run`` are read from
Redis as each scrape comes (``scraper.cluster.report.watch_cluster`` hands
``DaemonMetrics.watch_cluster`` what to await): a scrape shows Redis as it is, and a daemon
nobody scrapes asks Redis nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["ClusterGauges", "DaemonMetrics", "serve_metrics"]

log = logging.getLogger(__name__)
REFRESH_TIMEOUT = 5.0  # seconds a scrape waits for the cluster's figures


class DaemonMetrics:
    """Counters and gauges the daemon updates as it polls, delivers and maintains."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter(
            "newshound_source_polls", "Source polls by result", ["result"], registry=r
        )
        self.crawls = Counter("newshound_crawls", "Crawls run, by outcome",
                              ["outcome"], registry=r)  # fmt: skip
        self.articles = Counter("newshound_articles_stored", "Articles stored", registry=r)
        self.matched = Counter("newshound_articles_matched", "Articles that matched", registry=r)
        self.pages = Counter("newshound_pages_fetched", "Article pages fetched", registry=r)
        self.sources = Gauge("newshound_sources", "Configured sources by state", ["state"],
                             registry=r)  # fmt: skip
        self.inflight = Gauge("newshound_sources_in_flight", "Sources being polled", registry=r)
        self.outbox = Gauge("newshound_outbox", "Outbox rows by state", ["state"], registry=r)
        self.last_tick = Gauge(
            "newshound_last_tick_timestamp_seconds", "When the poll loop last ticked", registry=r
        )
        # [cluster] only (watch_cluster): awaited before each scrape, sets self.cluster
        self.refresh: Callable[[], Awaitable[None]] | None = None
        self.cluster: ClusterGauges | None = None

    def watch_cluster(self, refresh: Callable[[], Awaitable[None]]) -> ClusterGauges:
        """Show the cluster's gauges, set by ``refresh`` before each scrape. Without it
        (one process) there are none."""
        self.refresh, self.cluster = refresh, ClusterGauges(self.registry)
        return self.cluster

    def render(self) -> bytes:
        return generate_latest(self.registry)


class ClusterGauges:
    """The workers and the queues between them and ``run``, as last read from Redis."""

    def __init__(self, r: CollectorRegistry) -> None:
        self.up = Gauge("newshound_cluster_up",
                        "1 when the cluster's Redis answered the last scrape, else 0",
                        registry=r)  # fmt: skip
        self.workers = Gauge(
            "newshound_cluster_workers", "Workers heard from in the last 30 s", registry=r
        )
        self.worker_seen = Gauge("newshound_cluster_worker_last_seen_timestamp_seconds",
                                 "A worker's last heartbeat", ["worker"], registry=r)  # fmt: skip
        self.worker_in_flight = Gauge("newshound_cluster_worker_polls_in_flight",
                                      "Polls a worker holds", ["worker"], registry=r)  # fmt: skip
        self.queue = Gauge(
            "newshound_cluster_queue",
            "Poll jobs waiting for a worker (polls_waiting) or held by one (polls_claimed); "
            "outcomes waiting for the writer (outcomes_waiting)",
            ["queue"],
            registry=r,
        )

    def set(
        self, workers: Iterable[tuple[str, float, int]], *, alive: int, polls_waiting: int,
        polls_claimed: int, outcomes_waiting: int,
    ) -> None:  # fmt: skip
        """The cluster as just read: ``workers`` as (name, last seen, polls in flight), of
        which ``alive`` were heard from lately."""
        self.up.set(1)
        self.worker_seen.clear()  # a worker gone since the last scrape is not shown
        self.worker_in_flight.clear()
        for name, seen, in_flight in workers:
            self.worker_seen.labels(name).set(seen)
            self.worker_in_flight.labels(name).set(in_flight)
        self.workers.set(alive)
        self.queue.labels("polls_waiting").set(polls_waiting)
        self.queue.labels("polls_claimed").set(polls_claimed)
        self.queue.labels("outcomes_waiting").set(outcomes_waiting)

    def down(self) -> None:
        """Redis did not answer: the last figures read stay, marked stale by ``up`` 0."""
        self.up.set(0)


async def serve_metrics(
    listen: str, metrics: DaemonMetrics, healthy: Callable[[], bool]
) -> asyncio.Server:
    """Serve ``/metrics`` and ``/healthz`` on ``host:port``; returns the started server."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 10)
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            if path == "/metrics":
                if metrics.refresh is not None:
                    await _refresh(metrics, metrics.refresh)
                status, ctype, body = "200 OK", CONTENT_TYPE_LATEST, metrics.render()
            elif path == "/healthz":
                ok = healthy()
                status = "200 OK" if ok else "503 Service Unavailable"
                ctype, body = "text/plain; charset=utf-8", b"ok\n" if ok else b"poll loop stalled\n"
            else:
                status, ctype, body = "404 Not Found", "text/plain; charset=utf-8", b"not found\n"
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass

    return await asyncio.start_server(handle, host, int(port))


async def _refresh(metrics: DaemonMetrics, refresh: Callable[[], Awaitable[None]]) -> None:
    try:
        await asyncio.wait_for(refresh(), REFRESH_TIMEOUT)
    except TimeoutError:
        log.warning("metrics: the cluster's Redis did not answer within %ss", REFRESH_TIMEOUT)
        if metrics.cluster is not None:
            metrics.cluster.down()
