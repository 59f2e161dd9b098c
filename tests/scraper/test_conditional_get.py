"""An unchanged feed is not parsed again, even when it says it was built just now."""

from __future__ import annotations

import itertools
from email.utils import formatdate
from pathlib import Path

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite, Reply
from scraper.middlewares.conditional_get import body_digest
from tests.support import SITE
from tests.support.sources import write_config

WORLD = (SITE / "feeds" / "world.rss").read_bytes()
ITEM = b"<item><title>Putin and Xi meet again</title><link>https://news.example/a</link></item>"


def rebuilt(feed: bytes, n: int) -> bytes:
    """``feed`` as a generator serves it on request ``n``: built now, a cache comment."""
    built = f"<lastBuildDate>{formatdate(1_790_000_000 + n, usegmt=True)}</lastBuildDate>"
    fixed = b"<lastBuildDate>Fri, 27 Nov 2026 12:05:00 +0000</lastBuildDate>"
    assert fixed in feed, "the fixture feed's build time changed: update this test"
    feed = feed.replace(fixed, built.encode())
    return feed + f"\n<!-- Dynamic page generated in 0.{n:03d} seconds. -->\n".encode()


def test_the_digest_leaves_out_build_times_and_comments_not_entries() -> None:
    assert body_digest(rebuilt(WORLD, 1)) == body_digest(rebuilt(WORLD, 2))
    atom = b"<feed><updated>2026-11-29T10:00:00Z</updated><entry><id>1</id></entry></feed>"
    assert body_digest(atom) == body_digest(atom.replace(b"10:00", b"11:00"))
    assert body_digest(rebuilt(WORLD, 1)) != body_digest(
        rebuilt(WORLD.replace(b"<item>", ITEM + b"<item>", 1), 1)
    )
    retitled = WORLD.replace(b"deep-sea corals off", b"deep-sea corals near")
    assert body_digest(WORLD) != body_digest(retitled)


def test_a_feed_rebuilt_on_every_request_is_parsed_only_when_its_entries_change(
    tmp_path: Path,
) -> None:
    requests = itertools.count()
    body = {"feed": WORLD}
    with FixtureSite(SITE) as site:
        site.routes["/feeds/world.rss"] = lambda _: Reply(
            200, rebuilt(body["feed"].replace(b"{BASE}", site.base.encode()), next(requests)),
            {"Content-Type": "application/rss+xml"},  # no ETag, no Last-Modified
        )  # fmt: skip
        url = site.url("/feeds/world.rss")
        config = write_config(tmp_path, f'[[sources]]\nname = "World"\nurl = "{url}"\n')
        logs = []
        for feed in (WORLD, WORLD, WORLD.replace(b"<item>", ITEM + b"<item>", 1)):
            body["feed"] = feed
            result = run_crawl(config, timeout=120)
            assert result.returncode == 0, result.stderr[-3000:]
            logs.append(result.stderr)
    parsed = ["source='World' entries=" in log for log in logs]
    assert parsed == [True, False, True]
    assert "'newshound/conditional_get/same_body': 1" in logs[1]
