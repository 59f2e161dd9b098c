"""newshound's pages asked in process (Datasette's ASGI client, no port): filters, the
other outlets' copies of a story, and answers to bad input."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import httpx
import pytest
from datasette.app import Datasette

from monitor.config import load_config
from monitor.fixture_site import FixtureSite
from monitor.store import open_database
from monitor.store.articles import ArticleRecord, save_article
from monitor.web import build_datasette
from tests.web.conftest import EXPECTED, MATCHED, TITLES, copy_crawl

COPY_URL = "https://wire.example/putin-in-beijing"


@pytest.fixture(scope="module")
def ds(web_site: FixtureSite, crawled: Path, tmp_path_factory: pytest.TempPathFactory) -> Datasette:
    """Serve a copy of the crawl in which a second outlet ran the Putin story too."""
    config = copy_crawl(web_site, crawled, tmp_path_factory.mktemp("pages"))
    db = open_database(config.parent / "news.db")
    first = db.execute("SELECT id FROM articles WHERE url LIKE '%putin-beijing%'").fetchone()[0]
    record = ArticleRecord(url=COPY_URL, source="Wire Copy", title="Putin in Beijing (wire)",
                           text="Putin met Xi in Beijing.")  # fmt: skip
    match = {"term": "Putin", "count": 1, "snippet": "«Putin» met Xi", "hits": []}
    save_article(db, record, [match], [], [], keep_text=True, duplicate_of=first)
    db.close()
    instance = build_datasette(load_config(config), token=None, login_required=False)
    asyncio.run(instance.invoke_startup())
    return instance


def get(ds: Datasette, path: str) -> httpx.Response:
    return asyncio.run(ds.client.get(path))


def listed(html: str) -> set[str]:
    """The fixture articles listed under "matches" on a front page."""
    section = unescape(html.split('id="matches"', 1)[1])
    titles = re.findall(r'<a class="title" href="/article/\d+">(.*?)</a>', section)
    return {path for path, title in TITLES.items() if any(title in t for t in titles)}


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("", MATCHED),
        ("?term=Xi", {p for p in MATCHED if "Xi" in EXPECTED[p]["terms"]}),
        ("?rule=summit", {"/articles/putin-beijing.html"}),
        ("?source=Fixture+Asia", {"/articles/sco-tianjin.html"}),
        (
            "?term=sanctions&source=Fixture+World",
            {p for p in MATCHED if "sanctions" in EXPECTED[p]["terms"]},
        ),  # fmt: skip
        ("?day=2001-01-01", set()),
    ],
    ids=["all", "term", "rule", "source", "term+source", "another-day"],
)
def test_front_page_filters(ds: Datasette, query: str, want: set[str]) -> None:
    response = get(ds, "/" + query)
    assert response.status_code == 200
    assert listed(response.text) == want


def test_filter_by_today_lists_what_was_found_today(ds: Datasette) -> None:
    today = datetime.now(UTC).date().isoformat()
    assert listed(get(ds, f"/?day={today}").text) == MATCHED


def test_a_story_from_two_outlets_says_so_and_links_the_copy(ds: Datasette) -> None:
    front = get(ds, "/").text
    item = re.search(r'<li class="article" data-id="(\d+)">\s*<a class="title" '
                     r'href="/article/\d+">Russia’s Putin hails.*?</li>', front, re.S)  # fmt: skip
    assert item and "2 outlets" in item[0]
    assert "Putin in Beijing (wire)" not in front  # the copy is not listed on its own
    article = get(ds, f"/article/{item[1]}").text
    assert "Putin in Beijing (wire)" in article and "Wire Copy" in article


@pytest.mark.parametrize("path", ["/article/999999", "/article/0"])
def test_no_such_article_is_a_404(ds: Datasette, path: str) -> None:
    assert get(ds, path).status_code == 404


def test_a_search_sqlite_cannot_run_says_so(ds: Datasette) -> None:
    page = get(ds, "/?q=%22")
    assert page.status_code == 200 and "search query" in page.text


def test_a_bad_day_or_page_is_ignored(ds: Datasette) -> None:
    assert listed(get(ds, "/?day=yesterday&page=x").text) == MATCHED


def test_public_surface_is_pinned() -> None:
    import monitor.web

    assert sorted(monitor.web.__all__) == ["WebError", "build_datasette", "check_bind"]


def test_pages_read_through_connections_that_cannot_write(ds: Datasette) -> None:
    db = ds.get_database()

    async def try_to_write() -> None:
        await db.execute_fn(lambda conn: conn.execute("DELETE FROM articles"))

    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        asyncio.run(try_to_write())
