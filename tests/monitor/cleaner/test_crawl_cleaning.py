"""The cleaner inside a real crawl of a loopback site: the page's bytes are decoded with
the HTTP header's charset, not a wrong ``<meta charset>``; a teaser list naming watched
terms raises no alert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.fixture_site import FixtureSite, Reply
from tests.monitor.cleaner.test_encoding import RUSSIAN
from tests.support import FIXTURES
from tests.support.sources import crawl, rows, write_config

WATCHED = """
[[terms]]
name = "Kremlin"
aliases = ["Кремль", "Кремле"]
"""


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{path}</link><guid>{path}</guid></item>"
        for i, path in enumerate(paths)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


def russian_page() -> bytes:
    """windows-1251 bytes that claim windows-1252 in the page; the header tells the truth."""
    body = "".join(f"<p>{p}</p>" for p in RUSSIAN)
    return (
        '<html><head><meta charset="windows-1252"><title>Визит в Пекин</title></head>'
        f"<body><article><h1>Визит в Пекин</h1>{body}</article></body></html>"
    ).encode("cp1251")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cleaning")
    with FixtureSite(folder) as site:
        chess = (FIXTURES / "cleaner" / "teaser-list-en-chess.html").read_bytes()
        pages = {
            "/news/beijing.html": (russian_page(), "text/html; charset=windows-1251"),
            "/chess/almaty.html": (chess, "text/html; charset=utf-8"),
        }
        site.routes["/feed.rss"] = lambda _: Reply(
            200, feed(site.base, list(pages)), {"Content-Type": "application/rss+xml"}
        )
        for path, (body, ctype) in pages.items():
            site.routes[path] = lambda _, b=body, c=ctype: Reply(200, b, {"Content-Type": c})
        sources = f'[[sources]]\nname = "wire"\nurl = "{site.url("/feed.rss")}"\n'
        config = write_config(folder, sources, WATCHED)
        crawl(config)
        yield config.parent / "news.db"


def test_header_charset_decodes_the_page_against_its_meta(crawled: Path) -> None:
    ((title, text, matched),) = rows(
        crawled, "SELECT title, text, matched FROM articles WHERE url LIKE '%/beijing.html'"
    )
    assert title == "Визит в Пекин"
    assert text == "\n\n".join(RUSSIAN)
    assert matched == 1
    terms = rows(crawled, "SELECT term FROM matches")
    assert ("Kremlin",) in terms


def test_teaser_naming_watched_terms_raises_no_alert(crawled: Path) -> None:
    """The chess report's "You may also like" list names the SCO summit, Putin and Xi."""
    ((article_id, title, matched),) = rows(
        crawled, "SELECT id, title, matched FROM articles WHERE url LIKE '%/almaty.html'"
    )
    assert title == "Carlsen wins rapid title in Almaty"
    assert matched == 0
    assert rows(crawled, "SELECT term FROM matches WHERE article_id = ?", (article_id,)) == []
    assert rows(crawled, "SELECT channel FROM outbox WHERE article_id = ?", (article_id,)) == []
    assert len(rows(crawled, "SELECT 1 FROM outbox")) == 1  # the Russian page's alert
