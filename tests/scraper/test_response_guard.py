"""body_too_large: each cap holds exactly at its limit, whatever the shortcuts skip."""

from __future__ import annotations

import socketserver
import threading
import time
from pathlib import Path

import pytest

from monitor.fixture_site import Reply
from scraper.middlewares.response_guard import BodyLimits, body_too_large
from tests.support.sources import crawl, rows, serve, write_config

LIMITS = BodyLimits(max_elements=10, max_text_run=40, max_text=60)


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        (b"<p>a</p>" * 10, None),
        (b"<p>a</p>" * 11, "too large: 11 elements (at most 10)"),
        # "<" that opens no element does not count towards the element cap
        (b"<p>" + b"a < b " * 12 + b"</p>", None),
        # a run is counted from the "<" before it: "p>" and the text
        (b"<p>" + b"x" * 38 + b"</p>", None),
        (b"<p>" + b"x" * 39 + b"</p>", "too large: a text node over 0.0 MiB"),
        # script text is not text, but the runs around it join up once it is gone
        (b"<p>" + b"x" * 30 + b"<script>" + b"y" * 100 + b"</script>" + b"x" * 11 + b"</p>",
         "too large: a text node over 0.0 MiB"),
        (b"<p>" + b"x" * 30 + b"<style>" + b"y" * 100 + b"</style></p>", None),
        ((b"<p>" + b"x" * 31 + b"</p>") * 2, "too large: 0.0 MiB of text (at most 0.0 MiB)"),
        ((b"<p>" + b"x" * 30 + b"</p>") * 2, None),
    ],
    ids=["elements-at-cap", "elements-over-cap", "less-than-signs-in-text", "run-at-cap",
         "run-over-cap", "run-joined-across-script", "style-text-ignored", "text-over-cap",
         "text-at-cap"],
)  # fmt: skip
def test_each_cap_holds_at_its_limit(body: bytes, verdict: str | None) -> None:
    assert body_too_large(body, LIMITS) == verdict


def test_no_text_cap_for_feeds() -> None:
    feed = BodyLimits(max_elements=10, max_text_run=40, max_text=0)
    assert body_too_large((b"<p>" + b"x" * 38 + b"</p>") * 3, feed) is None


def test_text_runs_do_not_hold_up_a_healthy_source_in_the_same_crawl(tmp_path: Path) -> None:
    """Issue 23.3: nine 200 KB text runs (under every cap) took the quadratic check about
    a minute, and every other source of the crawl waited behind it. The bound is ten times
    a normal crawl's time, far under the old cost."""
    runs = "".join(f"<item><title>Long {i}</title><description>{'x' * 200_000}</description>"
                   "</item>" for i in range(9))  # fmt: skip
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Runs</title>{runs}'
    with serve("wire/outlet-a", "wire/outlet-c") as (heavy, healthy):
        heavy.routes["/feed.rss"] = lambda _: Reply(
            200, (body + "</channel></rss>").encode(), {"Content-Type": "application/rss+xml"}
        )
        sources = (
            f'[[sources]]\nname = "Heavy"\nurl = "{heavy.url("/feed.rss")}"\n'
            f'[[sources]]\nname = "Healthy"\nurl = "{healthy.url("/feed.rss")}"\n'
        )
        started = time.monotonic()
        crawl(write_config(tmp_path, sources))
        took = time.monotonic() - started
        story = healthy.url("/news/putin-xi-pipeline.html")
    stored = rows(tmp_path / "news.db", "SELECT source, url FROM articles")
    assert ("Healthy", story) in stored
    assert len(stored) == 1 + 9  # the long items are read too: under every cap
    assert took < 30, f"the crawl took {took:.0f} s"


class EndlessFeed(socketserver.ThreadingTCPServer):
    """Answers every request with a feed that has no Content-Length and goes on for 8 MiB:
    Scrapy learns it is too large only while reading it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EndlessHandler)


class EndlessHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while self.rfile.readline().strip():
            pass
        try:
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                b"Connection: close\r\n\r\n<?xml version='1.0'?><rss><channel><title>x"
            )
            for _ in range(8 * 16):
                self.wfile.write(b"x" * 65536)
        except OSError:
            pass  # the client hung up at its limit: what the test wants


def test_a_feed_cut_off_at_the_size_limit_is_reported_too_large(tmp_path: Path) -> None:
    server = EndlessFeed()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.rss"
        crawl(write_config(tmp_path, f'[[sources]]\nname = "Endless"\nurl = "{url}"\n'))
    finally:
        server.shutdown()
        server.server_close()
    [(error,)] = rows(tmp_path / "news.db", "SELECT last_error FROM sources")
    assert error == "too large: the body passed 5.0 MiB and was cut off"
