"""A feed item with no link is matched and stored on its own text, once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite, Reply

FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>http://example.invalid/</link>
<item><title>Putin speaks on sanctions</title>
<description>Vladimir Putin said new sanctions would not change course.</description></item>
<item><title>Putin speaks on sanctions</title>
<description>Vladimir Putin said new sanctions would not change course.</description></item>
<item><title>Weather</title><link>javascript:alert(1)</link>
<description>Rain later.</description></item>
</channel></rss>"""


def test_linkless_item_stored_from_feed_text(tmp_path: Path) -> None:
    with FixtureSite(tmp_path) as site:
        site.routes["/feed.xml"] = lambda _: Reply(
            200, FEED, {"Content-Type": "application/rss+xml"}
        )
        config = tmp_path / "newshound.toml"
        config.write_text(
            f'[storage]\npath = "news.db"\n[network]\nallow_private_addresses = true\n'
            f'[[sources]]\nname = "wire"\nurl = "{site.url("/feed.xml")}"\n'
            '[[terms]]\nname = "Putin"\naliases = ["Vladimir Putin"]\n'
            '[[terms]]\nname = "sanctions"\n'
        )
        for _ in range(2):
            result = run_crawl(config, timeout=120)
            assert result.returncode == 0, result.stderr[-3000:]
        assert "javascript" not in " ".join(r.path for r in site.requests)
    conn = sqlite3.connect(tmp_path / "news.db")
    try:
        rows = conn.execute("SELECT url, title, matched FROM articles").fetchall()
        terms = {t for (t,) in conn.execute("SELECT term FROM matches")}
    finally:
        conn.close()
    assert len(rows) == 1, rows
    url, title, matched = rows[0]
    assert url.startswith("urn:newshound:entry:") and title == "Putin speaks on sanctions"
    assert matched == 1 and terms == {"Putin", "sanctions"}


def test_html_summary_of_a_pageless_item_is_matched_on_its_text() -> None:
    """trafilatura finds no article in a two-paragraph fragment; the feed's text must
    still reach the matcher, paragraphs kept apart so words do not run together."""
    from scraper.items import FeedEntry
    from scraper.pipelines import _cleaned_from_feed

    entry = FeedEntry(
        source="wire", url="urn:x", link="", title="Talks",
        summary="<p>Talks on &quot;sanctions&quot; ended.</p><p>Xi Jinping spoke.</p>",
    )  # fmt: skip
    text = _cleaned_from_feed(entry).text
    assert 'Talks on "sanctions" ended.' in text and "Xi Jinping spoke." in text
    assert "ended.Xi" not in text
