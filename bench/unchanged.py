"""Benchmark: CPU per unchanged source (a 304) of a whole crawl, this tree against another.

``scrapy crawl feeds`` (the crawl a daemon's worker runs) over sources on a loopback
server that answers every conditional GET with 304, as a separate process per crawl: the
CPU of the crawl process (start-up included) at ``--sources`` and at a fifth of that;
the difference over the sources between them is the CPU one 304 costs, start-up
excluded. Each round measures every tree at both sizes, alternately, so that the trees
share the machine's moods; medians over the rounds. The first crawl of each database
(200s, validators stored) is not counted.

    python bench/unchanged.py --against /path/to/other/tree --rounds 6
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import startup  # its FeedHandler: the feed that answers 304 to its ETag

ROOT = Path(__file__).resolve().parent.parent


def config(folder: Path, port: int, sources: int) -> Path:
    path = folder / "newshound.toml"
    lines = [f'[storage]\npath = "{folder / "news.db"}"\n',
             "[network]\nallow_private_addresses = true\n",
             '[[terms]]\nname = "zyzzyva"\n']  # fmt: skip
    lines += [f'[[sources]]\nname = "f{i}"\nurl = "http://127.0.0.1:{port}/feed.rss?n={i}"\n'
              'interval = "1s"\n' for i in range(sources)]  # fmt: skip
    path.write_text("\n".join(lines))
    return path


def crawl(tree: Path, path: Path) -> float:
    """CPU seconds of one ``scrapy crawl feeds`` of ``tree`` over the config at ``path``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"config={path}",
         "-s", "LOG_LEVEL=ERROR"],
        cwd=tree, env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True, text=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{tree}: the crawl failed:\n{done.stderr[-2000:]}")
    time.sleep(1.1)  # every source due again (interval 1 s)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--against", type=Path, help="another tree (a git worktree) to measure")
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), startup.FeedHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    sizes = (args.sources, args.sources // 5)
    cpu: dict[tuple[Path, int], list[float]] = {(t, n): [] for t in trees for n in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        configs = {}
        for t in trees:
            for n in sizes:
                folder = Path(tmp) / f"{len(configs)}"
                folder.mkdir()
                configs[t, n] = config(folder, port, n)
                crawl(t, configs[t, n])  # 200s: the validators are stored
        for r in range(args.rounds):
            for t in trees:
                for n in sizes:
                    cpu[t, n].append(crawl(t, configs[t, n]))
            got = ", ".join(f"{t.name} {n}: {cpu[t, n][-1]:.2f} s" for t in trees for n in sizes)
            print(f"round {r + 1}: {got}", flush=True)
    server.shutdown()
    measured = args.rounds * len(trees) * sum(sizes)
    if startup._ANSWERS.count(304) != measured:  # every measured poll was a 304
        raise SystemExit(f"{startup._ANSWERS.count(304)} answers 304, {measured} expected")
    per = {}
    print(f"\n{args.rounds} rounds, load average {os.getloadavg()[0]:.1f}; medians")
    print(f"| tree | crawl of {sizes[0]}, CPU s | crawl of {sizes[1]}, CPU s | CPU per 304 |")
    print("|---|---:|---:|---:|")
    for t in trees:
        big, small = (statistics.median(cpu[t, n]) for n in sizes)
        per[t] = (big - small) / (sizes[0] - sizes[1])
        print(f"| {t} | {big:.2f} | {small:.2f} | {per[t] * 1000:.2f} ms |")
    if args.against:
        print(f"\nthis tree / {args.against}: {per[ROOT] / per[trees[1]]:.2f}x per 304")


if __name__ == "__main__":
    main()
