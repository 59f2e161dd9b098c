"""`newshound check --fetch` on the fixture site: what each source is, its items, its
errors; a homepage whose feed is read instead is named in `status` and warned about once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.cli.source_check import fetch_sources
from monitor.config import load_config
from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite, Reply, Route
from tests.support import write_config as config_file
from tests.support.sources import serve, serve_dated, write_config

HOME = """<html><head><title>Fixture News</title>
<link rel="alternate" type="application/rss+xml" href="/feeds/world.rss"></head>
<body><h1>Fixture News</h1><p>Today's stories.</p></body></html>"""
STORY = "<html><head><title>A story</title></head><body><p>Just a story.</p></body></html>"


def serve_pages(site: FixtureSite) -> None:
    def page(body: str) -> Route:
        return lambda _: Reply(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    site.routes["/home.html"] = page(HOME)
    site.routes["/story.html"] = page(STORY)
    site.routes["/private.rss"] = lambda _: Reply(403, b"no")


def add_sources(config: Path, site: FixtureSite, *names: str) -> None:
    blocks = {
        "Home": "/home.html", "Story": "/story.html", "Gone": "/gone.rss",
        "Forbidden": "/private.rss",
    }  # fmt: skip
    text = config.read_text(encoding="utf-8")
    for name in names:
        text += f'\n[[sources]]\nname = "{name}"\nurl = "{site.base}{blocks[name]}"\n'
    config.write_text(text, encoding="utf-8")


def check_fetch(config: Path) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    """``newshound check --fetch`` run as a user would: its line for each source, by name."""
    result = subprocess.run([sys.executable, "-m", "monitor", "check", "--fetch", "-c",
                             str(config)], capture_output=True, text=True, timeout=300,
                            check=False)  # fmt: skip
    lines = {line.split(" (", 1)[0].split(None, 1)[1]: line for line in
             result.stdout.splitlines()[1:]}  # fmt: skip
    return lines, result


def test_check_fetch_says_what_each_source_is(site: FixtureSite, site_config: Path) -> None:
    serve_pages(site)
    add_sources(site_config, site, "Home", "Story", "Gone", "Forbidden")
    lines, result = check_fetch(site_config)
    base = site.base
    assert lines["Fixture World"].startswith("ok ") and lines["Fixture World"].endswith(
        "feed, 7 items"
    )
    assert lines["Fixture Asia"].endswith("feed, 4 items")
    assert lines["Home"].endswith(f"not a feed: using {base}/feeds/world.rss found on it, 7 items")
    assert (
        lines["Story"].startswith("FAILED")
        and "not a feed: a page that announces no feed" in (lines["Story"])
    )
    assert lines["Gone"].endswith("HTTP 404") and lines["Forbidden"].endswith("HTTP 403")
    assert result.returncode == 1 and "Error: 3 of 6 sources failed to fetch" in result.stderr
    assert "Traceback" not in result.stderr


def test_substituted_feed_named_in_status_and_warned_once(
    site: FixtureSite, site_config: Path
) -> None:
    serve_pages(site)
    add_sources(site_config, site, "Home")
    first = run_crawl(site_config, timeout=120)
    assert first.returncode == 0, first.stderr[-3000:]
    warning = f"source='Home' url={site.base}/home.html is not a feed: using"
    assert first.stderr.count(warning) == 1
    status = CliRunner().invoke(main, ["status", "-c", str(site_config)])
    home = status.output.split("Home", 1)[1]
    assert f"using {site.base}/feeds/world.rss found on {site.base}/home.html" in home
    again = run_crawl(site_config, timeout=120)  # the feed is polled directly now
    assert again.returncode == 0 and warning not in again.stderr


LISTINGS_AND_SITEMAPS = """
[[sources]]
name = "Gazette"
url = "{listing}/news/"
kind = "page"
item = "article.teaser"
title = "h2"

[[sources]]
name = "Gazette redesigned"
url = "{listing}/news/"
kind = "page"
item = "article.story"

[[sources]]
name = "Sitemap Times"
url = "{sitemap}/sitemap_index.xml"
kind = "sitemap"

[[sources]]
name = "Times news"
url = "{sitemap}/sitemaps/news.xml"

[[sources]]
name = "Times archive"
url = "{sitemap}/sitemaps/archive-2025.xml"
max_age = "520w"
"""


def test_check_fetch_counts_listing_items_and_sitemap_entries_without_a_database(
    tmp_path: Path,
) -> None:
    with serve("listing", "sitemap") as (listing, sitemap):
        for path in ("/sitemap_index.xml", "/sitemaps/news.xml", "/sitemaps/archive-2025.xml"):
            serve_dated(sitemap, path)
        blocks = LISTINGS_AND_SITEMAPS.format(listing=listing.base, sitemap=sitemap.base)
        config = write_config(tmp_path, blocks)
        lines, result = check_fetch(config)
    assert lines["Gazette"].startswith("ok ")
    assert lines["Gazette"].endswith("listing page, 3 items on its first page")
    assert lines["Gazette redesigned"].startswith("FAILED") and lines[
        "Gazette redesigned"
    ].endswith("item selector 'article.story' found no article links")
    assert lines["Sitemap Times"].endswith(
        "sitemap index, 1 sitemap (1 older than max_age or undated, not read)"
    )
    assert lines["Times news"].endswith(
        "sitemap, 2 entries (1 older than max_age or undated, not read)"
    )
    assert lines["Times archive"].endswith("sitemap, 1 entry")
    assert result.returncode == 1 and "Error: 1 of 5 sources failed to fetch" in result.stderr
    assert not (tmp_path / "news.db").exists()  # a check writes no database
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newshound.toml"]


def test_check_fetch_obeys_robots_txt_without_a_database(
    site: FixtureSite, site_config: Path
) -> None:
    site.routes["/private/world.rss"] = lambda _: Reply(200, site.render("/feeds/world.rss") or b"")
    text = site_config.read_text(encoding="utf-8")
    text += f'\n[[sources]]\nname = "Private"\nurl = "{site.base}/private/world.rss"\n'
    site_config.write_text(text, encoding="utf-8")
    lines, result = check_fetch(site_config)
    assert lines["Private"].startswith("FAILED")
    assert lines["Private"].endswith("Forbidden by robots.txt")
    assert "/private/world.rss" not in site.paths()
    assert lines["Fixture World"].endswith("feed, 7 items")
    assert not (site_config.parent / "news.db").exists()


def test_a_private_address_is_refused_per_source(tmp_path: Path) -> None:
    with serve("listing") as (listing,):
        block = f'[[sources]]\nname = "Loopback"\nurl = "{listing.base}/news/"\n'
        config = load_config(config_file(tmp_path, block, private_addresses=False))
        [report] = fetch_sources(config)
        assert listing.paths() == []
        assert not report.ok
        assert report.what.startswith(f"{listing.base}/news/: refused")
        assert "allow_private_addresses" in report.what
