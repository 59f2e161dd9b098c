"""What ``newshound status`` and ``/metrics`` show of a cluster: the workers' heartbeats and
the queue depths, read from a real redis-server (scraper/cluster/report.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.metrics import DaemonMetrics, serve_metrics
from monitor.store import open_database
from monitor.store.sources import record_unchanged, sync_sources
from scraper.cluster.keys import WORKERS_GROUP, Keys
from scraper.cluster.report import SILENT_AFTER, watch_cluster
from tests.monitor.daemon.conftest import DaemonProcess
from tests.support import ROOT
from tests.support.redis_server import RedisServer, redis_server_binary

pytestmark = pytest.mark.skipif(redis_server_binary() is None, reason="needs redis-server")

KEYS = Keys("newshound")


def make_config(tmp_path: Path, redis_url: str, extra: str = "") -> Path:
    path = tmp_path / "newshound.toml"
    path.write_text(
        f"""
[storage]
path = "news.db"
[cluster]
redis = "{redis_url}"
[[sources]]
name = "Good"
url = "https://example.org/good.rss"
"""
        + extra,
        encoding="utf-8",
    )
    config = load_config(path, secrets=False)
    db = open_database(config.storage.path)
    sync_sources(db, config.sources)
    record_unchanged(db, "Good", 304)
    db.close()
    return path


def queue_polls(r: redis.Redis, count: int, *, taken_by: str | None, take: int = 0) -> None:
    """``count`` poll jobs on the polls stream, ``take`` of them read by worker ``taken_by``."""
    r.xgroup_create(KEYS.polls, WORKERS_GROUP, id="0", mkstream=True)
    for n in range(count):
        r.xadd(KEYS.polls, {"m": json.dumps({"v": 1, "type": "poll", "n": n})})
    if taken_by and take:
        r.xreadgroup(WORKERS_GROUP, taken_by, {KEYS.polls: ">"}, count=take)


def beat(r: redis.Redis, name: str, *, seen: float, in_flight: int) -> None:
    """A worker's heartbeat, as ``scraper.cluster.spider`` writes it."""
    fields = {"seen": repr(seen), "in_flight": in_flight, "pid": 4242, "host": "crawl-1",
              "concurrency": 16}  # fmt: skip
    r.hset(KEYS.worker(name), mapping=fields)
    r.expire(KEYS.worker(name), 300)


def status(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["status", "--config", str(config), *args])
    return result.exit_code, result.output


