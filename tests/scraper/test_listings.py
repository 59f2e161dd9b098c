"""Listing pages (kind = "page"): CSS/XPath item rules, pagination, conditional GET."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from monitor.config import SourceConfig
from monitor.fixture_site import FixtureSite, Reply
from scraper.spiders.listings import is_xpath, parse_listing
from tests.support.sources import SOURCES, crawl, rows, serve, write_config

BASE = "http://news.example"
PAGE1 = (SOURCES / "listing/news/index.html").read_bytes().replace(b"{BASE}", BASE.encode())


def listing(**rules: object) -> SourceConfig:
    return SourceConfig(name="Gazette", url=f"{BASE}/news/", kind="page", **rules)  # type: ignore[arg-type]


def response() -> HtmlResponse:
    return HtmlResponse(f"{BASE}/news/index.html", body=PAGE1, encoding="utf-8")


@pytest.mark.parametrize(
    "item",
    ["article.teaser", "article.teaser h2 a", "ul.headlines a::attr(href)",
     "//ul[@class='headlines']/li/a", "(//article[@class='teaser'])", "//article//h2/a/@href"],
    ids=["css-container", "css-link", "css-attr", "xpath-link", "xpath-paren", "xpath-attr"],
)  # fmt: skip
def test_item_rules_in_css_and_xpath_find_the_same_links(item: str) -> None:
    page = parse_listing(response(), listing(item=item))
    assert [urlsplit(e.url).path for e in page.entries] == [
        "/articles/harbour-reopens.html", "/articles/putin-visit.html",
        "/articles/tram-line.html",
    ]  # fmt: skip
    assert all(e.source == "Gazette" and e.link.startswith(BASE) for e in page.entries)


def test_title_and_date_read_inside_each_item_and_tracking_dropped() -> None:
    page = parse_listing(response(), listing(item="article.teaser", title="h2", date="time"))
    first, second = page.entries[:2]
    assert first.title == "Harbour reopens after storm repairs"
    assert first.published == "2026-11-27T09:00:00+00:00"
    assert second.url == f"{BASE}/articles/putin-visit.html"
    assert "utm_source" in second.link


def test_link_text_is_the_title_without_a_title_rule() -> None:
    page = parse_listing(response(), listing(item="ul.headlines a"))
    assert page.entries[2].title == "New tram line opens to passengers"


def test_next_page_link_by_css_or_xpath() -> None:
    for follow in ("a[rel=next]", "//nav[@class='pager']/a/@href"):
        page = parse_listing(response(), listing(item="article.teaser", follow=follow))
        assert page.next_url == f"{BASE}/news/page2.html"


def test_selector_that_matches_nothing_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="div.story"):
        parse_listing(response(), listing(item="div.story"))


def test_selector_that_does_not_compile_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"XPath selector '//a\[' is not valid"):
        parse_listing(response(), listing(item="//a["))
    with pytest.raises(ValueError, match="CSS selector"):
        parse_listing(response(), listing(item="a[["))


def test_xpath_is_told_by_its_first_character() -> None:
    assert is_xpath("//a") and is_xpath("(//a)[1]") and is_xpath("./a")
    assert not is_xpath("a.x") and not is_xpath("article > h2 a")


# --- a real crawl --------------------------------------------------------------------------

SOURCE = """
[[sources]]
name = "Gazette"
url = "{base}/news/"
kind = "page"
item = "article.teaser"
title = "h2"
date = "time"
follow = "a[rel=next]"
max_pages = 2
"""


@pytest.fixture(scope="module")
def gazette(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureSite, Path]]:
    folder = tmp_path_factory.mktemp("listing")
    with serve("listing") as (site,):
        config = write_config(folder, SOURCE.format(base=site.base))
        crawl(config)
        yield site, config


def stored_paths(config: Path) -> set[str]:
    urls = rows(config.parent / "news.db", "SELECT url FROM articles")
    return {urlsplit(u).path for (u,) in urls}


def test_articles_of_the_first_max_pages_pages_are_stored(
    gazette: tuple[FixtureSite, Path],
) -> None:
    site, config = gazette
    assert stored_paths(config) == {
        "/articles/harbour-reopens.html", "/articles/putin-visit.html",
        "/articles/tram-line.html", "/articles/library-award.html",
        "/articles/sanctions-shipping.html",
    }  # fmt: skip
    assert "/news/page3.html" not in site.paths()
    assert "/articles/old-bridge.html" not in site.paths()


def test_listed_articles_go_through_clean_and_match(gazette: tuple[FixtureSite, Path]) -> None:
    _, config = gazette
    got = rows(
        config.parent / "news.db",
        "SELECT a.url, a.published, m.term FROM articles a JOIN matches m ON m.article_id = a.id",
    )
    by_path = {urlsplit(u).path: (p, t) for u, p, t in got}
    assert by_path["/articles/putin-visit.html"] == ("2026-11-27T08:00:00+00:00", "Putin")
    assert by_path["/articles/sanctions-shipping.html"][1] == "sanctions"


def test_unchanged_listing_is_not_parsed_or_paginated_again(
    gazette: tuple[FixtureSite, Path],
) -> None:
    site, config = gazette
    before = len(site.requests)
    crawl(config)
    again = site.requests[before:]
    pages = [r for r in again if r.path.startswith("/news/")]
    assert [r.path for r in pages] == ["/news/"]
    assert "If-None-Match" in pages[0].headers
    assert not [r for r in again if r.path.startswith("/articles/")]


def test_a_listing_page_cut_off_inside_a_meta_tag_is_still_read(tmp_path: Path) -> None:
    """w3lib's encoding prescan panics on a short body with no declared charset that ends
    in "<meta" (a page cut off mid-tag); the page's stories are stored all the same."""
    cut = (b'<html><body><article class="teaser"><h2><a href="/articles/putin-visit.html">'
           b"Visit</a></h2></article>\n<META")  # fmt: skip
    with serve("listing") as (site,):
        site.routes["/news/"] = lambda _: Reply(200, cut, {"Content-Type": "text/html"})
        crawl(write_config(tmp_path, SOURCE.format(base=site.base)))
    stored = rows(tmp_path / "news.db", "SELECT url FROM articles")
    assert [urlsplit(u).path for (u,) in stored] == ["/articles/putin-visit.html"]
    assert rows(tmp_path / "news.db", "SELECT last_error FROM sources") == [(None,)]
