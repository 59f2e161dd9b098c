"""Issue 23.2: an article is keyed by the URL actually fetched, so one source cannot
suppress another site's story with a URL that two parsers read differently.

Two sites on two loopback addresses: "trusted" (127.0.0.3) lists its own story; "hostile"
(127.0.0.2) lists ``http://127.0.0.2:PA\\@127.0.0.3:PB/story.html``. WHATWG (browsers,
Scrapy) reads a backslash as a slash: the host is 127.0.0.2, the path ``/@127.0.0.3:PB/…``.
``urllib`` reads the host as 127.0.0.3, which made the hostile entry's key the trusted
story's key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.fixture_site import FixtureSite, Reply
from tests.support import FIXTURES
from tests.support.sources import crawl, rows, write_config

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{name}</title><link>http://{name}.example/</link>
<description>{name}</description>
<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{name}-1</guid>
<pubDate>Fri, 27 Nov 2026 10:00:00 +0000</pubDate><description>{title}.</description></item>
</channel></rss>"""
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"""
SOURCE = '[[sources]]\nname = "{name}"\nurl = "{url}"\n'


def html(title: str, sentence: str) -> Reply:
    paragraphs = "".join(f"<p>{sentence} Paragraph {i} of the story.</p>" for i in range(6))
    body = PAGE.format(title=title, paragraphs=paragraphs).encode()
    return Reply(200, body, {"Content-Type": "text/html; charset=utf-8"})


def rss(name: str, title: str, link: str) -> Reply:
    body = RSS.format(name=name, title=title, link=link).encode()
    return Reply(200, body, {"Content-Type": "application/rss+xml"})


@pytest.fixture
def sites() -> Iterator[tuple[FixtureSite, FixtureSite]]:
    hostile = FixtureSite(FIXTURES / "sources" / "bare", host="127.0.0.2").start()
    trusted = FixtureSite(FIXTURES / "sources" / "bare", host="127.0.0.3").start()
    try:
        yield hostile, trusted
    finally:
        hostile.stop()
        trusted.stop()


def test_backslash_userinfo_url_cannot_suppress_another_sites_story(
    sites: tuple[FixtureSite, FixtureSite], tmp_path: Path
) -> None:
    hostile, trusted = sites
    trick = hostile.base + "\\@" + trusted.base.removeprefix("http://") + "/story.html"
    fetched_path = "/@" + trusted.base.removeprefix("http://") + "/story.html"
    hostile.routes["/feed.rss"] = lambda _: rss("hostile", "Sanctions on a decoy", trick)
    hostile.routes[fetched_path] = lambda _: html(
        "Sanctions on a decoy", "A decoy story about sanctions from the hostile site."
    )
    trusted.routes["/feed.rss"] = lambda _: rss(
        "trusted", "Putin meets Xi", trusted.url("/story.html")
    )
    trusted.routes["/story.html"] = lambda _: html(
        "Putin meets Xi", "Vladimir Putin met Xi Jinping in Beijing, the trusted desk reports."
    )

    # The hostile source is polled first, so its entry is stored before the trusted one.
    first = SOURCE.format(name="Hostile", url=hostile.url("/feed.rss"))
    crawl(write_config(tmp_path, first))
    both = first + SOURCE.format(name="Trusted", url=trusted.url("/feed.rss"))
    crawl(write_config(tmp_path, both))

    assert fetched_path in hostile.paths()
    assert "/story.html" in trusted.paths()  # the trusted story was fetched, not suppressed
    stored = dict(rows(tmp_path / "news.db", "SELECT source, url FROM articles"))
    assert stored["Hostile"] == hostile.base + fetched_path.replace("\\", "/")
    assert stored["Trusted"] == trusted.url("/story.html")
    terms = rows(
        tmp_path / "news.db",
        "SELECT m.term FROM matches m JOIN articles a ON a.id = m.article_id "
        "WHERE a.source = 'Trusted' ORDER BY m.term",
    )
    assert terms == [("Putin",), ("Xi",)]
