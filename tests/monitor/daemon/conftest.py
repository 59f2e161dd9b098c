"""A real daemon in a child process, its JSON log read line by line as events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.fixture_site import FixtureSite
from tests.support import write_site_config

Event = dict[str, Any]


class DaemonProcess:
    """``newshound run`` as a subprocess; ``events`` are its parsed JSON log lines."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None, prefix: list[str] | None = None) -> None:  # fmt: skip
        cmd = [*(prefix or []), sys.executable, "-m", "monitor", "run",
               "--log-format", "json", "--log-level", "debug", *args]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})}, cwd=cwd,
        )  # fmt: skip
        self.events: list[Event] = []
        self.other: list[str] = []  # stderr lines that are not events (tracebacks)
        self.stdout: list[str] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                event = json.loads(line)
            except ValueError:
                with self._lock:
                    self.other.append(line.rstrip())
                continue
            event["t"] = time.time()
            with self._lock:
                self.events.append(event)

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.stdout.append(line.rstrip())

    def named(self, name: str, **fields: Any) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e["event"] == name
                    and all(e.get(k) == v for k, v in fields.items())]  # fmt: skip

    def wait_for(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.time() + timeout
        while time.time() < deadline:
            result = check()
            if result:
                return result
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; log:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        with self._lock:
            lines = [json.dumps(e) for e in self.events[-n:]] + self.other[-n:]
        return "\n".join(lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        for t in self._threads:
            t.join(5)
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def start_daemon() -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(*args: str, **kwargs: Any) -> DaemonProcess:
        d = DaemonProcess(list(args), **kwargs)
        started.append(d)
        return d

    yield start
    for d in started:
        d.close()


def write_config(
    site: FixtureSite, tmp_path: Path, *, interval: str = "3s", tick: str = "1s",
    extra: str = "", shutdown_timeout: str = "20s",
) -> Path:  # fmt: skip
    """The fixture site's config with a short interval and tick, plus ``extra`` TOML."""
    daemon = f'\n[daemon]\ntick = "{tick}"\nshutdown_timeout = "{shutdown_timeout}"\n'
    return write_site_config(site, tmp_path, interval=interval, extra=daemon + extra)
