"""``newshound run --once`` is two processes: the daemon and its one crawl worker."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from tests.monitor.daemon.conftest import write_config

SLOW = """
[[sources]]
name = "Slow"
url = "{BASE}/slow.rss"
"""


def _descendants(root: int) -> dict[int, str]:
    """pid -> command line of every process below ``root``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it has exited meanwhile
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                try:
                    cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                found[child] = cmd.decode(errors="replace")
                frontier.append(child)
    return found


def test_run_once_crawls_in_one_worker_and_starts_nothing_else(
    site: FixtureSite, tmp_path: Path
) -> None:
    """No fork server and no multiprocessing resource tracker (a third interpreter, 9 MB
    of memory for nothing to track): the daemon and the worker crawling, that is all."""
    asked, release = threading.Event(), threading.Event()
    world = site.render("/feeds/world.rss")
    assert world is not None

    def slow(record: RequestRecord) -> Reply:
        asked.set()
        release.wait(60)  # the worker is mid-crawl until the processes have been looked at
        return Reply(200, world, {"Content-Type": "application/rss+xml"})

    site.routes["/slow.rss"] = slow
    config = write_config(site, tmp_path, extra=SLOW.replace("{BASE}", site.base))
    run = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--once", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert asked.wait(60), "the slow source was never asked"
        processes = _descendants(run.pid)
    finally:
        release.set()
    _out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err.decode(errors="replace")[-2000:]
    assert len(processes) == 1, processes
    assert "_child_main" in next(iter(processes.values()))
