"""Nothing lost when a crawl is cut short: kill -9, SIGTERM with a short shutdown
timeout, a full disk.

A wire feed of a couple of hundred stories (``wire_site``), each page about a watch term,
alerting a real webhook receiver. The daemon (``newshound run``, in its own process group
so its crawl workers die with it) is stopped at several points of its first crawl, when
k articles are stored, and started again until done. Every story must end up stored once
and alerted once (one webhook-id each, none missing): the feed's digest and ETag are kept
only once every entry they cover is stored, so the polls after a restart parse the feed
again instead of taking it as unchanged.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.monitor.alerts.conftest import WebhookReceiver, serve_webhooks, webhook_channel
from tests.monitor.daemon.conftest import DaemonProcess
from tests.monitor.daemon.wire_site import serve_wire, wire_config

pytestmark = pytest.mark.slow

STORIES = 200


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the schema is being created
        return 0


STARTED: list[DaemonProcess] = []


def start(config: Path) -> DaemonProcess:
    # setsid: the daemon leads its own process group, with its fork server and workers
    daemon = DaemonProcess(["--config", str(config)], prefix=["setsid"])
    STARTED.append(daemon)
    return daemon


@pytest.fixture(autouse=True)
def _no_daemon_left() -> Iterator[None]:
    """A failed test leaves no daemon (nor its workers) running."""
    yield
    while STARTED:
        daemon = STARTED.pop()
        if daemon.proc.poll() is None:  # still running: it and its group go
            os.killpg(daemon.proc.pid, signal.SIGKILL)
        daemon.close()


def wait_until(check, timeout: float, what: str, daemon: DaemonProcess, progress=None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    got = f" ({progress()})" if progress else ""
    raise AssertionError(f"timed out waiting for {what}{got}; log:\n{daemon.log_tail()}")


def kill_all(daemon: DaemonProcess) -> None:
    os.killpg(daemon.proc.pid, signal.SIGKILL)
    daemon.proc.wait(10)
    daemon.close()
    STARTED.remove(daemon)


def alerted(receiver: WebhookReceiver) -> dict[str, set[str]]:
    """story URL -> the webhook-ids it was sent under."""
    ids: dict[str, set[str]] = defaultdict(set)
    with receiver.lock:
        for hook in receiver.hooks:
            ids[hook.body["data"]["url"]].add(hook.id)
    return ids


def run_to_the_end(config: Path, db: Path, receiver: WebhookReceiver) -> None:
    daemon = start(config)
    try:
        # a generous bound (a loaded CI machine crawls, cleans and delivers 200 stories);
        # the message says how far it got
        wait_until(
            lambda: stored(db) >= STORIES and len(alerted(receiver)) >= STORIES,
            240,
            "every story stored and alerted",
            daemon,
            progress=lambda: f"{stored(db)} stored, {len(alerted(receiver))} alerted",
        )
    finally:
        assert daemon.stop(signal.SIGTERM) == 0, daemon.log_tail()
        daemon.close()


def assert_each_stored_once(db: Path, base: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        urls = [url for (url,) in conn.execute("SELECT url FROM articles")]
    finally:
        conn.close()
    expected = {f"{base}/story/{i}.html" for i in range(STORIES)}
    assert len(urls) == len(set(urls)) and set(urls) == expected
    return expected


def assert_each_stored_and_alerted_once(db: Path, receiver: WebhookReceiver, base: str) -> None:
    expected = assert_each_stored_once(db, base)
    ids = alerted(receiver)
    assert set(ids) == expected
    assert all(len(one) == 1 for one in ids.values()), {u: i for u, i in ids.items() if len(i) > 1}
    assert receiver.bad_signatures == 0


@pytest.mark.parametrize("etag", [False, True], ids=["no_validators", "etag"])
def test_kill_9_mid_crawl_loses_and_repeats_nothing(tmp_path: Path, etag: bool) -> None:
    site = serve_wire(tmp_path / "site", STORIES, etag=etag)
    db = tmp_path / "news.db"
    try:
        with serve_webhooks() as receiver:
            config = wire_config(site, tmp_path, db, webhook_channel(receiver))
            for k in (15, 70, 140):
                daemon = start(config)
                wait_until(lambda k=k: stored(db) >= k, 90, f"{k} stories stored", daemon)
                kill_all(daemon)
                assert stored(db) < STORIES  # cut short: the first crawl was not done
            run_to_the_end(config, db, receiver)
            assert_each_stored_and_alerted_once(db, receiver, site.base)
    finally:
        site.stop()


def test_sigterm_with_a_short_shutdown_timeout_loses_nothing(tmp_path: Path) -> None:
    site = serve_wire(tmp_path / "site", STORIES, etag=True)
    db = tmp_path / "news.db"
    try:
        with serve_webhooks() as receiver:
            config = wire_config(site, tmp_path, db, webhook_channel(receiver),
                                 'shutdown_timeout = "0.2s"')  # fmt: skip
            for k in (20, 100):
                daemon = start(config)
                wait_until(lambda k=k: stored(db) >= k, 90, f"{k} stories stored", daemon)
                assert daemon.stop(signal.SIGTERM) == 0, daemon.log_tail()
                daemon.close()
                assert stored(db) < STORIES
            run_to_the_end(config, db, receiver)
            assert_each_stored_and_alerted_once(db, receiver, site.base)
    finally:
        site.stop()


def status(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "status", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="mounts a tmpfs")
def test_full_disk_shows_a_failing_store_and_loses_nothing_once_space_is_back(
    tmp_path: Path,
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True)
    site = serve_wire(tmp_path / "site", STORIES, etag=False)
    db = disk / "news.db"
    try:
        with serve_webhooks() as receiver:
            config = wire_config(site, tmp_path, db, webhook_channel(receiver))
            daemon = start(config)
            try:
                # the disk fills during the first crawl: status says so, not "ok"
                wait_until(lambda: status(config).returncode != 0 and stored(db) > 0, 90,
                           "status to report the full disk", daemon)  # fmt: skip
                result = status(config)
                assert "failing" in result.stdout + result.stderr
                assert "full" in result.stdout + result.stderr
                assert stored(db) < STORIES
                # space is back: every story is stored and alerted, once
                subprocess.run(["mount", "-o", "remount,size=256m", str(disk)], check=True)
                wait_until(lambda: stored(db) >= STORIES, 120, "every story stored", daemon)
                wait_until(lambda: len(alerted(receiver)) >= STORIES, 30,
                           "every story alerted", daemon)  # fmt: skip
            finally:
                if daemon.proc.poll() is None:
                    daemon.stop(signal.SIGTERM)
                daemon.close()
            assert_each_stored_and_alerted_once(db, receiver, site.base)
            assert status(config).returncode == 0
    finally:
        site.stop()
        subprocess.run(["umount", "-l", str(disk)], check=False)
