"""What ``newshound status`` and ``/metrics`` show of a cluster, read from its Redis: each
worker's heartbeat (``<p>:worker:<name>``, written by the worker's spider, expiring when
it stops beating) and the depths of the two streams between ``run`` and the workers.

Poll jobs are deleted once settled and outcomes once applied (``keys``), so a stream's
length is what is still to do: of the polls, those a worker holds are its consumer
group's pending entries, the rest wait for a worker.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any

from monitor.config import ClusterConfig
from monitor.metrics import DaemonMetrics
from scraper.cluster.keys import WORKERS_GROUP, Keys, connect_async

__all__ = ["ClusterReport", "WorkerBeat", "cluster_report", "read_cluster", "watch_cluster"]

# A worker beats every HEARTBEAT_EVERY (10 s, scraper/cluster/spider.py): one not heard
# for three beats has stopped or is stuck, though its key lives on until its TTL.
SILENT_AFTER = 30.0


@dataclass(frozen=True)
class WorkerBeat:
    name: str  # the worker's consumer name, host:pid unless given --name
    seen: float  # its last heartbeat, Unix time
    in_flight: int  # polls it holds
    host: str = ""
    pid: int | None = None
    concurrency: int | None = None  # polls it takes at most


@dataclass(frozen=True)
class ClusterReport:
    workers: tuple[WorkerBeat, ...]
    polls_waiting: int  # queued by `run`, taken by no worker yet
    polls_claimed: int  # taken by a worker, not settled yet
    outcomes_waiting: int  # sent by workers, not yet applied by the writer

    def alive(self, now: float) -> list[WorkerBeat]:
        """The workers heard from within ``SILENT_AFTER``."""
        return [w for w in self.workers if now - w.seen <= SILENT_AFTER]

    @property
    def stalled(self) -> bool:
        """Poll jobs wait and no worker is alive to take them."""
        return self.polls_waiting > 0 and not self.alive(time.time())

    def to_json(self, now: float) -> dict[str, Any]:
        workers = [asdict(w) | {"silent": now - w.seen > SILENT_AFTER} for w in self.workers]
        return asdict(self) | {"workers": workers}


async def read_cluster(client: Any, keys: Keys) -> ClusterReport:
    """The report, from ``client`` (a ``redis.asyncio.Redis``); Redis errors propagate."""
    import redis

    names = sorted([_text(k) async for k in client.scan_iter(match=keys.workers, count=500)])
    beats = []
    async with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.hgetall(name)
        hashes = await pipe.execute() if names else []
    for key, fields in zip(names, hashes, strict=True):
        beat = _beat(key.removeprefix(keys.worker("")), fields)
        if beat is not None:  # expired between the scan and the read
            beats.append(beat)
    polls, outcomes = await client.xlen(keys.polls), await client.xlen(keys.outcomes)
    try:
        claimed = int((await client.xpending(keys.polls, WORKERS_GROUP))["pending"])
    except redis.ResponseError:  # NOGROUP: no worker has come yet
        claimed = 0
    return ClusterReport(tuple(beats), max(polls - claimed, 0), claimed, outcomes)


def cluster_report(cluster: ClusterConfig) -> ClusterReport:
    """``read_cluster`` for a command line: connects, reads, closes."""

    async def read() -> ClusterReport:
        client = connect_async(cluster.redis)
        try:
            return await read_cluster(client, Keys(cluster.key_prefix))
        finally:
            await client.aclose()

    return asyncio.run(read())


def watch_cluster(cluster: ClusterConfig, metrics: DaemonMetrics) -> None:
    """Have ``/metrics`` read the cluster afresh before each scrape (``newshound run`` calls
    this once, with ``[cluster]`` and ``[metrics] listen``); ``newshound_cluster_up`` is 0
    when Redis does not answer."""
    import redis

    keys = Keys(cluster.key_prefix)

    async def refresh() -> None:
        client = connect_async(cluster.redis)
        try:
            report = await read_cluster(client, keys)
        except (redis.RedisError, OSError):
            gauges.down()
            return
        finally:
            await client.aclose()
        gauges.set(
            [(w.name, w.seen, w.in_flight) for w in report.workers],
            alive=len(report.alive(time.time())),
            polls_waiting=report.polls_waiting, polls_claimed=report.polls_claimed,
            outcomes_waiting=report.outcomes_waiting,
        )  # fmt: skip

    gauges = metrics.watch_cluster(refresh)


def _beat(name: str, fields: dict[Any, Any]) -> WorkerBeat | None:
    f = {_text(k): _text(v) for k, v in fields.items()}
    if not f:
        return None
    return WorkerBeat(
        name=name, seen=_float(f.get("seen")) or 0.0, in_flight=_int(f.get("in_flight")) or 0,
        host=f.get("host", ""), pid=_int(f.get("pid")), concurrency=_int(f.get("concurrency")),
    )  # fmt: skip


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
