"""The cleaner inside a real crawl of a loopback site: the page's bytes are decoded with
the HTTP header's charset, not a wrong ``<meta charset>``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.fixture_site import FixtureSite, Reply
from tests.monitor.cleaner.test_encoding import RUSSIAN
from tests.scraper.source_sites import crawl, rows, write_config

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
        pages = {"/news/beijing.html": (russian_page(), "text/html; charset=windows-1251")}
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
