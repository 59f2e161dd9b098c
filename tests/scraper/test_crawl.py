"""`scrapy crawl feeds` against the fixture news site on 127.0.0.1: feeds to SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from monitor.fixture_site import FixtureSite
from tests.support import SITE, crawl, write_site_config

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))["articles"]


def stored(db_path: Path) -> dict[str, dict]:
    """path -> {"terms", "matched", "url"} for every stored article."""
    conn = sqlite3.connect(db_path)
    try:
        out = {}
        for aid, url, matched in conn.execute("SELECT id, url, matched FROM articles"):
            terms = sorted(t for (t,) in conn.execute(
                "SELECT term FROM matches WHERE article_id = ?", [aid]))  # fmt: skip
            out[urlsplit(url).path] = {"terms": terms, "matched": matched, "url": url}
        return out
    finally:
        conn.close()


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    """One site and one first crawl for the whole module: each crawl is a subprocess."""
    with FixtureSite(SITE) as s:
        yield s


@pytest.fixture(scope="module")
def site_config(site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site_config(site, tmp_path_factory.mktemp("crawl"))


@pytest.fixture(scope="module")
def first_crawl(site: FixtureSite, site_config: Path) -> dict[str, dict]:
    crawl(site_config)
    return stored(site_config.parent / "news.db")


def test_every_fixture_article_stored_with_its_terms(first_crawl: dict[str, dict]) -> None:
    assert set(first_crawl) == set(EXPECTED)
    got = {path: row["terms"] for path, row in first_crawl.items()}
    want = {path: sorted(info["terms"]) for path, info in EXPECTED.items()}
    assert got == want


def test_traps_and_teasers_do_not_match(first_crawl: dict[str, dict]) -> None:
    unmatched = {p for p, info in EXPECTED.items() if not info["terms"]}
    assert unmatched, "the fixture site must have non-matching articles"
    for path in unmatched:
        assert first_crawl[path]["matched"] == 0, path


def test_utm_link_stored_under_canonical_url(first_crawl: dict[str, dict]) -> None:
    urls = [row["url"] for row in first_crawl.values()]
    assert urls and not any("utm_" in u or "#" in u for u in urls)


def test_article_in_both_feeds_stored_and_fetched_once(
    site: FixtureSite, first_crawl: dict[str, dict]
) -> None:
    both = [p for p, info in EXPECTED.items() if len(info.get("feeds", [])) > 1]
    assert both, "the fixture site must have an article in both feeds"
    for path in both:
        assert site.paths().count(path) == 1


def test_second_crawl_stores_nothing_and_fetches_no_article(
    site: FixtureSite, site_config: Path, first_crawl: dict[str, dict]
) -> None:
    before = len(site.requests)
    crawl(site_config)
    again = [urlsplit(r.path).path for r in site.requests[before:]]
    assert not [p for p in again if p in EXPECTED], again
    feeds = [r for r in site.requests[before:] if r.path.startswith("/feeds/")]
    assert feeds and all("If-None-Match" in r.headers for r in feeds)
    assert stored(site_config.parent / "news.db") == first_crawl


def test_robots_txt_is_asked_first(site: FixtureSite, first_crawl: dict[str, dict]) -> None:
    assert site.paths()[0] == "/robots.txt"
    agents = {r.headers.get("User-Agent", "") for r in site.requests}
    assert all(a.startswith("newshound/") for a in agents)


def test_robots_txt_kept_across_crawls(
    site: FixtureSite, site_config: Path, first_crawl: dict[str, dict]
) -> None:
    asked = site.paths().count("/robots.txt")
    assert asked >= 1
    crawl(site_config)
    assert site.paths().count("/robots.txt") == asked  # the first crawl's answer served
