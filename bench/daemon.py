"""Benchmark: one ``newshound run`` daemon polling 1,000 loopback feeds, cycle after cycle.

Prints, with the bars of DESIGN.md:
- CPU per unchanged source (a conditional GET answered 304)          bar <= 2 ms
- CPU per new article (feed parse, page fetch, clean, match, store),
  relative to trafilatura's extraction alone on the same pages,
  measured in the same run                                            bar <= 1.5x
- the daemon's RSS at cycles 20 and 200 (a cycle = 1,000 polls)       bar within +-10%

CPU is the daemon's plus its fork server's and the crawl children's (reaped by the fork
server, so counted in its cumulative children time), read from /proc. The feeds are
spread over 50 loopback addresses (127.0.0.2-51) so Scrapy's per-host politeness
applies as it would on the open web. Nothing leaves 127.0.0.0/8.

    python bench/daemon.py                 # 200 cycles (a few minutes)
    python bench/daemon.py --cycles 30     # quicker; RSS compared at cycles 20 and 30
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTS = 50
CLK = os.sysconf("SC_CLK_TCK")


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"></head><body>
<header><nav><a href="{base}/">Home</a> <a href="{base}/world">World</a>
<a href="{base}/business">Business</a> <a href="{base}/about">About us</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Staff Reporter</p>{paras}</article>
<aside><h2>Related stories</h2><ul><li><a href="{base}/a">Markets rally on rate hopes</a></li>
<li><a href="{base}/b">Storm closes roads in the north</a></li></ul></aside></main>
<footer><p>Subscribe to our newsletter</p><p>© 2026 Bench News</p></footer></body></html>"""


def _sentence(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choices(words, k=rng.randint(12, 25))).capitalize()


class Site:
    """Feeds at http://127.0.0.N:P/feeds/K.rss, ETag/304; article pages from the fixtures."""

    def __init__(self, sources: int) -> None:
        self.sources = sources
        self.items: dict[int, list[str]] = {k: [] for k in range(sources)}
        self.pages: dict[str, bytes] = {}
        self.published = formatdate(usegmt=True)
        self.lock = threading.Lock()
        self.servers: list[ThreadingHTTPServer] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                status, body, headers = site.answer(self.path, self.headers.get("If-None-Match"))
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
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def base(self, k: int) -> str:
        host, port = self.servers[k % HOSTS].server_address[:2]
        return f"http://{host}:{port}"

    def feed(self, k: int) -> bytes:
        items = "".join(
            f"<item><title>{t}</title><link>{self.base(k)}/articles/{k}-{n}.html</link>"
            f"<guid>{self.base(k)}/articles/{k}-{n}.html</guid>"
            f"<pubDate>{self.published}</pubDate></item>"
            for n, t in enumerate(self.items[k])
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {k}</title>'
            f"<link>{self.base(k)}/</link><description>bench</description>{items}"
            "</channel></rss>"
        ).encode()

    def answer(self, path: str, inm: str | None) -> tuple[int, bytes, dict[str, str]]:
        if path.startswith("/feeds/"):
            with self.lock:
                body = self.feed(int(path.split("/")[-1].split(".")[0]))
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if inm == etag:
                return 304, b"", {"ETag": etag}
            return 200, body, {"Content-Type": "application/rss+xml", "ETag": etag}
        page = self.pages.get(path)
        if page is not None:
            return 200, page, {"Content-Type": "text/html; charset=utf-8"}
        return 404, b"not found", {"Content-Type": "text/plain"}

    def publish(self, feeds: list[int], words: list[str]) -> list[bytes]:
        """One new article on each of ``feeds``; returns the page bodies.

        Each page is a news page (navigation, article, related links, footer) whose ~600
        words are drawn at random from the fixture articles' vocabulary, so no two are
        near-duplicates of each other (the store would fold those together).
        """
        bodies = []
        with self.lock:
            for k in feeds:
                n = len(self.items[k])
                rng = random.Random(k * 1000 + n)
                title = f"Putin and Xi meet again, report {k}-{n}"
                paras = "".join(
                    "<p>" + ". ".join(_sentence(rng, words) for _ in range(4)) + ".</p>"
                    for _ in range(8)
                )
                page = PAGE.format(title=title, paras=paras, base=self.base(k)).encode()
                self.pages[f"/articles/{k}-{n}.html"] = page
                self.items[k].append(title)
                bodies.append(page)
        return bodies

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()


