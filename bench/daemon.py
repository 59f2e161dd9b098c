"""Benchmark: one ``newshound run`` daemon polling 1,000 loopback feeds, cycle after cycle.

Prints, with the bars of DESIGN.md:
- CPU per unchanged source (a conditional GET answered 304)          bar <= 2 ms,
  and as a ratio to a spider with Scrapy's default settings that does nothing with the
  answers (bench/bare_spider.py), on the same requests just after the 304 phase
- CPU per new article (feed parse, page fetch, clean, match, store),
  relative to trafilatura's extraction alone on the same pages,
  measured in the same run                                            bar <= 1.5x
- the daemon's RSS at cycles 20 and 200 (a cycle = 1,000 polls)       bar within +-10%

CPU is the daemon's plus that of all its descendants, live (the fork server, the crawl
workers) or reaped (counted in their parent's cumulative children time), read from /proc.
The feeds are spread over 50 loopback addresses (127.0.0.2-51) so Scrapy's per-host
politeness applies as it would on the open web, and each host serves a large news site's
robots.txt (fixtures/robots/news-site.txt: 186 lines, which Protego takes 2.3 ms to
parse). Nothing leaves 127.0.0.0/8. The new articles are real news pages
(../shared/data/zyte-article-benchmark, served gzipped), and trafilatura runs on those
same pages in the same run: with its defaults (the bar's baseline, what "trafilatura
alone" is to a user) and with ``fast=True`` (printed for reference), on every page just
before and just after the article phase, with the daemon's processes stopped (SIGSTOP)
meanwhile so that nothing competes for the CPU. The machine's speed drifts by a fifth or
more within a minute (one run: 19 ms per page before, 28 ms after), so a baseline taken
at another moment moved the ratio by as much: trafilatura is also sampled *during* the
article phase, every 0.1 s one page with the daemon stopped (after an untimed page, so
the sample meets warm caches as the back-to-back runs do), and the median of each
sample's time over the same page's before/after time scales the before/after mean to the
phase's speed. That is the bar's baseline.

    python bench/daemon.py                 # 200 cycles (about 11 minutes on 2 cores)
    python bench/daemon.py --cycles 30     # quicker; RSS compared at cycles 20 and 30
    python bench/daemon.py --https         # the feeds over TLS, certificates verified

``--https`` serves every feed over TLS 1.3, each host with a certificate for its own
address from a CA made for the run, and the daemon trusts what a Debian machine trusts
plus that CA (``SSL_CERT_FILE``: the system bundle with the CA appended), so each new
connection meets a trust store of real size. The Scrapy floor then verifies certificates
too, as newshound does. The server counts the connections it accepted, so the figure can
be read per connection: with 50 hosts a crawl reuses each connection for a few polls,
where on the open web most polls open one of their own (``bench/tls.py`` gives the cost
of such a poll).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support, run as `python bench/daemon.py`

from tests.support.tls import ThrowawayCA, server_context  # noqa: E402

HOSTS = 50
CLK = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")


ARTICLES = Path(__file__).resolve().parent.parent.parent / "shared/data/zyte-article-benchmark/html"
ROBOTS = (ROOT / "fixtures/robots/news-site.txt").read_bytes()


def real_pages(count: int) -> list[bytes]:
    """``count`` real news pages (gzip, UTF-8) from the Zyte article benchmark, each distinct.

    Real pages (median ~115 KB, with their scripts, navigation and comments) are what the
    cleaner and trafilatura meet on the web; a tiny synthetic page would make the fixed cost
    per request look like the cost of an article. Sorted by name, so every run serves the
    same pages.
    """
    files = sorted(ARTICLES.glob("*.html.gz"))
    if count > len(files):
        raise SystemExit(f"--new {count}: only {len(files)} real pages in {ARTICLES}")
    return [gzip.decompress(f.read_bytes()) for f in files[:count]]


class Site:
    """Feeds at http(s)://127.0.0.N:P/feeds/K.rss, ETag/304; real article pages, gzipped.

    With ``tls`` (a server context per host: ``bench_tls``) every host serves https."""

    def __init__(self, sources: int, tls: list[ssl.SSLContext] | None = None) -> None:
        self.sources = sources
        self.scheme = "https" if tls else "http"
        self.connections = 0  # accepted, over the site's life
        self.items: dict[int, list[str]] = {k: [] for k in range(sources)}
        self.pages: dict[str, bytes] = {}  # path -> gzip body
        self.published = formatdate(usegmt=True)
        self.lock = threading.Lock()
        self.feed_requests: list[tuple[float, int]] = []  # (time, feed) of every feed request
        self.servers: list[ThreadingHTTPServer] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                with site.lock:
                    site.connections += 1
                super().setup()

            def do_GET(self) -> None:  # noqa: N802
                status, body, headers = site.answer(
                    self.path, self.headers.get("If-None-Match"),
                    "gzip" in (self.headers.get("Accept-Encoding") or ""),
                )  # fmt: skip
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        for i in range(HOSTS):
            server = ThreadingHTTPServer((f"127.0.0.{i + 2}", 0), Handler)
            server.daemon_threads = True
            if tls is not None:  # the handshake happens in the request's own thread
                server.socket = tls[i].wrap_socket(
                    server.socket, server_side=True, do_handshake_on_connect=False
                )
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def base(self, k: int) -> str:
        host, port = self.servers[k % HOSTS].server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def feed(self, k: int) -> bytes:
        items = "".join(
            f"<item><title>{t}</title><link>{self.base(k)}/articles/{k}-{n}.html</link>"
            f"<description>{t}: the talks went on into the night.</description>"
            f"<guid>{self.base(k)}/articles/{k}-{n}.html</guid>"
            f"<pubDate>{self.published}</pubDate></item>"
            for n, t in enumerate(self.items[k])
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {k}</title>'
            f"<link>{self.base(k)}/</link><description>bench</description>{items}"
            "</channel></rss>"
        ).encode()

    def feed_and_etag(self, k: int) -> tuple[bytes, str]:
        with self.lock:
            body = self.feed(k)
        return body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def answer(
        self, path: str, inm: str | None, gzipped: bool
    ) -> tuple[int, bytes, dict[str, str]]:
        if path == "/robots.txt":
            return 200, ROBOTS, {"Content-Type": "text/plain"}
        if path.startswith("/feeds/"):
            k = int(path.split("/")[-1].split(".")[0])
            self.feed_requests.append((time.time(), k))
            body, etag = self.feed_and_etag(k)
            if inm == etag:
                return 304, b"", {"ETag": etag}
            return 200, body, {"Content-Type": "application/rss+xml", "ETag": etag}
        page = self.pages.get(path)
        if page is not None:  # as news sites serve them: gzip when the client takes it
            headers = {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept-Encoding"}
            if gzipped:
                return 200, page, {**headers, "Content-Encoding": "gzip"}
            return 200, gzip.decompress(page), headers
        return 404, b"not found", {"Content-Type": "text/plain"}

    def publish(self, feeds: list[int], pages: list[bytes]) -> None:
        """One new item on each of ``feeds``, linking to one of ``pages`` each.

        The item's title and summary name two watch terms, so the article is matched and
        stored with its matches whatever the page is about.
        """
        with self.lock:
            for k, page in zip(feeds, pages, strict=True):
                n = len(self.items[k])
                self.pages[f"/articles/{k}-{n}.html"] = gzip.compress(page, 6)
                self.items[k].append(f"Putin and Xi meet again, report {k}-{n}")

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()


def bench_tls(folder: Path) -> list[ssl.SSLContext]:
    """Serving and trusting https for the run: for each of the site's hosts, the server
    context of a certificate for that address alone (as a news site's names its own),
    from a CA made for the run; and ``SSL_CERT_FILE`` (read by the daemon, its workers and
    the Scrapy floor, all started after) pointed at a trust store of real size, the
    system's CA bundle with that CA appended."""
    ca = ThrowawayCA(folder, "newshound bench CA")
    addresses = [f"127.0.0.{i + 2}" for i in range(HOSTS)]
    contexts = [server_context(ca.issue(f"{a}.pem", [a])) for a in addresses]
    paths = ssl.get_default_verify_paths()
    bundle = folder / "trust.pem"
    bundle.write_bytes(Path(paths.cafile or paths.openssl_cafile).read_bytes()
                       + ca.ca_file.read_bytes())  # fmt: skip
    os.environ["SSL_CERT_FILE"] = str(bundle)
    return contexts


def bench_config(site: Site, sources: int, interval: str) -> Path:
    """A config file (in a new temporary folder, with the database) polling ``sources``
    of ``site``'s feeds every ``interval``, with a 1 s tick and three watch terms."""
    tmp = Path(tempfile.mkdtemp(prefix="newshound-bench-"))
    feeds = "".join(f'[[sources]]\nname = "feed {k}"\nurl = "{site.base(k)}/feeds/{k}.rss"\n'
                    f'interval = "{interval}"\n' for k in range(sources))  # fmt: skip
    config = tmp / "newshound.toml"
    config.write_text(
        f'[storage]\npath = "{tmp / "bench.db"}"\n[network]\nallow_private_addresses = true\n'
        '[daemon]\ntick = "1s"\n[[terms]]\nname = "Putin"\n[[terms]]\nname = "Xi"\n'
        '[[terms]]\nname = "sanctions"\n' + feeds, encoding="utf-8",
    )  # fmt: skip
    return config


def _signal(pid: int, sig: int) -> None:
    """Signal a process that may have exited since it was listed (a retiring worker)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def proc_stat(pid: int, own: bool = False) -> tuple[float, int]:
    """(CPU seconds incl. reaped children, or only its own with ``own``; ppid)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11 : 13 if own else 15]) / CLK, int(fields[1])


