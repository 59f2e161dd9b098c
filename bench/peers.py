"""Peers benchmark: newshound beside rss2email (and feed2exec) on the shared loopback harness.

Runs ``../shared/peers/bench.py`` (a loopback feed site with N feeds x 20 items, an SMTP
sink, every new item an alert; see its README) for ``newshound-webhook`` (every item
alerted by webhook), ``newshound-nomatch`` (the same crawl, no alert), ``rss2email`` and,
when installed, ``feed2exec``, first run only, and prints per N, as ratios against
rss2email in the same run:

* CPU per item: the whole process tree's CPU (crawl workers and fork server included)
  over N x 20 items; newshound's includes the harness's drain run after it when that
  delivered anything (``run --once`` now leaves nothing due, so the drain finds nothing).
* Delivery CPU per alert: newshound-webhook minus newshound-nomatch, over the alerts,
  for the whole tree (noisy: two ~45 s figures) and for the daemon process alone (where
  the outbox is drained). rss2email's reference is its CPU per item (an item is a mail).
* PSS: the largest sum of the peer's processes' proportional set sizes seen during the
  run (sampled from /proc every 0.25 s; the harness's own servers excluded).

The peers run from the venv ``--venv`` (the harness's README: ``python3 -m venv
/tmp/peervenv && /tmp/peervenv/bin/pip install -r requirements-peers.lock``); newshound
is the ``newshound`` on PATH, which imports this tree with PYTHONPATH set to it.

    PYTHONPATH=$PWD python bench/peers.py                     # N=200
    PYTHONPATH=$PWD python bench/peers.py --sizes 200,1000
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import click

# ../shared/peers from the main checkout, ../../shared/peers from a worktree in wt/
HARNESS = next(
    (p / "shared" / "peers" for p in Path(__file__).resolve().parents[1:4]
     if (p / "shared" / "peers" / "bench.py").exists()),
    Path(__file__).resolve().parents[2] / "shared" / "peers",
)  # fmt: skip
ITEMS = 20  # per feed, the harness's default


def _tree(root: int) -> dict[int, str]:
    """pid -> command line of ``root``'s descendants (orphans re-parented to it included)."""
    parents: dict[int, int] = {}
    cmdlines: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        cmdlines[int(entry)] = cmd
    out: dict[int, str] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in out:
                out[child] = cmdlines.get(child, "")
                frontier.append(child)
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _peer_of(cmdline: str) -> str | None:
    if "feedserver.py" in cmdline or "smtpsink.py" in cmdline:
        return None
    # multiprocessing: newshound's resource tracker and spawned crawl workers, whose
    # command lines name no module of ours (the peers use no multiprocessing)
    for key, peer in (("newshound", "newshound"), ("monitor", "newshound"),
                      ("scrapy", "newshound"), ("multiprocessing", "newshound"),
                      ("r2e", "rss2email"), ("feed2exec", "feed2exec")):  # fmt: skip
        if key in cmdline:
            return peer
    return None


class PssSampler(threading.Thread):
    """The largest PSS sum per peer among the harness's descendants, every 0.25 s.

    Which newshound variant runs is read from the daemon's command line (its state dir).
    """

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak = root, defaultdict(int)
        self.current = ""
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            sums: dict[str, int] = defaultdict(int)
            tree = _tree(self.root)
            for cmd in tree.values():
                for name in ("newshound-webhook", "newshound-nomatch"):
                    if f"state-{name}-" in cmd:
                        self.current = name
            for pid, cmd in tree.items():
                if (peer := _peer_of(cmd)) is not None:
                    sums[peer] += _pss_kb(pid)
            for peer, kb in sums.items():
                key = self.current if peer == "newshound" and self.current else peer
                self.peak[key] = max(self.peak[key], kb)


# The harness's feeds are dated from a fixed day in 2023 (deterministic output), far past
# [alerts] max_age (2 days by default): newshound would store every item and alert none,
# where the peers mail each one. The harness writes newshound's config itself, so
# newshound runs through this wrapper, which lets every age be alerted, as the peers do.
ANY_AGE = """\
import os, sys
args = sys.argv[1:]
for flag in ("-c", "--config"):
    if flag in args[:-1]:
        path = args[args.index(flag) + 1]
        with open(path, encoding="utf-8") as f:
            known = "[alerts]" in f.read()
        if not known:
            with open(path, "a", encoding="utf-8") as f:
                f.write('\\n[alerts]\\nmax_age = "36500d"\\n')
os.execv(sys.argv[0] + ".real", [sys.argv[0] + ".real", *args])
"""


