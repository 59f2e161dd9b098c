"""`rediss://`: the cluster talks to Redis over TLS, verifying the server's certificate
as any https source is verified (a real redis-server with TLS on a loopback port)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.daemon.cluster import ClusterWriter
from monitor.store import Store
from scraper.cluster.keys import ClusterError, check_redis
from tests.conftest import CertAuthority
from tests.support.redis_server import _free_port, redis_server_binary


@pytest.fixture
def tls_redis(test_ca: CertAuthority, tmp_path: Path) -> Iterator[int]:
    """redis-server answering TLS only, with the test CA's certificate for 127.0.0.1."""
    binary = redis_server_binary()
    assert binary is not None, "redis-server is not installed"
    port = _free_port()
    chain = str(test_ca.good)  # certificate and key in one PEM file
    proc = subprocess.Popen(
        [binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
         "--tls-cert-file", chain, "--tls-key-file", chain, "--tls-auth-clients", "no",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # listening yet?
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.02)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_rediss_verifies_the_server_and_carries_the_jobs(
    tls_redis: int, trust_test_ca: CertAuthority, tmp_path: Path
) -> None:
    url = f"rediss://127.0.0.1:{tls_redis}/0"
    check_redis(url)
    text = f'[storage]\npath = "{tmp_path / "news.db"}"\n[cluster]\nredis = "{url}"\n'
    text += '[[sources]]\nname = "Wire"\nurl = "https://wire.example/feed"\n'
    config = parse_config(text)
    store = Store(config.storage.path)
    store.sync_sources(config.sources)
    store.close()

    async def queue() -> int:
        writer = ClusterWriter(config)
        await writer.start()
        try:
            await writer.queue_polls(("Wire",))
            return int(await writer.client.xlen("newshound:polls"))
        finally:
            await writer.close()

    assert asyncio.run(queue()) == 1


def test_rediss_refuses_a_server_it_cannot_verify(
    tls_redis: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))  # the test CA is not trusted here
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(
        ClusterError, match=r"\[cluster\] redis rediss://127.0.0.1:\d+/0: .*certificate"
    ):
        for _ in range(40):
            try:
                check_redis(f"rediss://127.0.0.1:{tls_redis}/0")
            except ClusterError as e:
                if "certificate" in str(e):
                    raise
            asyncio.run(asyncio.sleep(0.05))
