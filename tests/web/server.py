"""Run ``newshound serve`` (and a crawl of the fixture site) for the web tests and for
scripts/screenshots: real processes on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.daemon.poll import run_crawl

CHROMIUM = "/usr/bin/chromium"


def crawl(config: Path) -> None:
    """One crawl of the config's sources into its database (a ``scrapy crawl`` child)."""
    result = run_crawl(config, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-4000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(
    config: Path, *args: str, token: str | None = None, port: int | None = None
) -> tuple[subprocess.Popen[str], str]:
    """``newshound serve`` as a child process; returns it and its base URL once it answers
    (or the process, exited, when it refused to start)."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k != "NEWSHOUND_WEB_TOKEN"}
    if token is not None:
        env["NEWSHOUND_WEB_TOKEN"] = token
    cmd = [sys.executable, "-m", "monitor", "serve", "-c", str(config), "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://{host}:{port}"


def stop(proc: subprocess.Popen[str]) -> str:
    """Stop a child (SIGTERM), and return what it wrote on stderr."""
    if proc.poll() is None:
        proc.terminate()
    _, err = proc.communicate(timeout=30)
    return err


@contextmanager
def serving(config: Path, *args: str, token: str | None = None) -> Iterator[str]:
    proc, base = start_serve(config, *args, token=token)
    try:
        assert proc.poll() is None, stop(proc)
        yield base
    finally:
        stop(proc)
