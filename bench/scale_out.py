"""Benchmark: throughput of a cluster with 1, 2 and 4 crawl workers, and the writer's capacity.

DESIGN.md's bar: with 50 ms of server latency over many hosts, 2 workers reach at least
1.8x and 4 workers at least 3x the throughput of 1, in the same run. This serves news
feeds and their articles from ``--hosts`` loopback addresses (127.0.1.1, 127.0.1.2, …;
per-host politeness applies as on the web: two requests in flight per host across the
cluster, AutoThrottle's delays), every answer after ``--latency`` (50 ms). For each
worker count it starts a real redis-server (emptied), a fresh database, the workers
(``newshound worker``), waits until each has beaten its heart, then ``newshound run``
with ``[cluster]`` (which queues every source at once), and watches the articles table
fill: throughput is articles stored per second between 10% and 90% of the total, so
that start-up and the last stragglers do not count. The ratios to one worker are printed
beside the bars.

Then the writer's capacity: 4 workers crawl a fresh database's sources while ``run`` is
stopped (SIGSTOP, once it has queued the polls), so that every outcome waits on the
outcomes stream; a new ``run`` takes its place, and the time it takes to drain the
stream gives outcomes (and articles) applied per second, printed beside the workers'
rate.

The article pages are small news pages (about 3 KB of text), not the real pages of
bench/daemon.py: a real page costs 20-30 ms of CPU to clean, so on a 2-core machine one
worker would be CPU-bound and the workers could only share the same two cores; this
bench measures how crawling spreads over workers, bench/daemon.py what an article costs.
Each worker also prints its CPU per article, which says how far from CPU-bound it ran.
Nothing leaves 127.0.0.0/8.

    python bench/scale_out.py                       # 200 hosts, 10 articles each
    python bench/scale_out.py --hosts 100 --workers 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support, run as `python bench/scale_out.py`

import redis  # noqa: E402

from tests.support.redis_server import RedisServer  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")
WORDS = (
    "government minister talks summit border trade agreement sanctions economy election "
    "parliament vote budget energy gas pipeline security council officials week report "
    "capital region president delegation statement press conference analysts markets"
).split()


def address(i: int) -> str:
    return f"127.0.1.{i + 1}" if i < 254 else f"127.0.{2 + i // 254}.{1 + i % 254}"


def article(k: int, n: int) -> bytes:
    """A small news page: a title naming two watch terms, ten paragraphs of text, and the
    page furniture a site repeats (navigation, footer)."""
    rng = random.Random(k * 1000 + n)
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(10)
    )
    title = f"Putin and Xi meet again, report {k}-{n}"
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
        f"<article><h1>{title}</h1><p class=byline>By Staff Reporter</p>{paragraphs}</article>"
        "<footer>© News Site. All rights reserved. Contact us.</footer></body></html>"
    ).encode()


def feed(base: str, k: int, articles: int, published: str) -> bytes:
    items = "".join(
        f"<item><title>Putin and Xi meet again, report {k}-{n}</title>"
        f"<link>{base}/a/{k}-{n}.html</link><guid>{base}/a/{k}-{n}.html</guid>"
        f"<description>The talks went on into the night.</description>"
        f"<pubDate>{published}</pubDate></item>"
        for n in range(articles)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {k}</title>'
        f"<link>{base}/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


def serve(hosts: int, articles: int, latency: float, ready: multiprocessing.Queue) -> None:
    """The site, in a process of its own: one asyncio server per address, each answer
    after ``latency`` seconds, keep-alive as news sites do."""
    published = formatdate(usegmt=True)

    async def answer(k: int, base: str, path: str) -> tuple[int, bytes, str]:
        if path.startswith("/feeds/"):
            return 200, feed(base, k, articles, published), "application/rss+xml"
        if path.startswith(f"/a/{k}-"):
            return 200, article(k, int(path.rsplit("-", 1)[1].split(".")[0])), "text/html"
        return 404, b"not found", "text/plain"

    async def main() -> None:
        servers = []
        for k in range(hosts):

            async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                             k: int = k) -> None:  # fmt: skip
                host, port = writer.get_extra_info("sockname")[:2]
                base = f"http://{host}:{port}"
                try:
                    while True:
                        head = await reader.readuntil(b"\r\n\r\n")
                        path = head.split(b" ", 2)[1].decode()
                        await asyncio.sleep(latency)
                        status, body, ctype = await answer(k, base, path)
                        writer.write(
                            f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\n"
                            f"Content-Length: {len(body)}\r\n\r\n".encode()
                            + body
                        )
                        await writer.drain()
                except (asyncio.IncompleteReadError, ConnectionError):
                    pass
                finally:
                    writer.close()

            servers.append(await asyncio.start_server(handle, address(k), 0, backlog=256))
        ready.put([s.sockets[0].getsockname()[:2] for s in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


@dataclass
class Round:
    workers: int
    articles: int
    rate: float  # articles stored per second, 10% to 90%
    wall: float  # from `run` started to the last article stored
    cpu_per_article: float  # the workers' CPU, ms


class Cluster:
    """A config, a database and a Redis for one round; the processes it started."""

    def __init__(self, redis_server: RedisServer, bases: list[str], concurrency: int) -> None:
        self.redis_url, self.concurrency = redis_server.url, concurrency
        with redis.Redis.from_url(self.redis_url) as r:
            r.flushall()
        self.tmp = Path(tempfile.mkdtemp(prefix="newshound-scale-out-"))
        self.db = self.tmp / "bench.db"
        sources = "".join(
            f'[[sources]]\nname = "feed {k}"\nurl = "{base}/feeds/{k}.rss"\ninterval = "1h"\n'
            for k, base in enumerate(bases)
        )
        self.config = self.tmp / "newshound.toml"
        self.config.write_text(
            f'[storage]\npath = "{self.db}"\n[network]\nallow_private_addresses = true\n'
            f'[daemon]\ntick = "1s"\n[cluster]\nredis = "{self.redis_url}"\n'
            '[[terms]]\nname = "Putin"\n[[terms]]\nname = "Xi"\n[[terms]]\nname = "sanctions"\n'
            + sources,
            encoding="utf-8",
        )
        self.workers: list[subprocess.Popen[bytes]] = []
        self.run: subprocess.Popen[bytes] | None = None

    def newshound(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", *args, "--config", str(self.config)],
            cwd=self.tmp, stdout=subprocess.DEVNULL, stderr=open(self.tmp / "log", "ab"),
        )  # fmt: skip

    def start_workers(self, count: int) -> None:
        for i in range(count):
            self.workers.append(self.newshound("worker", "--name", f"bench-{i}",
                                               "--concurrency", str(self.concurrency)))  # fmt: skip
        deadline = time.time() + 120
        with redis.Redis.from_url(self.redis_url) as r:
            while len(list(r.scan_iter(match="newshound:worker:*"))) < count:
                self.check(deadline)
                time.sleep(0.1)

    def start_run(self) -> None:
        self.run = self.newshound("run", "--log-format", "json")

    def stored(self) -> int:
        if not self.db.exists():
            return 0
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5) as conn:
                return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError:  # not made yet
            return 0

    def check(self, deadline: float) -> None:
        for p in [*self.workers, *([self.run] if self.run else [])]:
            if p.poll() is not None:
                raise SystemExit(f"a process exited with {p.returncode}: {self.tmp / 'log'}")
        if time.time() > deadline:
            raise SystemExit(f"timed out: {self.stored()} stored; see {self.tmp / 'log'}")

    def workers_cpu(self) -> float:
        total = 0.0
        for p in self.workers:
            try:
                fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / CLK
        return total

    def stop(self) -> None:
        for p in [*([self.run] if self.run else []), *self.workers]:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in [*([self.run] if self.run else []), *self.workers]:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def throughput(redis_server: RedisServer, bases: list[str], expected: int, workers: int,
               concurrency: int) -> Round:  # fmt: skip
    cluster = Cluster(redis_server, bases, concurrency)
    try:
        cluster.start_workers(workers)
        cpu0 = cluster.workers_cpu()
        started = time.time()
        cluster.start_run()
        marks: dict[float, float] = {}
        deadline = started + 1800
        while (n := cluster.stored()) < expected:
            for share in (0.1, 0.9):
                if n >= share * expected and share not in marks:
                    marks[share] = time.time()
            cluster.check(deadline)
            time.sleep(0.2)
        done = time.time()
        marks.setdefault(0.1, done)
        marks.setdefault(0.9, done)
        cpu = cluster.workers_cpu() - cpu0
        span = max(marks[0.9] - marks[0.1], 1e-3)
        return Round(workers, n, 0.8 * expected / span, done - started, 1000 * cpu / n)
    finally:
        cluster.stop()


def writer_capacity(redis_server: RedisServer, bases: list[str], concurrency: int
                    ) -> tuple[int, int, float]:  # fmt: skip
    """(outcomes, articles, seconds): a writer draining what 4 workers left waiting.

    ``run`` is stopped (SIGSTOP) once it has queued the polls, the workers crawl them all
    and are stopped, then ``run`` is replaced by a new one (the stopped one is killed: let
    go, its blocking read of the stream would time out), which starts by applying what
    waits. The drain is timed from its first outcome applied to the last, so that its
    start-up does not count."""
    cluster = Cluster(redis_server, bases, concurrency)
    polls, outcomes = "newshound:polls", "newshound:outcomes"
    try:
        cluster.start_workers(4)
        cluster.start_run()
        assert cluster.run is not None
        deadline = time.time() + 1800
        with redis.Redis.from_url(redis_server.url) as r:
            while r.xlen(polls) == 0:  # not queued yet
                cluster.check(deadline)
                time.sleep(0.02)
            cluster.run.send_signal(signal.SIGSTOP)  # it has queued every source at once
            last, still = -1, 0.0
            while still < 3.0:  # the workers are done once nothing moves for 3 s
                now = (r.xlen(polls), r.xlen(outcomes))
                if now[1] != last or now[0]:
                    last, still = now[1], 0.0
                else:
                    still += 0.2
                cluster.check(deadline)
                time.sleep(0.2)
            for p in cluster.workers:
                p.send_signal(signal.SIGTERM)
                p.wait(60)
            cluster.workers.clear()
            cluster.run.kill()
            cluster.run.wait()
            waiting = r.xlen(outcomes)
            cluster.start_run()
            while (n := r.xlen(outcomes)) == waiting:
                cluster.check(deadline)
                time.sleep(0.01)
            t0, applied, before = time.time(), n, cluster.stored()
            while r.xlen(outcomes) > 0:
                cluster.check(deadline)
                time.sleep(0.01)
            seconds = time.time() - t0
        return applied, cluster.stored() - before, seconds
    finally:
        cluster.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=200, help="loopback hosts, one feed each")
    ap.add_argument("--articles", type=int, default=10, help="articles per feed")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    ap.add_argument("--concurrency", type=int, default=4, help="sources a worker polls at once")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = ap.parse_args()
    ready: multiprocessing.Queue = multiprocessing.Queue()
    site = multiprocessing.Process(
        target=serve, args=(args.hosts, args.articles, args.latency, ready), daemon=True
    )
    site.start()
    bases = [f"http://{host}:{port}" for host, port in ready.get(timeout=60)]
    expected = args.hosts * args.articles
    print(f"{args.hosts} hosts x {args.articles} articles, {args.latency * 1000:.0f} ms "
          f"latency, workers polling {args.concurrency} sources at once", flush=True)  # fmt: skip
    rounds: list[Round] = []
    try:
        with RedisServer() as redis_server:
            for count in args.workers:
                rounds.append(throughput(redis_server, bases, expected, count, args.concurrency))
                r = rounds[-1]
                print(f"  {count} worker(s): {r.rate:.1f} articles/s ({r.articles} stored, "
                      f"{r.wall:.1f} s in all, workers' CPU {r.cpu_per_article:.1f} ms "
                      "per article)", flush=True)  # fmt: skip
            outcomes, articles, seconds = writer_capacity(redis_server, bases, args.concurrency)
    finally:
        site.terminate()
    base = rounds[0].rate
    bars = {2: 1.8, 4: 3.0}
    print("\nworkers  articles/s  vs 1 worker  bar")
    for r in rounds:
        bar = f">= {bars[r.workers]}x" if r.workers in bars else ""
        print(f"{r.workers:>7}  {r.rate:>10.1f}  {r.rate / base:>10.2f}x  {bar}")
    print(f"\nwriter: {outcomes / seconds:.0f} outcomes/s applied ({articles / seconds:.0f} "
          f"articles/s; {outcomes} outcomes in {seconds:.1f} s), against "
          f"{max(r.rate for r in rounds):.0f} articles/s from the most workers")  # fmt: skip


if __name__ == "__main__":
    main()