def own_cpu(pid: int) -> float | None:
    """A process's own CPU seconds; None once it has exited."""
    try:
        return proc_stat(pid, own=True)[0]
    except OSError:
        return None


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def family(pid: int) -> list[int]:
    """The daemon and all its live descendants: the fork server and its crawl workers."""
    children = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def workers(pid: int) -> list[int]:
    """The daemon's live crawl workers: the fork server's children."""
    children = _children()
    return [w for server in children.get(pid, []) for w in children.get(server, [])]


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(proc_stat(int(entry))[1], []).append(int(entry))
            except (OSError, IndexError):
                pass
    return children


def cpu(pid: int) -> float:
    total = 0.0
    for p in family(pid):
        try:
            total += proc_stat(p)[0]
        except OSError:
            pass
    return total


class Daemon:
    def __init__(self, config: Path) -> None:
        cmd = [sys.executable, "-m", "monitor", "run", "--config", str(config),
               "--log-format", "json"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     text=True, cwd=ROOT)  # fmt: skip
        self.counts = {"polls": 0, "unchanged": 0, "parsed": 0, "failed": 0, "stored": 0,
                       "crawls": 0, "crawl_cpu": 0.0}  # fmt: skip
        # The workers crawl_done named, each with its own CPU when its last crawl_done was
        # read (None once it has exited): what it spent since is the crawl it is running
        # now, which no crawl_done has counted yet.
        self.done_cpu: dict[int, float | None] = {}
        self.crawl_log: list[tuple[float, int, int]] = []  # (cpu, unchanged, stored) per crawl
        self.lock = threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                e = json.loads(line)
            except ValueError:
                print("daemon:", line.rstrip(), file=sys.stderr)
                continue
            if e.get("event") == "crawl_done":
                with self.lock:
                    self.counts["crawls"] += 1
                    self.counts["crawl_cpu"] += e.get("cpu") or 0.0
                    self.done_cpu[e["worker"]] = own_cpu(e["worker"])
                    for key in ("unchanged", "parsed", "failed"):
                        self.counts[key] += e.get(f"source_{key}", 0)
                        self.counts["polls"] += e.get(f"source_{key}", 0)
                    self.counts["stored"] += e.get("store_stored", 0)
                    self.crawl_log.append((e.get("cpu") or 0.0, e.get("source_unchanged", 0),
                                           e.get("store_stored", 0)))  # fmt: skip
            elif e.get("level") in ("warning", "error") and e.get("event") != "crawl_log":
                print("daemon:", line.rstrip(), file=sys.stderr)

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            out: dict[str, float] = dict(self.counts)
            out["workers"] = len(self.done_cpu)
            out["in_flight"] = self.in_flight_cpu()
        out["cpu"] = cpu(self.proc.pid)
        out["cpu_daemon"] = proc_stat(self.proc.pid, own=True)[0]
        out["t"] = time.time()
        return out

    def in_flight_cpu(self) -> float:
        """CPU the running crawls have spent so far: in the family's CPU already, in
        ``crawl_cpu`` only when they end. Without it, CPU outside the crawls read as
        0 to 6 ms per article from one run to the next, depending on what was running
        at the two snapshots. A worker no crawl_done has named yet is counted whole (its
        start-up, 10-20 ms, with its first crawl)."""
        total = 0.0
        for pid in workers(self.proc.pid):
            at_done = self.done_cpu.get(pid, 0.0)
            now = own_cpu(pid)
            if now is not None and at_done is not None:  # else exited: all was reported
                total += now - at_done
        return total

    def stop(self, timeout: float = 120) -> int:
        """SIGTERM, as systemd stops it; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """Kill it if it is still running (a bench that failed half-way)."""
        if self.proc.poll() is None:
            self.proc.kill()

    def paused(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` run while the daemon and all its processes are stopped."""
        pids = family(self.proc.pid)
        for pid in pids:
            _signal(pid, signal.SIGSTOP)
        try:
            return func(*args)
        finally:
            for pid in pids:
                _signal(pid, signal.SIGCONT)

    def wait(self, key: str, value: float, timeout: float = 600) -> dict[str, float]:
        """Wait until count ``key`` (from the daemon's log) reaches ``value``, then take a
        snapshot. Only the count is read while waiting: a snapshot reads every process
        in /proc, which 20 times a second would load the CPU being measured."""
        print(f"  waiting for {key} >= {value:.0f} ({self.counts[key]:.0f} now)",
              file=sys.stderr, flush=True)  # fmt: skip
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                reached = self.counts[key] >= value
            if reached:
                return self.snapshot()
            if self.proc.poll() is not None:
                raise SystemExit(f"the daemon exited with {self.proc.returncode}")
            time.sleep(0.05)
        raise SystemExit(f"timed out waiting for {key} >= {value}: {self.snapshot()}")