def proc_stat(pid: int) -> tuple[float, int]:
    """(CPU seconds incl. reaped children, ppid)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK, int(fields[1])


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def family(pid: int) -> list[int]:
    """The daemon and its direct children (the fork server)."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if proc_stat(int(entry))[1] == pid:
                    kids.append(int(entry))
            except (OSError, IndexError):
                pass
    return [pid, *kids]


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
        self.counts = {"polls": 0, "unchanged": 0, "parsed": 0, "failed": 0, "stored": 0}
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
                    for key in ("unchanged", "parsed", "failed"):
                        self.counts[key] += e.get(f"source_{key}", 0)
                        self.counts["polls"] += e.get(f"source_{key}", 0)
                    self.counts["stored"] += e.get("store_stored", 0)
            elif e.get("level") in ("warning", "error") and e.get("event") != "crawl_log":
                print("daemon:", line.rstrip(), file=sys.stderr)

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            out: dict[str, float] = dict(self.counts)
        out["cpu"] = cpu(self.proc.pid)
        out["t"] = time.time()
        return out

    def wait(self, key: str, value: float, timeout: float = 600) -> dict[str, float]:
        print(f"  waiting for {key} >= {value:.0f} ({self.snapshot()[key]:.0f} now)",
              file=sys.stderr, flush=True)  # fmt: skip
        deadline = time.time() + timeout
        while time.time() < deadline:
            snap = self.snapshot()
            if snap[key] >= value:
                return snap
            if self.proc.poll() is not None:
                raise SystemExit(f"the daemon exited with {self.proc.returncode}")
            time.sleep(0.05)
        raise SystemExit(f"timed out waiting for {key} >= {value}: {self.snapshot()}")


def trafilatura_seconds(pages: list[bytes]) -> float:
    import trafilatura

    start = time.process_time()
    for page in pages:
        trafilatura.extract(page.decode("utf-8"), include_comments=False)
    return (time.process_time() - start) / len(pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--new", type=int, default=100, help="new articles in the article phase")
    ap.add_argument("--interval", default="2s")
    args = ap.parse_args()
    n = args.sources
    text = " ".join(p.read_text("utf-8") for p in (ROOT / "fixtures/site/articles").glob("*.html"))
    words = sorted(
        set(re.findall(r"(?<![<&/=\w])[a-z]{3,12}(?![\w>=])", re.sub(r"<[^>]+>", " ", text)))
    )
    site = Site(n)
    tmp = Path(tempfile.mkdtemp(prefix="newshound-bench-"))
    sources = "".join(f'[[sources]]\nname = "feed {k}"\nurl = "{site.base(k)}/feeds/{k}.rss"\n'
                      f'interval = "{args.interval}"\n' for k in range(n))  # fmt: skip
    config = tmp / "newshound.toml"
    config.write_text(
        f'[storage]\npath = "{tmp / "bench.db"}"\n[network]\nallow_private_addresses = true\n'
        '[daemon]\ntick = "1s"\n[[terms]]\nname = "Putin"\n[[terms]]\nname = "Xi"\n'
        '[[terms]]\nname = "sanctions"\n' + sources, encoding="utf-8",
    )  # fmt: skip
    daemon = Daemon(config)
    started = time.time()
    try:
        # Warm-up: two cycles (the first one parses each empty feed once).
        daemon.wait("polls", 2 * n)
        # Unchanged: five cycles of 304s.
        a = daemon.wait("unchanged", daemon.snapshot()["unchanged"] + 1)
        b = daemon.wait("unchanged", a["unchanged"] + 5 * n)
        assert b["parsed"] == a["parsed"], "feeds changed during the unchanged phase"
        per_unchanged = (b["cpu"] - a["cpu"]) / (b["unchanged"] - a["unchanged"])
        # New articles: one new item on each of --new feeds.
        c = daemon.snapshot()
        print(f"CPU per unchanged source (304): {per_unchanged * 1000:.2f} ms", file=sys.stderr)
        pages = site.publish(list(range(0, n, max(1, n // args.new)))[: args.new], words)
        d = daemon.wait("stored", c["stored"] + len(pages))
        d = daemon.wait("polls", d["polls"] + n // 2)  # let the cycle around them end
        extra = (d["cpu"] - c["cpu"]) - (d["unchanged"] - c["unchanged"]) * per_unchanged
        per_article = extra / (d["stored"] - c["stored"])
        traf = trafilatura_seconds(pages)
        # Memory: the daemon's RSS at cycle 20 and at the last cycle.
        rss = {}
        for cycle in sorted({min(20, args.cycles), args.cycles}):
            daemon.wait("polls", cycle * n, timeout=3600)
            rss[cycle] = (
                rss_mb(daemon.proc.pid),
                sum(rss_mb(p) for p in family(daemon.proc.pid)[1:]),
            )
        daemon.proc.send_signal(signal.SIGTERM)
        code = daemon.proc.wait(60)
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
        site.close()
    first, last = rss[min(rss)], rss[max(rss)]
    print(
        f"sources {n}, cycles {args.cycles}, wall {time.time() - started:.0f} s, "
        f"SIGTERM exit {code}"
    )
    print(f"CPU per unchanged source (304):  {per_unchanged * 1000:.2f} ms   (bar <= 2 ms)")
    print(f"CPU per new article:             {per_article * 1000:.1f} ms")
    print(f"trafilatura.extract alone:       {traf * 1000:.1f} ms per page")
    print(f"  ratio:                         {per_article / traf:.2f}x   (bar <= 1.5x)")
    for cycle, (own, kids) in sorted(rss.items()):
        print(f"daemon RSS at cycle {cycle:>3}:         {own:.1f} MB (fork server {kids:.1f} MB)")
    print(f"  change {min(rss)} -> {max(rss)}:              "
          f"{(last[0] - first[0]) / first[0] * 100:+.1f}%   (bar within +-10%)")  # fmt: skip


if __name__ == "__main__":
    main()
