"""JSON Feed 1.0/1.1: feedparser 6.0 does not read it, scraper.spiders.discovery does."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scraper.feedparse import parse_feed_entries
from scraper.jsonfeed import parse_json_feed
from tests.support.sources import crawl, rows, serve, write_config


def feed(version: str, items: list[dict], **top: object) -> bytes:
    return json.dumps({"version": f"https://jsonfeed.org/version/{version}", "title": "J",
                       "items": items, **top}).encode()  # fmt: skip


def test_version_1_1_item_with_authors_and_offset_date() -> None:
    body = feed("1.1", [{"id": "x1", "url": "https://j.example/a?utm_medium=feed",
                         "title": " A ", "summary": "S", "content_text": "T",
                         "date_published": "2026-11-27T10:00:00+01:00",
                         "authors": [{"name": "Ana Ruiz"}]}])  # fmt: skip
    (e,) = parse_json_feed(body, "https://j.example/feed.json", "J")
    assert (e.url, e.link, e.guid, e.title, e.summary, e.published, e.author) == (
        "https://j.example/a", "https://j.example/a?utm_medium=feed", "x1", "A", "S",
        "2026-11-27T09:00:00+00:00", "Ana Ruiz",
    )  # fmt: skip


def test_version_1_0_feed_author_external_url_and_relative_links() -> None:
    body = feed("1", [{"id": 7, "external_url": "/ext", "content_html": "<p>H</p>"},
                      {"id": "https://j.example/by-id"}],
                author={"name": "Desk"}, home_page_url="https://j.example/")  # fmt: skip
    a, b = parse_json_feed(body, "https://cdn.example/feed.json", "J")
    assert (a.url, a.guid, a.summary, a.author) == (
        "https://j.example/ext",
        "7",
        "<p>H</p>",
        "Desk",
    )
    assert b.url == "https://j.example/by-id"


def test_items_without_http_links_or_twice_listed_are_left_out() -> None:
    body = feed("1.1", [{"id": "n", "content_text": "no link"},
                        {"id": "js", "url": "javascript:alert(1)"},
                        {"id": "1", "url": "https://j.example/a"},
                        {"id": "2", "url": "https://j.example/a#top"}])  # fmt: skip
    assert [e.guid for e in parse_json_feed(body, "https://j.example/f", "J")] == ["1"]


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"version": "1.1", "items": []}',
             b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}'],
    ids=["broken", "array", "no-jsonfeed-version", "items-not-a-list"],
)  # fmt: skip
def test_not_a_json_feed_is_a_value_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"not a feed \(https://j.example/f\)"):
        parse_json_feed(body, "https://j.example/f", "J")


def test_parse_feed_entries_sends_json_to_the_json_reader_and_xml_to_feedparser() -> None:
    assert parse_feed_entries(feed("1.1", [{"id": "1", "url": "https://j.example/a"}]),
                     "https://j.example/f", {}, "J")[0].guid == "1"  # fmt: skip
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><item>' \
          b"<link>https://j.example/r</link></item></channel></rss>"  # fmt: skip
    assert parse_feed_entries(rss, "https://j.example/f", {}, "J")[0].url == "https://j.example/r"


def test_json_feed_source_crawled_into_the_store(tmp_path: Path) -> None:
    with serve("jsonfeed") as (site,):
        config = write_config(
            tmp_path, f'[[sources]]\nname = "JSON Courier"\nurl = "{site.base}/feed.json"\n'
        )
        crawl(config)
    got = rows(tmp_path / "news.db", "SELECT url, guid, author, matched FROM articles ORDER BY url")
    assert [(urlsplit(u).path, g, m) for u, g, _, m in got] == [
        ("/articles/sanctions-banks.html", "courier-1", 1),
        ("/articles/wind-farm.html", "courier-2", 0),
    ]


def test_a_lone_surrogate_escape_becomes_a_question_mark_the_store_takes() -> None:
    """ "\\ud800" alone is valid JSON but no text UTF-8 or SQLite takes: the item would
    fail to be stored on every poll. A pair ("\\ud83d\\ude00") is one character, kept."""
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
        b'{"id": "1", "url": "https://example.org/a", "title": "Putin \\ud800 met \\ud83d\\ude00",'
        b' "content_text": "Xi \\uDFFF spoke", "authors": [{"name": "A \\udc00"}]}]}'
    )
    [entry] = parse_json_feed(body, "https://example.org/feed.json", "J")
    assert (entry.title, entry.summary, entry.author) == ("Putin ? met 😀", "Xi ? spoke", "A ?")
    sqlite3.connect(":memory:").execute(
        "SELECT ?, ?, ?", [entry.title, entry.summary, entry.author]
    )
