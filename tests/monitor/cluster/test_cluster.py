"""Issue 19: `newshound run` with `[cluster]` plus `newshound worker`s through a real
redis-server (with a password), on the fixture news site, alerting a real webhook receiver.

Every story stored once and alerted under one webhook-id, with two workers, and when one
of them is SIGKILLed in the middle of a poll; `run` alone fetches nothing; the Redis
password is never printed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from monitor.fixture_site import FixtureSite, Reply
from tests.monitor.alerts.conftest import WebhookReceiver, serve_webhooks, webhook_channel
from tests.monitor.daemon.conftest import DaemonProcess, write_config
from tests.support import SITE
from tests.support.redis_server import RedisServer

PASSWORD = "s3cr#t-redis/pw"  # a '#' and a '/': it must be percent-encoded into the URL
ENV = {"NEWSHOUND_TEST_REDIS_PASSWORD": PASSWORD}
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))["articles"]
ALL = set(EXPECTED)
MATCHED = {path for path, a in EXPECTED.items() if a["terms"]}


class Worker:
    """`newshound worker` as a subprocess, its output in a file."""

    def __init__(self, config: Path, name: str, folder: Path) -> None:
        self.name, self.log = name, folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "worker", "-c", str(config), "--name", name],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **ENV},
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A password-protected redis-server, and what a test starts, stopped after it."""
    started: dict[str, Any] = {"workers": [], "daemons": []}
    with RedisServer(password=PASSWORD) as server:
        started["redis"] = server
        yield started
        for worker in started["workers"]:
            worker.stop()
        for daemon in started["daemons"]:
            daemon.close()


def cluster_config(site: FixtureSite, tmp_path: Path, server: RedisServer, extra: str = "") -> Path:
    url = f"redis://:${{NEWSHOUND_TEST_REDIS_PASSWORD}}@127.0.0.1:{server.port}/0"
    block = f'\n[cluster]\nredis = "{url}"\nvisibility_timeout = "3s"\n'
    return write_config(site, tmp_path, extra=block + extra)


def start_run(cluster: dict[str, Any], config: Path) -> DaemonProcess:
    daemon = DaemonProcess(["--config", str(config)], env=ENV)
    cluster["daemons"].append(daemon)
    return daemon


def start_worker(cluster: dict[str, Any], config: Path, name: str, folder: Path) -> Worker:
    worker = Worker(config, name, folder)
    cluster["workers"].append(worker)
    return worker


def stored(db: Path) -> list[str]:
    """The paths of the stored articles (one entry per row)."""
    if not db.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return [urlsplit(u).path for (u,) in conn.execute("SELECT url FROM articles")]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the schema is being made
        return []


def alerted(receiver: WebhookReceiver) -> dict[str, set[str]]:
    """Story path -> the webhook-ids it was sent under."""
    ids: dict[str, set[str]] = defaultdict(set)
    with receiver.lock:
        for hook in receiver.hooks:
            ids[urlsplit(hook.body["data"]["url"]).path].add(hook.id)
    return ids


def wait_until(check: Callable[[], Any], timeout: float, what: str, daemon: DaemonProcess) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        assert daemon.proc.poll() is None, f"run exited; log:\n{daemon.log_tail()}"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; log:\n{daemon.log_tail()}")


def assert_each_stored_and_alerted_once(db: Path, receiver: WebhookReceiver) -> None:
    paths = stored(db)
    assert sorted(paths) == sorted(ALL)  # each story once, none missing
    ids = alerted(receiver)
    assert set(ids) == MATCHED
    assert all(len(one) == 1 for one in ids.values()), ids
    assert receiver.bad_signatures == 0


def outputs(cluster: dict[str, Any]) -> str:
    daemons = [d.log_tail(10_000) + "\n".join(d.stdout) for d in cluster["daemons"]]
    return "\n".join(daemons + [w.output() for w in cluster["workers"]])


def assert_password_never_printed(cluster: dict[str, Any]) -> None:
    text = outputs(cluster)
    assert text, "nothing was logged"
    for spelling in (PASSWORD, "s3cr%23t-redis%2Fpw", "s3cr"):
        assert spelling not in text


def worker_config(config: Path, folder: Path) -> Path:
    """``config`` with its database in a folder that does not exist: a worker that
    opened SQLite would fail (or make it)."""
    folder.mkdir()
    text = config.read_text(encoding="utf-8")
    db = str(config.parent / "news.db")
    assert db in text
    path = folder / "newshound.toml"
    path.write_text(text.replace(db, str(folder / "missing" / "news.db")), encoding="utf-8")
    return path


def test_run_and_two_workers_store_and_alert_every_story_once(
    site: FixtureSite, tmp_path: Path, cluster: dict[str, Any]
) -> None:
    with serve_webhooks() as receiver:
        config = cluster_config(site, tmp_path, cluster["redis"], webhook_channel(receiver))
        daemon = start_run(cluster, config)
        workers_config = worker_config(config, tmp_path / "workers")
        for name in ("w0", "w1"):
            start_worker(cluster, workers_config, name, tmp_path)
        db = tmp_path / "news.db"
        wait_until(lambda: len(stored(db)) >= len(ALL) and set(alerted(receiver)) >= MATCHED,
                   60, "every story stored and alerted", daemon)  # fmt: skip
        # Polled again (every 3 s) by whichever worker: unchanged, nothing stored twice.
        feeds = lambda: sum(p.startswith("/feeds/") for p in site.paths())  # noqa: E731
        wait_until(lambda: feeds() >= 6, 30, "the feeds polled three times", daemon)
        assert daemon.stop() == 0, daemon.log_tail()
        assert_each_stored_and_alerted_once(db, receiver)
    # every page fetched once: the second poll's entries were known before their pages
    pages = [p for p in site.paths() if p.startswith("/articles/")]
    assert sorted(pages) == sorted(ALL)
    assert not (tmp_path / "workers" / "missing").exists()  # no worker opened a database
    assert_password_never_printed(cluster)