def scrapy_floor(site: Site, sources: int, batch: int) -> float:
    """CPU seconds per request of ``bench/bare_spider.py``: a spider with Scrapy's default
    settings asking every feed with its current ETag in crawls of ``batch`` (the daemon's
    average), doing nothing with the 304s; verifying certificates over https, as newshound
    does. The second pass counts: the first meets cold caches, as a crawl worker's first
    crawl does."""
    targets = [[f"{site.base(k)}/feeds/{k}.rss", site.feed_and_etag(k)[1]] for k in range(sources)]
    verify = ["--verify"] if site.scheme == "https" else []
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench/bare_spider.py"), "--batch", str(batch), *verify],
        input=json.dumps(targets), capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    seconds = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(seconds[-1]) / sources


def baseline(pages: list[bytes]) -> tuple[list[float], float]:
    """trafilatura's CPU seconds: per page with its defaults, and per page on average with
    ``fast=True`` (one warm-up call first, as the crawl workers are warm too)."""
    texts = [page.decode("utf-8") for page in pages]
    extract_seconds(texts[0])
    fast = sum(extract_seconds(text, fast=True) for text in texts) / len(texts)
    return [extract_seconds(text) for text in texts], fast


def extract_seconds(text: str, **options: object) -> float:
    """CPU seconds of one ``trafilatura.extract`` (this thread's, so the bench's HTTP
    server threads are not counted)."""
    import trafilatura

    start = time.thread_time()
    trafilatura.extract(text, **options)
    return time.thread_time() - start