def newshound_any_age(workdir: Path) -> Path:
    """A ``newshound`` for the harness that alerts items of any age (see ``ANY_AGE``)."""
    real = Path(shutil.which("newshound") or "newshound")
    wrapper = workdir / "newshound"
    (workdir / "newshound.real").unlink(missing_ok=True)
    (workdir / "newshound.real").symlink_to(real.resolve())
    wrapper.write_text(f"#!{sys.executable}\n{ANY_AGE}")
    wrapper.chmod(0o755)
    return wrapper


def run_harness(venv: Path, sizes: str, peers: str, label: str, workdir: Path,
                out: Path) -> dict[str, int]:  # fmt: skip
    """The harness's run (first runs only); returns peak PSS (kB) per peer."""
    cmd = [
        str(venv / "bin" / "python"), str(HARNESS / "bench.py"), "--sizes", sizes,
        "--repeats", "1", "--kinds", "first", "--peers", peers, "--label", label,
        "--quiet-wait", "5", "--out", str(out), "--workdir", str(workdir),
        "--venv", str(venv), "--newshound-bin", str(newshound_any_age(workdir)),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=HARNESS)
    sampler = PssSampler(proc.pid)
    sampler.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stderr.write(line)
    proc.wait()
    sampler.done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"harness exited with {proc.returncode}")
    return dict(sampler.peak)


def _records(out: Path, label: str) -> list[dict]:
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("label") == label]


@click.command()
@click.option("--sizes", default="200", show_default=True, help="Numbers of feeds (x 20 items).")
@click.option("--venv", type=click.Path(path_type=Path), default=Path("/tmp/peervenv"),
              show_default=True, help="The peers' virtualenv.")  # fmt: skip
@click.option("--workdir", type=click.Path(path_type=Path), default=Path("/tmp/nh-bench-peers"),
              show_default=True, help="The harness work folder.")  # fmt: skip
@click.option("--feed2exec/--no-feed2exec", default=True, help="Also run feed2exec.")
@click.option("--nomatch/--no-nomatch", default=True,
              help="Also run newshound-nomatch (for the delivery figure).")  # fmt: skip
def main(sizes: str, venv: Path, workdir: Path, feed2exec: bool, nomatch: bool) -> None:
    """Run the peers harness and print newshound's figures as ratios against rss2email."""
    if not (venv / "bin" / "r2e").exists():
        raise SystemExit(f"{venv}: no rss2email; install the peers (see {HARNESS}/README.md)")
    peers = ["newshound-webhook", "rss2email"]
    if nomatch:
        peers.insert(1, "newshound-nomatch")
    if feed2exec and (venv / "bin" / "feed2exec").exists():
        peers.append("feed2exec")
    label = "perf-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "results.jsonl"
    started = time.time()
    pss = run_harness(venv, sizes, ",".join(peers), label, workdir, out)
    rows = _records(out, label)
    print(f"\nbench/peers.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, label {label}, "
          f"{time.time() - started:.0f} s; first run, every item an alert")  # fmt: skip
    for n in [int(s) for s in sizes.split(",")]:
        cpu: dict[str, float] = defaultdict(float)
        own: dict[str, float] = defaultdict(float)  # the peer's own process, no orphans
        alerts: dict[str, int] = defaultdict(int)
        for r in rows:
            drained = r["kind"] == "first-drain" and r.get("alerts", 0) > 0
            if r.get("n_feeds") == n and (r["kind"] == "first" or drained):
                cpu[r["peer"]] += r["cpu_s"]
                own[r["peer"]] += r["cpu_s"] - r.get("orphan_cpu_s", 0)
                alerts[r["peer"]] += r.get("alerts", 0)
        items = n * ITEMS
        base = cpu["rss2email"] / items
        print(f"\nN={n} feeds, {items:,} items\n")
        print("| peer | CPU s | CPU ms per item | vs rss2email | alerts | peak PSS MB "
              "| vs rss2email |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|")
        for peer in peers:
            each = cpu[peer] / items
            mb = pss.get(peer, 0) / 1024
            ratio = mb / (pss.get("rss2email", 0) / 1024) if pss.get("rss2email") else 0
            print(f"| {peer} | {cpu[peer]:.1f} | {each * 1000:.2f} | {each / base:.2f}x "
                  f"| {alerts[peer]:,} | {mb:.0f} | {ratio:.2f}x |")  # fmt: skip
        sent = alerts["newshound-webhook"]
        if sent and nomatch:
            for what, table in (("whole tree", cpu), ("daemon process, where delivery runs",
                                                       own)):  # fmt: skip
                per_alert = (table["newshound-webhook"] - table["newshound-nomatch"]) / sent
                print(f"\nnewshound delivery CPU per alert, (webhook - nomatch) / alerts, "
                      f"{what}: {per_alert * 1000:.2f} ms = {per_alert / base:.2f}x "
                      "rss2email's CPU per item")  # fmt: skip
    print(f"\nraw records: {out} (label {label}); table: {HARNESS}/report.py {out} --label {label}")


if __name__ == "__main__":
    main()