def test_without_cluster_redis_is_not_imported() -> None:
    """Nothing to install for one process: `run`, the daemon and the crawl import no redis."""
    code = (
        "import sys, monitor.cli.run, monitor.cli.worker, monitor.daemon.scheduler, "
        "scraper.spiders.feeds, scraper.writer, scraper.cluster.keys; "
        "print('redis' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert proc.stdout.strip() == "False"


def test_sigkill_of_a_worker_mid_poll_loses_and_repeats_nothing(
    site: FixtureSite, tmp_path: Path, cluster: dict[str, Any]
) -> None:
    for path in ALL:  # slow pages: a poll of the world feed takes a few seconds
        page = site.render(path)
        site.routes[path] = lambda _, page=page: Reply(
            200, page or b"", {"Content-Type": "text/html; charset=utf-8"}, delay=0.6
        )
    with serve_webhooks() as receiver:
        config = cluster_config(site, tmp_path, cluster["redis"], webhook_channel(receiver))
        daemon = start_run(cluster, config)
        workers = {name: start_worker(cluster, config, name, tmp_path) for name in ("w0", "w1")}
        client = redis.Redis(port=cluster["redis"].port, password=PASSWORD)
        db = tmp_path / "news.db"

        def holder() -> str | None:  # a worker with a poll in hand, some stories stored
            if not stored(db):
                return None
            pending = client.xpending("newshound:polls", "workers")
            held = [c["name"].decode() for c in pending["consumers"] if c["pending"]]
            return held[0] if held else None

        wait_until(holder, 30, "a worker in mid-poll", daemon)
        victim = holder()
        assert victim is not None
        workers[victim].proc.send_signal(signal.SIGKILL)
        workers[victim].proc.wait(10)
        assert len(stored(db)) < len(ALL)  # killed in the middle: the rest is to come
        wait_until(lambda: len(stored(db)) >= len(ALL) and set(alerted(receiver)) >= MATCHED,
                   60, "every story stored and alerted", daemon)  # fmt: skip
        time.sleep(1.0)  # a late duplicate would show by now
        assert daemon.stop() == 0, daemon.log_tail()
        client.close()
        assert_each_stored_and_alerted_once(db, receiver)


def test_run_with_cluster_and_no_worker_fetches_nothing(
    site: FixtureSite, tmp_path: Path, cluster: dict[str, Any]
) -> None:
    config = cluster_config(site, tmp_path, cluster["redis"])
    daemon = start_run(cluster, config)
    client = redis.Redis(port=cluster["redis"].port, password=PASSWORD)
    try:
        # both sources queued as poll jobs; ticks go by; none is fetched by `run`
        wait_until(lambda: client.xlen("newshound:polls") >= 2, 20, "polls queued", daemon)
        time.sleep(3.0)
        job = json.loads(client.xrange("newshound:polls", count=1)[0][1][b"m"])
        assert (job["v"], job["type"]) == (1, "poll")
        assert client.xlen("newshound:polls") == 2  # queued once: they are in flight
    finally:
        client.close()
    assert daemon.stop() == 0, daemon.log_tail()
    assert site.requests == []
    assert_password_never_printed(cluster)


def test_wrong_redis_password_is_a_clear_error_without_the_password(
    site: FixtureSite, tmp_path: Path, cluster: dict[str, Any]
) -> None:
    url = f"redis://:not-the-pass-word@127.0.0.1:{cluster['redis'].port}/0"
    config = write_config(site, tmp_path, extra=f'\n[cluster]\nredis = "{url}"\n')
    for command in ("worker", "run"):
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", command, "-c", str(config)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert proc.returncode != 0
        assert "[cluster] redis redis://***@127.0.0.1" in proc.stderr, proc.stderr[-2000:]
        assert "not-the-pass-word" not in proc.stdout + proc.stderr


def test_a_worker_drops_jobs_piled_up_long_ago(
    site: FixtureSite, tmp_path: Path, cluster: dict[str, Any]
) -> None:
    """Jobs queued over and over while no worker ran: the stale copies are dropped, so
    the source is polled once, not once per copy."""
    from monitor.config import load_config
    from scraper.cluster.messages import PollJob, decode_outcome, encode_job

    config = cluster_config(site, tmp_path, cluster["redis"])
    sources = {s.name: s for s in load_config(config, env=ENV).sources}
    client = redis.Redis(port=cluster["redis"].port, password=PASSWORD)
    try:
        now = time.time()
        for queued in (now - 3 * 3600, now - 2 * 3600):  # piled up hours ago
            client.xadd("newshound:polls", encode_job(PollJob.new(sources["Fixture Asia"],
                                                                  None, {}, queued)))  # fmt: skip
        client.xadd("newshound:polls", encode_job(PollJob.new(sources["Fixture World"], None, {})))
        start_worker(cluster, config, "w0", tmp_path)

        def polled() -> list[str]:
            out = [decode_outcome(f) for _, f in client.xrange("newshound:outcomes")]
            return [m.source for m in out if type(m).__name__ == "PolledMessage"]  # type: ignore[union-attr]

        deadline = time.time() + 30
        while polled() != ["Fixture World"] and time.time() < deadline:
            time.sleep(0.1)
        assert polled() == ["Fixture World"], cluster["workers"][0].output()[-3000:]
        assert client.xlen("newshound:polls") == 0  # the stale ones acknowledged, deleted
    finally:
        client.close()
    assert "/feeds/asia.atom" not in site.paths()
