"""The database lock, systemd's notify datagrams and the metrics endpoint, each for real."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from monitor.daemon.notify import Notifier
from monitor.metrics import DaemonMetrics, serve_metrics
from monitor.store import open_database
from monitor.store.lock import DatabaseLock, LockHeld


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    d = open_database(tmp_path / "news.db")
    yield d
    d.close()


def test_a_live_holder_keeps_the_lock_and_the_message_names_it(db) -> None:
    first, second = DatabaseLock(db), DatabaseLock(db)
    first.acquire()
    with pytest.raises(LockHeld, match=rf"in use by another newshound daemon \(pid {os.getpid()}"):
        second.acquire()
    assert first.heartbeat()
    first.release()
    second.acquire()
    assert not first.heartbeat()  # lost: the daemon stops polling


def test_a_stale_heartbeat_is_taken_over(db) -> None:
    first = DatabaseLock(db, stale_after=60)
    first.acquire(now=1000.0)
    DatabaseLock(db, stale_after=60).acquire(now=1061.0)
    assert not first.heartbeat()


def test_a_dead_holder_on_this_host_is_taken_over_at_once(db, tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    holder = f"{socket.gethostname()}:{dead.stdout.strip()}:deadbeef"
    with db.conn:
        db.execute("INSERT INTO locks VALUES ('daemon', ?, strftime('%s','now'))", [holder])
    DatabaseLock(db).acquire()


def test_notify_sends_datagrams_to_the_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        with Notifier(path, watchdog_usec=90_000_000) as notifier:
            assert notifier.watchdog_interval == 30
            assert notifier.send("READY=1", "STATUS=polling 3 sources")
            assert notifier.send("WATCHDOG=1")
        assert server.recv(1024) == b"READY=1\nSTATUS=polling 3 sources"
        assert server.recv(1024) == b"WATCHDOG=1"


def test_notify_without_a_socket_does_nothing() -> None:
    with Notifier(None) as notifier:
        assert not notifier.enabled and not notifier.send("READY=1")


async def _get(port: int, path: str) -> tuple[str, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


def test_metrics_and_healthz_are_served() -> None:
    async def scenario() -> None:
        metrics = DaemonMetrics()
        metrics.polls.labels("unchanged").inc(7)
        healthy = [True]
        server = await serve_metrics("127.0.0.1:0", metrics, lambda: healthy[0])
        port = server.sockets[0].getsockname()[1]
        try:
            status, body = await _get(port, "/metrics")
            assert status.endswith("200 OK")
            assert b'newshound_source_polls_total{result="unchanged"} 7.0' in body
            assert (await _get(port, "/healthz"))[0].endswith("200 OK")
            healthy[0] = False
            assert (await _get(port, "/healthz"))[0].endswith("503 Service Unavailable")
            assert (await _get(port, "/other"))[0].endswith("404 Not Found")
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())
