"""Consistency checks for the demo's offline news site in monitor/demo/site/.

The site is served by a loopback HTTP server that replaces ``{BASE}`` with its base URL;
here we substitute a fixed one and check that feeds, pages and expected.json agree.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from tests.support import SITE

BASE = "http://127.0.0.1:8000"
FEEDS = ("world.rss", "asia.atom")
TERMS = {"Putin", "Xi", "SCO", "sanctions"}
UTM = {"utm_source": ["rss"], "utm_medium": ["feed"], "utm_campaign": ["world"]}


def _expected() -> dict[str, dict]:
    return json.loads((SITE / "expected.json").read_text(encoding="utf-8"))["articles"]


def _served(path: Path) -> bytes:
    return path.read_bytes().replace(b"{BASE}", BASE.encode())


def _parse(feed: str) -> feedparser.FeedParserDict:
    return feedparser.parse(io.BytesIO(_served(SITE / "feeds" / feed)))


def _local_path(url: str) -> str:
    """Site path of a served URL: base stripped, query and fragment dropped."""
    assert url.startswith(BASE + "/"), url
    return urlsplit(url).path


@pytest.mark.parametrize("feed", FEEDS)
def test_feed_parses_without_bozo(feed: str) -> None:
    parsed = _parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries
    for entry in parsed.entries:
        for key in ("title", "link", "id", "summary"):
            assert entry.get(key), (feed, key, entry)
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        assert stamp is not None and stamp.tm_year == 2026, (feed, entry.link)


@pytest.mark.parametrize("feed", FEEDS)
def test_feed_links_point_to_existing_files(feed: str) -> None:
    for entry in _parse(feed).entries:
        for url in {entry.link, entry.id}:
            path = _local_path(url)
            assert (SITE / path.lstrip("/")).is_file(), (feed, url)


def test_raw_files_use_the_base_placeholder() -> None:
    for path in [*(SITE / "feeds").iterdir(), *(SITE / "articles").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        assert "{BASE}" in text, path
        assert "127.0.0.1" not in text and "localhost" not in text, path
        assert "{BASE}/" in text and "{BASE}//" not in text, path


def test_feeds_cover_at_least_eight_articles() -> None:
    paths = {_local_path(e.link) for feed in FEEDS for e in _parse(feed).entries}
    assert len(paths) >= 8


def test_expected_articles_exist_and_are_listed_in_their_feeds() -> None:
    by_feed = {feed: {_local_path(e.link) for e in _parse(feed).entries} for feed in FEEDS}
    expected = _expected()
    assert len(expected) >= 8
    for path, info in expected.items():
        assert (SITE / path.lstrip("/")).is_file(), path
        assert set(info["terms"]) <= TERMS, path
        assert info["feeds"], path
        for feed in FEEDS:
            assert (feed in info["feeds"]) == (path in by_feed[feed]), (path, feed)
    # every feed entry is described in expected.json
    assert set().union(*by_feed.values()) == set(expected)


def test_expected_covers_matching_and_non_matching_articles() -> None:
    expected = _expected()
    assert any(not info["terms"] for info in expected.values())
    for term in TERMS:
        assert any(term in info["terms"] for info in expected.values()), term


def test_article_pages_have_metadata() -> None:
    for path in _expected():
        page = _served(SITE / path.lstrip("/")).decode("utf-8")
        assert re.search(r"<title>[^<]+</title>", page), path
        assert re.search(r"<h1[^>]*>.+?</h1>", page, re.S), path
        assert f'rel="canonical" href="{BASE}{path}"' in page, path
        for prop in ("og:title", "og:url", "og:type"):
            assert f'property="{prop}"' in page, (path, prop)


def test_matching_articles_mention_their_terms() -> None:
    config = tomllib.loads((SITE / "newshound.toml").read_text(encoding="utf-8"))
    spellings = {t["name"]: [t["name"], *t.get("aliases", [])] for t in config["terms"]}
    for path, info in _expected().items():
        page = (SITE / path.lstrip("/")).read_text(encoding="utf-8")
        for term in info["terms"]:
            assert any(s in page for s in spellings[term]), (path, term)


def test_article_in_both_feeds() -> None:
    links = [{e.link for e in _parse(feed).entries} for feed in FEEDS]
    both = links[0] & links[1]
    assert both
    expected = _expected()
    for url in both:
        assert sorted(expected[_local_path(url)]["feeds"]) == sorted(FEEDS)


def test_tracking_parameters_on_one_feed_link() -> None:
    tracked = [e for feed in FEEDS for e in _parse(feed).entries if urlsplit(e.link).query]
    assert len(tracked) == 1
    entry = tracked[0]
    assert parse_qs(urlsplit(entry.link).query) == UTM
    assert entry.id == entry.link
    info = _expected()[_local_path(entry.link)]
    assert info["feed_link"].replace("{BASE}", BASE) == entry.link


def test_robots_txt_disallows_only_private() -> None:
    lines = (SITE / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert [x for x in lines if x.startswith("Disallow:")] == ["Disallow: /private/"]


def test_demo_config() -> None:
    text = (SITE / "newshound.toml").read_text(encoding="utf-8").replace("{BASE}", BASE)
    config = tomllib.loads(text)
    assert config["storage"]["path"] == "demo.db"
    assert config["network"]["allow_private_addresses"] is True
    assert [s["url"] for s in config["sources"]] == [f"{BASE}/feeds/{f}" for f in FEEDS]
    assert {t["name"] for t in config["terms"]} == TERMS
    assert {r["name"]: r["query"] for r in config["rules"]} == {"summit": "Putin AND (Xi OR SCO)"}
    assert [c["type"] for c in config["channels"]] == ["console"]
