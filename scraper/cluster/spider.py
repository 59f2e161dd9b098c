"""ClusterSpider: ``FeedsSpider`` fed with poll jobs from Redis, for as long as it runs.

Stage 0 of a worker's crawl. Its ``start()`` is a streaming async generator (Scrapy
>= 2.13; 2.16 removed ``start_requests()``): it reads poll jobs from the polls stream
with a consumer group (``XREADGROUP ... BLOCK``), at most ``concurrency`` polls at
once, and yields each source's poll request; everything after that is the local
crawl's code, unchanged. The crawl never goes idle (``start()`` never ends), so the
spider runs until SIGTERM.

Visibility timeout: a job read by a worker stays in the group's pending list until the
emitter acknowledges it (after its outcome is on the outcomes stream). Every
``visibility_timeout / 3`` (at most 10 s) the worker claims its running jobs again
(``XCLAIM`` with ``JUSTID``, which resets their idle time), so a slow poll is not given
away; a worker that died stops doing so, and after ``visibility_timeout`` any worker
takes its jobs over with ``XAUTOCLAIM`` before it reads new ones. At the same time it
writes its heartbeat, ``<prefix>:worker:<name>`` (seen, in_flight, pid, host,
concurrency; it expires a minute, or a visibility timeout, after the last).

Why not scrapy-redis's ``RedisSpider`` and scheduler: the spider feeds itself from the
``spider_idle`` signal, which stalls on Scrapy >= 2.16 (no ``start_requests()``); its
queues are lists popped without acknowledgement, so a request taken by a worker that
dies is lost (no visibility timeout); and its scheduler would share a poll's follow-up
requests between workers, while a poll is settled by the one worker whose
``PollLedger`` counts its entries. It pickles requests too. A stream with a consumer
group gives claiming, acknowledgement and re-delivery as Redis's own commands.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request

from monitor.config import SourceConfig
from scraper.cluster.keys import WORKERS_GROUP, Keys, connect_async, ensure_group
from scraper.cluster.messages import MessageError, PollJob, decode_job
from scraper.cluster.state import InFlight, RedisCrawlState
from scraper.spiders.feeds import FeedsSpider

__all__ = ["ClusterSpider"]

log = logging.getLogger(__name__)

READ_BLOCK_MS = 1000  # a read waits this long for a job before the loop looks around
# A job this old has been queued again by the writer (it gives up waiting for a poll
# after 30 minutes, monitor/daemon/scheduler.py CRAWL_TIMEOUT): jobs piled up while no
# worker ran are dropped, the latest of each source polled.
STALE_AFTER = 3600.0
RETRY_AFTER = 2.0  # seconds before Redis is asked again after an error
HEARTBEAT_EVERY = 10.0  # seconds between heartbeats (and claim renewals), at most
HEARTBEAT_TTL = 60  # seconds a worker's heartbeat key outlives its last beat


class ClusterSpider(FeedsSpider):
    name = "cluster"

    @property
    def cluster_state(self) -> RedisCrawlState:
        state = self.state
        assert isinstance(state, RedisCrawlState), "ITEM_PIPELINES needs the EmitterPipeline"
        return state

    def source(self, name: str) -> SourceConfig:
        poll = self.cluster_state.jobs.get(name)
        return poll.job.source if poll is not None else super().source(name)

    async def start(self) -> AsyncIterator[Request]:
        cluster = self.config.cluster
        assert cluster is not None
        self.keys = Keys(cluster.key_prefix)
        self.consumer = self.settings.get("NEWSHOUND_WORKER_NAME") or worker_name()
        self.concurrency = self.settings.getint("NEWSHOUND_WORKER_CONCURRENCY", 16)
        self.visibility_ms = int(cluster.visibility_timeout * 1000)
        import redis

        client = connect_async(cluster.redis)
        try:
            await ensure_group(client, self.keys.polls, WORKERS_GROUP)
            renewed = 0.0
            while True:
                try:
                    now = time.time()
                    if now - renewed >= min(cluster.visibility_timeout / 3, HEARTBEAT_EVERY):
                        await self._renew(client)
                        renewed = now
                    free = self.concurrency - len(self.cluster_state.jobs)
                    if free <= 0:
                        await asyncio.sleep(0.05)
                        continue
                    entries = await self._read(client, free)
                except redis.RedisError as e:  # Redis restarting, a network blip: wait
                    log.error("redis: %s; trying again in %gs", e, RETRY_AFTER)
                    self.crawler.stats.inc_value("newshound/cluster/redis_errors")
                    await asyncio.sleep(RETRY_AFTER)
                    continue
                for entry_id, fields in entries:
                    request = await self._take(client, entry_id, fields)
                    if request is not None:
                        yield request
        finally:
            await client.aclose()

    async def _read(self, client: Any, count: int) -> list[tuple[str, Any]]:
        """Up to ``count`` jobs: first those a silent worker left past the visibility
        timeout, then new ones (waiting up to ``READ_BLOCK_MS`` for one)."""
        claimed = await client.xautoclaim(self.keys.polls, WORKERS_GROUP, self.consumer,
                                          self.visibility_ms, "0-0", count=count)  # fmt: skip
        entries = [e for e in claimed[1] if e and e[1] is not None]
        if entries:
            self.crawler.stats.inc_value("newshound/cluster/jobs_reclaimed", len(entries))
            return [(_text(i), f) for i, f in entries]
        read = await client.xreadgroup(WORKERS_GROUP, self.consumer, {self.keys.polls: ">"},
                                       count=count, block=READ_BLOCK_MS)  # fmt: skip
        return [(_text(i), f) for _, batch in read or [] for i, f in batch]

    async def _take(self, client: Any, entry_id: str, fields: Any) -> Request | None:
        try:
            job = decode_job(fields)
        except MessageError as e:
            log.error("poll job %s refused and acknowledged: %s", entry_id, e)
            self.crawler.stats.inc_value("newshound/cluster/jobs_refused")
            await _drop(client, self.keys.polls, entry_id)
            return None
        if job.queued < time.time() - STALE_AFTER:  # queued again since: that one counts
            self.crawler.stats.inc_value("newshound/cluster/jobs_stale")
            await _drop(client, self.keys.polls, entry_id)
            return None
        running = self.cluster_state.jobs.get(job.source.name)
        if running is not None:
            if running.entry_id != entry_id:  # a second poll of a source polled here now
                await _drop(client, self.keys.polls, entry_id)
            return None
        self.cluster_state.jobs[job.source.name] = InFlight(job, entry_id, time.time())
        self.crawler.stats.inc_value("newshound/cluster/jobs_taken")
        return self.source_request(job.source, job_pages(job))

    async def _renew(self, client: Any) -> None:
        """Claim the running jobs again (resetting their idle time) and beat the heart."""
        ids = [poll.entry_id for poll in self.cluster_state.jobs.values()]
        if ids:
            await client.xclaim(self.keys.polls, WORKERS_GROUP, self.consumer, 0, ids,
                                justid=True)  # fmt: skip
        key = self.keys.worker(self.consumer)
        await client.hset(key, mapping={
            "seen": repr(time.time()), "in_flight": len(ids), "pid": os.getpid(),
            "host": socket.gethostname(), "concurrency": self.concurrency,
        })  # fmt: skip
        await client.expire(key, max(HEARTBEAT_TTL, int(self.visibility_ms / 1000)))


def job_pages(job: PollJob) -> dict[str, Any]:
    return {p.url: p for p in job.pages}


async def _drop(client: Any, stream: str, entry_id: str) -> None:
    """Acknowledge and delete a job not polled here (if Redis fails, it comes back)."""
    try:
        await client.xack(stream, WORKERS_GROUP, entry_id)
        await client.xdel(stream, entry_id)
    except Exception as e:  # noqa: BLE001 - refused again when it comes back
        log.error("redis: job %s not acknowledged: %s", entry_id, e)


def worker_name() -> str:
    """``host:pid``: a consumer name no other running worker has."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
