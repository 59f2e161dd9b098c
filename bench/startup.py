"""Start-up benchmark: CPU seconds of a whole ``newshound run --once`` with nothing to do.

One loopback source that answers 304 (its feed was stored by an untimed first run), a
webhook channel with nothing to send (as the peers harness configures it), a fresh
database folder per bench. What is left is the fixed cost of a run: the
daemon's imports and set-up, the crawl fork server's imports and warm-up, the resource
tracker, the crawl worker, one conditional GET. The CPU counted is that of every process
of the run, user + system, with nothing missed: this process becomes a child subreaper
(``PR_SET_CHILD_SUBREAPER``), so the run's orphans (the fork server, its workers) are
re-parented to it and reaped here, and ``RUSAGE_CHILDREN`` then holds all of them. The
baseline, measured in the same run and alternated with it, is ``python -c pass``.
Prints the median of ``--runs`` and the ratio to the baseline, and the peak PSS of the
run's processes together (``/proc/PID/smaps_rollup``, sampled every 20 ms). Bars (issue
#24): <= 2 CPU s; PSS is the floor under the N=1,000 first run's (bar <= 150 MB).

    PYTHONPATH=$PWD python bench/startup.py             # 7 runs each
    PYTHONPATH=$PWD python bench/startup.py --runs 3
    PYTHONPATH=/path/to/other/tree python bench/startup.py   # that tree's newshound
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Start-up</title>'
    b"<link>http://127.0.0.1/</link><description>bench</description></channel></rss>"
)
_ETAG = '"' + hashlib.sha256(_FEED).hexdigest()[:16] + '"'
_PR_SET_CHILD_SUBREAPER = 36
_ANSWERS: list[int] = []  # the status of each feed request, in order


class FeedHandler(BaseHTTPRequestHandler):
    """The feed (with an ETag) at /feed.rss, with any query (``?n=2``: as many sources as
    wanted), 304 when the ETag is sent back; 404 for anything else (robots.txt too)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        if self.path.partition("?")[0] != "/feed.rss":
            status, body, headers = 404, b"not found", {}
        elif self.headers.get("If-None-Match") == _ETAG:
            status, body, headers = 304, b"", {"ETag": _ETAG}
            _ANSWERS.append(304)
        else:
            status, body, headers = (
                200,
                _FEED,
                {"ETag": _ETAG, "Content-Type": "application/rss+xml"},
            )
            _ANSWERS.append(200)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def children_cpu(command: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """CPU seconds (user + system) of ``command`` and every process it started, and the
    peak of their summed PSS in MB (sampled every 20 ms). Run in ``cwd``: ``python -m``
    puts the working directory first on the path, ahead of PYTHONPATH."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_pss_mb(proc.pid))
        time.sleep(0.02)
    assert proc.stderr is not None
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr.read()}")
    proc.stderr.close()
    while True:  # the orphans: re-parented to this subreaper when their parent exited
        try:
            os.wait()
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), peak


def tree_pss_mb(root: int) -> float:
    """Summed PSS of ``root`` and its live descendants (/proc/PID/smaps_rollup)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
    total = 0
    for pid in parents:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor != root:
            continue
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except OSError:
            continue
    return total / 1024


@click.command()
@click.option("--runs", default=7, show_default=True, help="Runs of each, alternated.")
def main(runs: int) -> None:
    """Print the median CPU seconds of ``run --once`` and of ``python -c pass``."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="nh-bench-startup-") as tmp:
        config = Path(tmp) / "newshound.toml"
        config.write_text(
            f'[storage]\npath = "{Path(tmp) / "news.db"}"\n'
            "[network]\nallow_private_addresses = true\n"
            f'[[sources]]\nname = "Loopback"\nurl = "http://127.0.0.1:{server.server_port}'
            '/feed.rss"\ninterval = "1s"\n[[terms]]\nname = "Putin"\n'
            # as the peers harness runs it: a webhook channel (nothing to send here)
            '[[channels]]\nname = "desk"\ntype = "webhook"\nsecret = "${BENCH_WEBHOOK_SECRET}"\n'
            f'url = "http://127.0.0.1:{server.server_port}/hook"\n',
            encoding="utf-8",
        )
        # Byte-code caches written, as an installed package has them (the untimed run
        # writes those of a source checkout).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["BENCH_WEBHOOK_SECRET"] = "bench-not-a-secret"
        run_once = [sys.executable, "-m", "monitor", "run", "--config", str(config), "--once"]
        children_cpu(run_once, env, tmp)  # untimed: stores the feed and its ETag
        figures: dict[str, list[tuple[float, float]]] = {"run --once": [], "python -c pass": []}
        for _ in range(runs):
            with sqlite3.connect(Path(tmp) / "news.db") as db:  # due again now
                db.execute("UPDATE sources SET next_poll = 0")
            db.close()
            answered = len(_ANSWERS)
            figures["run --once"].append(children_cpu(run_once, env, tmp))
            if _ANSWERS[answered:] != [304]:
                raise SystemExit(f"expected one poll answered 304, got {_ANSWERS[answered:]}")
            figures["python -c pass"].append(children_cpu([sys.executable, "-c", "pass"], env, tmp))
    server.shutdown()
    server.server_close()
    base = statistics.median(cpu for cpu, _ in figures["python -c pass"])
    print(f"bench/startup.py, {date.today().isoformat()}, python {sys.version.split()[0]}, "
          f"{runs} runs each, load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("| command | CPU s, median | min-max | ratio to python -c pass | peak PSS MB, median |")
    print("|---|---:|---:|---:|---:|")
    for name, values in figures.items():
        cpus = [cpu for cpu, _ in values]
        median = statistics.median(cpus)
        pss = statistics.median(p for _, p in values)
        print(f"| {name} | {median:.2f} | {min(cpus):.2f}-{max(cpus):.2f} | "
              f"{median / base:.0f}x | {pss:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