def test_status_shows_workers_and_queue_depths(tmp_path: Path, redis_server: RedisServer) -> None:
    config = make_config(tmp_path, redis_server.url)
    with redis.Redis.from_url(redis_server.url) as r:
        queue_polls(r, 5, taken_by="crawl-1:4242", take=2)
        r.xadd(KEYS.outcomes, {"m": "{}"})
        beat(r, "crawl-1:4242", seen=time.time() - 20, in_flight=2)
    code, out = status(config)
    assert code == 0, out
    port = redis_server.port
    assert (
        f"ok        cluster at 127.0.0.1:{port}/0  1 workers, 3 poll jobs waiting, "
        "2 being polled, 1 outcomes waiting for the writer"
    ) in out
    assert "ok        worker crawl-1:4242  last seen 20s ago, 2 of 16 polls in flight" in out
    assert "ok        Good" in out  # the sources as before

    code, out = status(config, "--cluster", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert (doc["polls_waiting"], doc["polls_claimed"], doc["outcomes_waiting"]) == (3, 2, 1)
    assert [(w["name"], w["in_flight"], w["host"]) for w in doc["workers"]] == [
        ("crawl-1:4242", 2, "crawl-1")
    ]


def test_status_fails_when_polls_wait_and_no_worker_is_alive(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = make_config(tmp_path, redis_server.url)
    with redis.Redis.from_url(redis_server.url) as r:
        queue_polls(r, 4, taken_by=None)
    code, out = status(config, "--cluster")
    assert code == 1
    assert "failing   cluster at" in out and "0 workers, 4 poll jobs waiting" in out
    assert "no worker alive: start `newshound worker`" in out


def test_status_fails_when_redis_does_not_answer(tmp_path: Path) -> None:
    with RedisServer() as gone:
        url = gone.url
    code, out = status(make_config(tmp_path, url), "--cluster")
    assert code == 1
    assert f"failing   cluster: Redis at 127.0.0.1:{gone.port}/0: " in out
    assert "Connection refused" in out or "connecting" in out


def test_status_names_an_unset_redis_password(tmp_path: Path, redis_server: RedisServer) -> None:
    config = make_config(tmp_path, "redis://:${NO_SUCH_REDIS_PASSWORD}@127.0.0.1:1/0")
    code, out = status(config, "--cluster")
    assert code == 1
    assert "environment variable NO_SUCH_REDIS_PASSWORD is not set" in out


def sample(text: str, name: str) -> float:
    """The value of the sample ``name`` (with its labels) in a Prometheus text page."""
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


async def _scrape(port: int) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return data.decode()


def test_metrics_show_the_cluster_as_each_scrape_finds_it(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = load_config(make_config(tmp_path, redis_server.url))
    assert config.cluster is not None
    seen = time.time()

    async def scenario() -> tuple[str, str, str]:
        metrics = DaemonMetrics()
        watch_cluster(config.cluster, metrics)
        server = await serve_metrics("127.0.0.1:0", metrics, lambda: True)
        port = server.sockets[0].getsockname()[1]
        try:
            with redis.Redis.from_url(redis_server.url) as r:
                queue_polls(r, 3, taken_by="a", take=1)
                beat(r, "a", seen=seen, in_flight=1)
                first = await _scrape(port)
                r.delete(KEYS.worker("a"))  # it stopped and its heartbeat expired
                second = await _scrape(port)
            redis_server.stop()
            third = await _scrape(port)
        finally:
            server.close()
            await server.wait_closed()
        return first, second, third

    first, second, third = asyncio.run(scenario())
    assert "newshound_cluster_up 1.0" in first
    assert "newshound_cluster_workers 1.0" in first
    assert 'newshound_cluster_worker_polls_in_flight{worker="a"} 1.0' in first
    assert sample(first, 'newshound_cluster_worker_last_seen_timestamp_seconds{worker="a"}') == seen
    assert 'newshound_cluster_queue{queue="polls_waiting"} 2.0' in first
    assert 'newshound_cluster_queue{queue="polls_claimed"} 1.0' in first
    assert "newshound_cluster_workers 0.0" in second and 'worker="a"' not in second
    assert "newshound_cluster_up 0.0" in third


def test_metrics_without_a_cluster_have_no_cluster_gauges() -> None:
    assert b"newshound_cluster" not in DaemonMetrics().render()


def test_status_shows_a_real_worker_by_its_heartbeat(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = make_config(tmp_path, redis_server.url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "monitor", "worker", "--config", str(config),
         "--name", "crawl-7", "--concurrency", "3"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        with redis.Redis.from_url(redis_server.url) as r:
            while not r.exists(KEYS.worker("crawl-7")):
                assert worker.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        code, out = status(config, "--cluster", "--json")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert code == 0, out
    doc = json.loads(out)
    [beat] = doc["workers"]
    assert (beat["name"], beat["concurrency"], beat["in_flight"]) == ("crawl-7", 3, 0)
    assert beat["pid"] == worker.pid and time.time() - beat["seen"] < 60


def test_run_serves_the_clusters_gauges(tmp_path: Path, redis_server: RedisServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = make_config(tmp_path, redis_server.url, f'[metrics]\nlisten = "127.0.0.1:{port}"\n')
    with redis.Redis.from_url(redis_server.url) as r:
        beat(r, "crawl-1:4242", seen=time.time(), in_flight=0)
    run = DaemonProcess(["--config", str(config)])
    try:
        page = ""

        def scraped() -> bool:
            nonlocal page
            try:
                page = asyncio.run(_scrape(port))
            except OSError:  # not listening yet
                return False
            return "newshound_cluster_workers 1.0" in page

        run.wait_for(scraped, 60, "the worker shown on /metrics")
    finally:
        run.stop()
        run.close()
    assert "newshound_cluster_up 1.0" in page
    assert 'newshound_cluster_worker_polls_in_flight{worker="crawl-1:4242"} 0.0' in page
    assert 'newshound_cluster_queue{queue="polls_waiting"} 0.0' in page


def test_a_worker_not_heard_from_is_silent_and_not_counted(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = make_config(tmp_path, redis_server.url)
    with redis.Redis.from_url(redis_server.url) as r:
        queue_polls(r, 2, taken_by=None)
        beat(r, "crawl-1:4242", seen=time.time() - 2 * SILENT_AFTER, in_flight=1)
    code, out = status(config, "--cluster")
    assert code == 1  # polls wait and the only worker known has gone quiet
    assert "failing   cluster at" in out and "0 workers, 2 poll jobs waiting" in out
    assert "silent    worker crawl-1:4242  last seen 1m ago, 1 of 16 polls in flight" in out
    code, out = status(config, "--cluster", "--json")
    assert [w["silent"] for w in json.loads(out)["workers"]] == [True]


def test_silent_after_is_three_heartbeats() -> None:
    from scraper.cluster.spider import HEARTBEAT_EVERY

    assert SILENT_AFTER == 3 * HEARTBEAT_EVERY
