"""robots.txt's Crawl-delay, which Scrapy does not apply (scrapy/scrapy#892), is kept
between the requests of a crawl to the site that asks for it (scraper/throttle.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from tests.support import crawl, write_config

STORIES = 5
PAGE = (
    "<html><head><title>Putin story</title></head><body><article><p>{}</p></article></body></html>"
)


def serve(site: FixtureSite, robots: str) -> list[float]:
    """The site's routes; returns the list that the time of each request (robots.txt
    aside) is appended to."""
    times: list[float] = []
    lock = threading.Lock()

    def timed(reply: Reply):  # type: ignore[no-untyped-def]
        def route(_: RequestRecord) -> Reply:
            with lock:
                times.append(time.monotonic())
            return reply

        return route

    items = "".join(
        f"<item><title>Putin story {i}</title><link>{site.base}/story/{i}.html</link></item>"
        for i in range(STORIES)
    )
    feed = f'<rss version="2.0"><channel><title>W</title>{items}</channel></rss>'.encode()
    site.routes["/robots.txt"] = lambda _: Reply(
        200, robots.encode(), {"Content-Type": "text/plain"}
    )
    site.routes["/feed.rss"] = timed(Reply(200, feed, {"Content-Type": "application/rss+xml"}))
    for i in range(STORIES):
        text = f"Vladimir Putin spoke about story {i} at length. " * 20
        site.routes[f"/story/{i}.html"] = timed(
            Reply(200, PAGE.format(text).encode(), {"Content-Type": "text/html; charset=utf-8"})
        )
    return times


@pytest.mark.parametrize(
    ("robots", "kept_apart"),
    [("User-agent: *\nCrawl-delay: 0.5\n", True), ("User-agent: *\nAllow: /\n", False)],
    ids=["crawl_delay", "none"],
)
def test_requests_to_a_site_are_kept_crawl_delay_apart(
    tmp_path: Path, robots: str, kept_apart: bool
) -> None:
    with FixtureSite(tmp_path / "site") as site:
        times = serve(site, robots)
        config = write_config(
            tmp_path, f'[[sources]]\nname = "W"\nurl = "{site.base}/feed.rss"\n',
            '[[terms]]\nname = "Putin"\n',
        )  # fmt: skip
        crawl(config)
    assert len(times) == 1 + STORIES  # the feed and every story
    # Scrapy sends them 0.5 s apart; when each arrives jitters on a loaded machine, so
    # the span of the five gaps is what is measured (90% of 5 x 0.5 s)
    span = times[-1] - times[0]
    if kept_apart:
        assert span >= 0.9 * STORIES * 0.5, times
    else:  # the same crawl without it goes faster: the test can tell
        assert span < 0.9 * STORIES * 0.5, times
