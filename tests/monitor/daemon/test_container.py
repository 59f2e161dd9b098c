"""The Dockerfile: its HEALTHCHECK asks a real daemon's /healthz; its install is pinned."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

from packaging.requirements import Requirement

from monitor.fixture_site import FixtureSite
from tests.monitor.daemon.conftest import DaemonProcess, write_config
from tests.support import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def healthcheck(port: int) -> list[str]:
    """The HEALTHCHECK's CMD (exec form), asking ``port`` instead of the image's 9464."""
    m = re.search(r"^HEALTHCHECK [^[]*?CMD (\[.*?\])$", DOCKERFILE, re.M | re.S)
    assert m, "no HEALTHCHECK ... CMD [...] in the Dockerfile"
    command = json.loads(m.group(1).replace("\\\n", ""))
    assert "127.0.0.1:9464/healthz" in command[-1]
    return [part.replace(":9464/", f":{port}/") for part in command]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthcheck_passes_on_a_running_daemon_and_fails_without_one(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    port = free_port()
    config = write_config(site, tmp_path, extra=f'[metrics]\nlisten = "127.0.0.1:{port}"\n')
    command = healthcheck(port)
    assert subprocess.run(command, capture_output=True, timeout=30).returncode != 0
    daemon = start_daemon("--config", str(config))
    daemon.wait_for(lambda: daemon.named("crawl_done"), 60, "a crawl")
    probe = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert probe.returncode == 0, probe.stderr
    assert daemon.stop() == 0
    assert subprocess.run(command, capture_output=True, timeout=30).returncode != 0


def test_install_is_pinned_to_versions_meeting_the_lower_bounds() -> None:
    assert 'pip install -c contrib/constraints.txt ".[cluster]"' in DOCKERFILE
    assert "COPY contrib/constraints.txt" in DOCKERFILE
    pins = {}
    for line in (ROOT / "contrib" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["cluster"]
    for dep in map(Requirement, deps):
        name = re.sub(r"[-_.]+", "-", dep.name).lower()
        assert name in pins, f"{dep.name} is not pinned in contrib/constraints.txt"
        assert dep.specifier.contains(pins[name]), (dep, pins[name])
