"""News sitemaps (kind = "sitemap"): indexes, <news:news> dates and titles, max_age."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from monitor.fixture_site import FixtureSite
from scraper.spiders.sitemaps import parse_sitemap
from tests.support.sources import crawl, rows, serve, serve_dated, write_config

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = 86400.0
NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example/a</loc>
    <news:news><news:publication_date>2026-11-28T09:00:00+01:00</news:publication_date>
    <news:title>Fresh story</news:title></news:news></url>
  <url><loc>https://news.example/b</loc><lastmod>2026-11-27</lastmod></url>
  <url><loc>https://news.example/old</loc>
    <news:news><news:publication_date>2026-10-01</news:publication_date></news:news></url>
  <url><loc>https://news.example/undated</loc></url>
</urlset>"""


def test_news_entries_newer_than_max_age_with_their_date_and_title() -> None:
    page = parse_sitemap(NEWS.encode(), "https://news.example/s.xml", "S", 2 * DAY, now=NOW)
    assert [(e.url, e.title, e.published) for e in page.entries] == [
        ("https://news.example/a", "Fresh story", "2026-11-28T08:00:00+00:00"),
        ("https://news.example/b", None, "2026-11-27T00:00:00+00:00"),
    ]
    assert page.skipped_old == 2 and not page.is_index


def test_index_lists_children_with_a_recent_or_no_lastmod() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>/news.xml</loc><lastmod>2026-11-28T10:00:00Z</lastmod></sitemap>
      <sitemap><loc>https://news.example/undated.xml</loc></sitemap>
      <sitemap><loc>https://news.example/2019.xml</loc><lastmod>2019-12-31</lastmod></sitemap>
    </sitemapindex>"""
    page = parse_sitemap(index, "https://news.example/index.xml", "S", 2 * DAY, now=NOW)
    assert page.is_index and not page.entries
    assert page.children == ["https://news.example/news.xml", "https://news.example/undated.xml"]


def test_entities_are_not_expanded_and_nothing_is_read_from_disk() -> None:
    hostile = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY passwd SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example/x</loc><news:news>
  <news:publication_date>2026-11-28</news:publication_date>
  <news:title>T &passwd; &a;</news:title></news:news></url></urlset>"""
    (entry,) = parse_sitemap(hostile, "https://news.example/s", "S", 2 * DAY, now=NOW).entries
    assert "root:" not in (entry.title or "") and "aaaa" not in (entry.title or "")


def test_gzipped_sitemap_file_is_read() -> None:
    page = parse_sitemap(
        gzip.compress(NEWS.encode()), "https://n.example/s.gz", "S", 2 * DAY, now=NOW
    )
    assert len(page.entries) == 2


def test_a_body_that_is_not_a_sitemap_is_an_error_naming_the_url() -> None:
    with pytest.raises(ValueError, match="not a sitemap .https://n.example/s"):
        parse_sitemap(b"<html><body>hi</body></html>", "https://n.example/s", "S", DAY)


# --- a real crawl of an index, a news sitemap and an old archive -------------------------

SOURCE = """
[[sources]]
name = "Sitemap Times"
url = "{base}/sitemap_index.xml"
kind = "sitemap"
"""


@pytest.fixture(scope="module")
def times(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureSite, Path]]:
    folder = tmp_path_factory.mktemp("sitemap")
    with serve("sitemap") as (site,):
        for path in ("/sitemap_index.xml", "/sitemaps/news.xml", "/sitemaps/archive-2025.xml"):
            serve_dated(site, path)
        config = write_config(folder, SOURCE.format(base=site.base))
        crawl(config)
        yield site, config


def test_recent_news_entries_stored_old_ones_and_old_sitemaps_never_fetched(
    times: tuple[FixtureSite, Path],
) -> None:
    site, config = times
    got = rows(config.parent / "news.db", "SELECT url, title FROM articles ORDER BY url")
    assert [(urlsplit(u).path, t) for u, t in got] == [
        ("/articles/rail-freight.html", "Rail freight volumes rise for a third month"),
        ("/articles/xi-port-deal.html", "Xi signs port deal with coastal provinces"),
    ]
    assert "/articles/old-summit.html" not in site.paths()
    assert "/sitemaps/archive-2025.xml" not in site.paths()


def test_next_poll_asks_the_child_sitemap_conditionally(times: tuple[FixtureSite, Path]) -> None:
    site, config = times
    before = len(site.requests)
    crawl(config)
    again = site.requests[before:]
    assert [r.path for r in again if r.path.startswith("/sitemap")] == [
        "/sitemap_index.xml", "/sitemaps/news.xml",
    ]  # fmt: skip
    child = next(r for r in again if r.path == "/sitemaps/news.xml")
    assert "If-None-Match" in child.headers
    assert not [r for r in again if r.path.startswith("/articles/")]
