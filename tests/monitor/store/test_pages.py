"""A source's own pages: discovered feeds and itself as a sitemap index, read once a crawl."""

from __future__ import annotations

import time
from pathlib import Path

from monitor.store import open_database
from monitor.store.pages import discovered_feed, own_pages, record_page


def test_a_crawl_reads_each_sources_own_pages_and_its_newest_fresh_feed(tmp_path: Path) -> None:
    db = open_database(tmp_path / "news.db")
    record_page(db, "Herald", "https://herald.example/old.xml", "feed")
    db.execute("UPDATE source_pages SET found = ? WHERE url LIKE '%old.xml'", [time.time() - 50])
    record_page(db, "Herald", "https://herald.example/feed.xml", "feed", etag='"a"')
    record_page(db, "Maps", "https://maps.example/index.xml", "sitemapindex")
    record_page(db, "Maps", "https://maps.example/child-1.xml", "sitemap")
    record_page(db, "Gone", "https://gone.example/feed.xml", "feed")

    pages = own_pages(db, {"Herald", "Maps"})

    assert set(pages) == {"Herald", "Maps"}  # not a source this crawl does not poll
    assert list(pages["Maps"]) == ["https://maps.example/index.xml"]  # no sitemap children
    assert pages["Maps"]["https://maps.example/index.xml"].role == "sitemapindex"
    assert pages["Herald"]["https://herald.example/feed.xml"].etag == '"a"'
    assert discovered_feed(pages["Herald"], 3600) == "https://herald.example/feed.xml"
    assert discovered_feed(pages["Herald"], 10) == "https://herald.example/feed.xml"
    db.execute("UPDATE source_pages SET found = ? WHERE source = 'Herald'", [time.time() - 50])
    assert discovered_feed(own_pages(db, {"Herald"})["Herald"], 10) is None  # too old
    assert discovered_feed(pages["Maps"], 3600) is None
    db.close()
