"""Discovery: a homepage given as a source is polled through its feed; newshound add."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.cli.add import discovery_crawl
from monitor.config import load_config
from monitor.fixture_site import FixtureSite, Reply
from scraper.spiders.discovery import body_kind, feed_links
from tests.support import SITE
from tests.support.sources import crawl, rows, serve, write_config


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'<?xml version="1.0"?>\n<rss version="2.0">', "feed"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><!-- hi --><feed xmlns='x'>", "feed"),
        (b"<rdf:RDF xmlns:rdf='r'>", "feed"),
        (b"<?xml version='1.0'?><?xml-stylesheet href='s.xsl'?><urlset>", "sitemap"),
        (b"<sitemapindex xmlns='x'>", "sitemap"),
        (b' \n{"version": "https://jsonfeed.org/version/1.1"}', "json"),
        (b"<!DOCTYPE html><html><head>", "html"),
        (b"<html lang=en>", "html"),
        (b"plain words", "html"),
    ],
    ids=[
        "rss",
        "atom-bom-comment",
        "rdf",
        "sitemap-pi",
        "index",
        "json",
        "doctype",
        "html",
        "text",
    ],
)
def test_body_kind_is_told_by_the_first_element(body: bytes, kind: str) -> None:
    assert body_kind(body) == kind


def test_feed_links_announced_by_the_page_comment_feeds_last() -> None:
    page = b"""<html><head><base href="https://news.example/en/">
    <link rel="alternate" type="application/rss+xml" href="comments/feed/">
    <link rel="alternate" type="application/atom+xml" href="/atom.xml">
    <link rel="alternate" type="application/feed+json" href="feed.json">
    <link rel="alternate" hreflang="de" href="/de/">
    <link rel="stylesheet" type="text/css" href="/s.css">
    <link rel="alternate" type="application/rss+xml" href="javascript:x()">
    </head></html>"""
    assert feed_links(page, "https://news.example/") == [
        "https://news.example/atom.xml", "https://news.example/en/feed.json",
        "https://news.example/en/comments/feed/",
    ]  # fmt: skip


# --- crawls ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def herald(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureSite, Path]]:
    folder = tmp_path_factory.mktemp("homepage")
    with serve("homepage") as (site,):
        config = write_config(folder, f'[[sources]]\nname = "Herald"\nurl = "{site.base}/"\n')
        crawl(config)
        yield site, config


def test_homepage_with_only_a_link_alternate_is_polled_through_its_feed(
    herald: tuple[FixtureSite, Path],
) -> None:
    site, config = herald
    got = rows(config.parent / "news.db", "SELECT url, source FROM articles ORDER BY url")
    assert [(urlsplit(u).path, s) for u, s in got] == [
        ("/articles/ferry-timetable.html", "Herald"), ("/articles/sco-ministers.html", "Herald"),
    ]  # fmt: skip
    assert site.paths()[1:3] == ["/", "/feeds/main.atom"]


def test_next_poll_goes_straight_to_the_discovered_feed(herald: tuple[FixtureSite, Path]) -> None:
    site, config = herald
    before = len(site.requests)
    crawl(config)
    again = [r for r in site.requests[before:] if r.path != "/robots.txt"]
    assert [r.path for r in again] == ["/feeds/main.atom"]
    assert "If-None-Match" in again[0].headers


def test_homepage_without_links_is_resolved_by_common_feed_paths(tmp_path: Path) -> None:
    with serve("bare") as (site,):
        config = write_config(tmp_path, f'[[sources]]\nname = "Bare"\nurl = "{site.base}/"\n')
        crawl(config)
        paths = site.paths()
    got = rows(tmp_path / "news.db", "SELECT url FROM articles")
    assert [urlsplit(u).path for (u,) in got] == ["/articles/one.html"]
    assert paths.index("/feed/") > paths.index("/")


def test_add_appends_the_discovered_feed_as_a_source(
    herald: tuple[FixtureSite, Path], tmp_path: Path
) -> None:
    site, _ = herald
    config = write_config(tmp_path, "")
    result = CliRunner().invoke(main, ["add", f"{site.base}/", "--config", str(config)])
    assert result.exit_code == 0, result.output
    sources = load_config(config).sources
    assert [(s.name, s.url, s.kind) for s in sources] == [
        ("Harbour Herald", f"{site.base}/feeds/main.atom", "auto"),
    ]
    again = CliRunner().invoke(main, ["add", f"{site.base}/", "--config", str(config)])
    assert again.exit_code != 0 and "already configured" in again.output


def test_add_print_shows_the_block_and_leaves_the_file_alone(tmp_path: Path) -> None:
    with serve("sitemap") as (site,):
        config = write_config(tmp_path, "")
        before = config.read_text(encoding="utf-8")
        result = CliRunner().invoke(
            main, ["add", f"{site.base}/sitemap_index.xml", "-c", str(config), "--print"]
        )
    assert result.exit_code == 0, result.output
    block = tomllib.loads(result.stdout)["sources"][0]
    assert block["kind"] == "sitemap" and block["url"].endswith("/sitemap_index.xml")
    assert config.read_text(encoding="utf-8") == before


def test_add_says_what_to_do_when_nothing_is_found(tmp_path: Path) -> None:
    with serve("listing") as (site,):
        config = write_config(tmp_path, "")
        result = CliRunner().invoke(main, ["add", f"{site.base}/news/", "-c", str(config)])
    assert result.exit_code != 0
    assert 'kind = "page"' in result.output


@pytest.mark.parametrize(("status", "kept"), [(301, "/feeds/world.rss"), (302, "/old/world.rss")])
def test_add_keeps_where_a_permanent_redirect_leads_and_where_a_temporary_one_starts(
    tmp_path: Path, status: int, kept: str
) -> None:
    with FixtureSite(SITE) as site:
        new = site.url("/feeds/world.rss")
        site.routes["/old/world.rss"] = lambda _: Reply(status, b"", {"Location": new})
        config = write_config(tmp_path, "")
        result = CliRunner().invoke(main, ["add", site.url("/old/world.rss"), "-c", str(config)])
        expected = site.url(kept)
    assert result.exit_code == 0, result.output
    assert [s.url for s in load_config(config).sources] == [expected]


def test_discovery_reports_each_failed_url_as_data(tmp_path: Path) -> None:
    story = b"<html><head><title>A story</title></head><body><p>Just words.</p></body></html>"
    with FixtureSite(SITE) as site:
        site.routes["/story.html"] = lambda _: Reply(200, story, {"Content-Type": "text/html"})
        gone, page = site.url("/gone.rss"), site.url("/story.html")
        config = write_config(
            tmp_path,
            f'[[sources]]\nname = "Gone"\nurl = "{gone}"\n'
            f'[[sources]]\nname = "Story"\nurl = "{page}"\nkind = "feed"\n',
        )
        missing, _ = discovery_crawl(gone, config, "Gone")
        not_feed, _ = discovery_crawl(page, config, "Story")
    assert missing == {"found": [], "failed": {gone: "HTTP 404"}}
    assert not_feed is not None and not_feed["found"] == []
    assert list(not_feed["failed"]) == [page]  # read as the feed it is configured as
    assert not_feed["failed"][page] == f"not a feed ({page}): no feed entries"