class PhaseSampler(threading.Thread):
    """trafilatura on one page at a time while the article phase runs, the daemon paused
    for each (``Daemon.paused``): how fast the machine is while the articles are
    processed. Each sample is read against the same page's time in the baselines taken
    before and after, so the pages sampled need not be average ones."""

    def __init__(self, daemon: Daemon, pages: list[bytes], interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.daemon_, self.texts, self.interval = daemon, [p.decode() for p in pages], interval
        self.samples: list[tuple[int, float]] = []  # (page, seconds)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            i = len(self.samples) % len(self.texts)
            self.samples.append((i, self.daemon_.paused(self._sample, i)))

    def _sample(self, i: int) -> float:
        """Page ``i``, timed after an untimed page: a page just after the daemon ran meets
        cold caches, which the back-to-back baselines never do."""
        extract_seconds(self.texts[i - 1])
        return extract_seconds(self.texts[i])

    def speed(self, reference: list[float]) -> float:
        """The median of sample / reference time of the same page (1.0: as in the
        reference; 1.2: the machine was 20% slower during the phase); 1.0 without samples."""
        if not self.samples:
            return 1.0
        return float(np.median([t / reference[i] for i, t in self.samples]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--new", type=int, default=100, help="new articles in the article phase")
    ap.add_argument("--interval", default="2s")
    ap.add_argument("--https", action="store_true", help="feeds over TLS, verified")
    args = ap.parse_args()
    n = args.sources
    pages = real_pages(args.new)
    site = Site(n, bench_tls(Path(tempfile.mkdtemp())) if args.https else None)
    daemon = Daemon(bench_config(site, n, args.interval))
    started = time.time()
    try:
        # Warm-up: two cycles (the first one parses each empty feed once).
        daemon.wait("polls", 2 * n)
        # Unchanged: five cycles of 304s.
        a = daemon.wait("unchanged", daemon.snapshot()["unchanged"] + 1)
        connections = site.connections
        b = daemon.wait("unchanged", a["unchanged"] + 5 * n)
        connections = site.connections - connections
        assert b["parsed"] == a["parsed"], "feeds changed during the unchanged phase"
        per_unchanged = (b["cpu"] - a["cpu"]) / (b["unchanged"] - a["unchanged"])
        batch = (b["unchanged"] - a["unchanged"]) / max(1, b["crawls"] - a["crawls"])
        # Scrapy alone on the same requests, right after, with the daemon stopped.
        floor = daemon.paused(scrapy_floor, site, n, max(1, round(batch)))
        daemon_share = (b["cpu_daemon"] - a["cpu_daemon"]) / (b["unchanged"] - a["unchanged"])
        in_crawls = (b["crawl_cpu"] - a["crawl_cpu"]) / (b["unchanged"] - a["unchanged"])
        # New articles: one new item on each of --new feeds.
        print(f"CPU per unchanged source (304): {per_unchanged * 1000:.2f} ms", file=sys.stderr)
        # trafilatura on the same pages, with the daemon's processes stopped (SIGSTOP) so
        # that nothing competes for the CPU: just before the article phase and just after
        # it, and one page at a time during it (PhaseSampler), which says how fast the
        # machine was while the articles were processed.
        baselines = [daemon.paused(baseline, pages)]
        sampler = PhaseSampler(daemon, pages)
        c = daemon.snapshot()
        sampler.start()
        site.publish(list(range(0, n, max(1, n // args.new)))[: args.new], pages)
        d = daemon.wait("stored", c["stored"] + len(pages))  # crawl_done: the crawls ended
        sampler.done.set()
        sampler.join()
        stored = d["stored"] - c["stored"]
        # Per article, inside the crawls: a least-squares fit of each crawl's CPU (as its
        # worker measured it) on its unchanged and stored counts, over every crawl since
        # the 304 phase began. Subtracting the 304s from the whole phase's CPU instead
        # made the figure swing by half: ~2,000 of them at a rate known to +-10% is
        # +-4 ms per article. Outside the crawls (worker start-ups, the daemon), what the
        # article phase spent beyond the 304 phase's rate is added.
        crawls = np.array(daemon.crawl_log[int(a["crawls"]) : int(d["crawls"])])
        fit = np.column_stack([crawls[:, 1], crawls[:, 2], np.ones(len(crawls))])
        inside = float(np.linalg.lstsq(fit, crawls[:, 0], rcond=None)[0][1])

        def outside_crawls(x: dict[str, float], y: dict[str, float]) -> float:
            crawls = (y["crawl_cpu"] - x["crawl_cpu"]) + (y["in_flight"] - x["in_flight"])
            return (y["cpu"] - x["cpu"]) - crawls

        outside_rate = outside_crawls(a, b) / (b["unchanged"] - a["unchanged"])
        outside = outside_crawls(c, d)
        outside -= outside_rate * (d["unchanged"] - c["unchanged"])
        outside_daemon = (d["cpu_daemon"] - c["cpu_daemon"]) - daemon_share * (
            d["unchanged"] - c["unchanged"]
        )
        per_article = inside + max(0.0, outside) / stored
        delta = ((d["cpu"] - c["cpu"]) - (d["unchanged"] - c["unchanged"]) * per_unchanged) / stored
        baselines.append(daemon.paused(baseline, pages))
        # Memory: the daemon's RSS at cycle 20 and at the last cycle.
        rss = {}
        for cycle in sorted({min(20, args.cycles), args.cycles}):
            daemon.wait("polls", cycle * n, timeout=3600)
            rss[cycle] = (
                rss_mb(daemon.proc.pid),
                sum(rss_mb(p) for p in family(daemon.proc.pid)[1:]),
            )
        code = daemon.stop()
    finally:
        daemon.kill()
        site.close()
    first, last = rss[min(rss)], rss[max(rss)]
    print(
        f"sources {n}, cycles {args.cycles}, wall {time.time() - started:.0f} s, "
        f"SIGTERM exit {code}"
    )
    print(f"CPU per unchanged source (304):  {per_unchanged * 1000:.2f} ms   (bar <= 2 ms)")
    print(f"  of which inside the crawls:    {in_crawls * 1000:.2f} ms (as the workers measure)")
    print(f"  of which the daemon process:   {daemon_share * 1000:.2f} ms "
          f"(crawls: {batch:.0f} sources each on average, in "
          f"{b['workers'] - a['workers']:.0f} new workers and those already warm)")  # fmt: skip
    print(f"  over {site.scheme}: {(b['unchanged'] - a['unchanged']) / connections:.1f} polls "
          f"per connection the server accepted")  # fmt: skip
    print(f"  a Scrapy spider doing nothing: {floor * 1000:.2f} ms per 304 (Scrapy's defaults, "
          f"same requests and crawl size, just after): newshound "
          f"{per_unchanged / floor:.2f}x of it")  # fmt: skip
    print(f"CPU per new article:             {per_article * 1000:.1f} ms")
    print(f"  inside the crawls:             {inside * 1000:.1f} ms (fit over {len(crawls)} "
          f"crawls)")  # fmt: skip
    print(f"  outside, per article:          {max(0.0, outside) / stored * 1000:.1f} ms "
          f"({d['workers'] - c['workers']:.0f} workers started meanwhile; the daemon "
          f"process {outside_daemon / stored * 1000:.1f} ms)")  # fmt: skip
    print(f"  (whole phase minus its 304s:   {delta * 1000:.1f} ms)")
    size = sum(map(len, pages)) / len(pages) / 1024
    print(f"article pages: {len(pages)} real pages, mean {size:.0f} KB (served gzipped)")
    reference = [(x + y) / 2 for x, y in zip(baselines[0][0], baselines[1][0], strict=True)]
    speed = sampler.speed(reference)
    traf = speed * sum(reference) / len(reference)
    traf_fast = speed * sum(b[1] for b in baselines) / len(baselines)
    before, after = (np.mean(b[0]) * 1000 for b in baselines)
    print(f"trafilatura.extract(html):       {traf * 1000:.1f} ms per page (defaults, during "
          f"the article phase)")  # fmt: skip
    print(f"  {len(sampler.samples)} pages sampled in the phase took {speed:.2f}x their time "
          f"before ({before:.1f} ms per page) and after ({after:.1f} ms) it")  # fmt: skip
    print(f"  ratio:                         {per_article / traf:.2f}x   (bar <= 1.5x)")
    print(f"  ratio to the before/after mean: {per_article / (traf / speed):.2f}x   (the "
          f"machine's speed outside the phase)")  # fmt: skip
    print(f"trafilatura.extract(fast=True):  {traf_fast * 1000:.1f} ms per page")
    print(f"  ratio:                         {per_article / traf_fast:.2f}x   (for reference)")
    for cycle, (own, kids) in sorted(rss.items()):
        print(f"daemon RSS at cycle {cycle:>3}:         {own:.1f} MB "
              f"(fork server and workers {kids:.1f} MB)")  # fmt: skip
    print(f"  change {min(rss)} -> {max(rss)}:              "
          f"{(last[0] - first[0]) / first[0] * 100:+.1f}%   (bar within +-10%)")  # fmt: skip


if __name__ == "__main__":
    main()
