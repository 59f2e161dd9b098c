"""Prometheus ``/metrics`` and ``/healthz`` for the daemon; off unless ``[metrics] listen``.

The metrics live in a registry of their own (no module-level state); the endpoint is a
small asyncio HTTP server in the daemon's own event loop, so a wedged loop shows up as a
scrape that times out, and ``/healthz`` answers 503 when the poll loop has stopped ticking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["DaemonMetrics", "serve_metrics"]


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

    def render(self) -> bytes:
        return generate_latest(self.registry)


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
