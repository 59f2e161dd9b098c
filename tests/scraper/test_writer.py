"""The one writer: a crawl opens one SQLite connection, and only ``scraper/writer.py``
imports the store; a parsed body's validators wait for its entries; one bad field loses
its field; one cap on what a source's poll may lead to, for every kind of source."""

from __future__ import annotations

import ast
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.daemon.poll import crawl_command, crawl_env
from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from monitor.store import open_database
from monitor.store.store import MAX_HELD_POLLS
from tests.scraper.test_crawl import crawl
from tests.support import ROOT, SITE, write_site_config
from tests.support.sources import rows, write_config

COUNT_CONNECTIONS = """
import atexit, sqlite3, sys
opened = []
connect = sqlite3.connect
def counting(*args, **kwargs):
    opened.append(args[0] if args else kwargs.get("database"))
    return connect(*args, **kwargs)
sqlite3.connect = counting
atexit.register(lambda: print(f"sqlite connections: {len(opened)}", file=sys.stderr))
from scrapy.cmdline import execute
execute(sys.argv[1:])
"""


def test_a_crawl_of_the_fixture_site_opens_one_sqlite_connection(tmp_path: Path) -> None:
    with FixtureSite(SITE) as site:
        config = write_site_config(site, tmp_path)
        cmd = crawl_command(config)
        proc = subprocess.run(
            [sys.executable, "-c", COUNT_CONNECTIONS, "scrapy", *cmd[3:]],
            env=crawl_env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert rows(tmp_path / "news.db", "SELECT COUNT(*) FROM articles")[0][0] == 10
    assert "sqlite connections: 1\n" in proc.stderr, proc.stderr[-500:]


def test_at_most_one_module_under_scraper_imports_the_store() -> None:
    importers = []
    for path in sorted((ROOT / "scraper").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            if any(n == "monitor.store" or n.startswith("monitor.store.") for n in names):
                importers.append(path.relative_to(ROOT).as_posix())
                break
    assert importers == ["scraper/writer.py"]


def story_page(title: str) -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1><p>Vladimir Putin said on Monday that {title.lower()} would go "
        "ahead as planned, officials in the capital confirmed later that afternoon.</p>"
        "<p>The plan had been discussed for months by ministers and regional governors, "
        "who met again this week to settle the remaining questions of funding.</p>"
        "</article></body></html>"
    ).encode()


def test_a_page_that_fails_for_now_keeps_the_feed_parsed_until_it_is_stored(
    tmp_path: Path,
) -> None:
    """Story 2 answers 503 on the first poll only, story 3 on every poll: the feed's ETag
    is kept back until story 2 is stored, and for at most MAX_HELD_POLLS polls for 3."""
    broken = {"/story/2.html", "/story/3.html"}
    with FixtureSite(tmp_path / "empty") as site:
        items = "".join(
            f"<item><title>Story {i}</title><link>{site.base}/story/{i}.html</link></item>"
            for i in (1, 2, 3)
        )
        feed = f'<rss version="2.0"><channel><title>W</title>{items}</channel></rss>'.encode()

        def feed_route(record: RequestRecord) -> Reply:
            if record.headers.get("If-None-Match") == '"v1"':
                return Reply(304, b"", {"ETag": '"v1"'})
            return Reply(200, feed, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

        def story_route(record: RequestRecord) -> Reply:
            if record.path in broken:
                return Reply(503, b"busy", {"Content-Type": "text/plain"})
            return Reply(200, story_page(f"Story {record.path[7]}"),
                         {"Content-Type": "text/html"})  # fmt: skip

        site.routes["/feed.rss"] = feed_route
        for i in (1, 2, 3):
            site.routes[f"/story/{i}.html"] = story_route
        (tmp_path / "empty").mkdir(exist_ok=True)
        config = write_config(
            tmp_path, f'[[sources]]\nname = "W"\nurl = "{site.url("/feed.rss")}"\n'
        )
        db = tmp_path / "news.db"
        stories = "SELECT url FROM articles ORDER BY url"
        crawl(config)
        assert [u.rsplit("/", 1)[1] for (u,) in rows(db, stories)] == ["1.html"]
        broken.discard("/story/2.html")
        for _ in range(MAX_HELD_POLLS):
            crawl(config)
        assert [u.rsplit("/", 1)[1] for (u,) in rows(db, stories)] == ["1.html", "2.html"]
        feed_asks = [r for r in site.requests if r.path == "/feed.rss"]
    # parsed again while a story waited; then its ETag kept (the 4th poll is a 304)
    conditional = ["If-None-Match" in r.headers for r in feed_asks]
    assert conditional == [False] * MAX_HELD_POLLS + [True]
    assert rows(db, "SELECT held_polls, etag FROM sources") == [(0, '"v1"')]


def test_entries_the_database_refuses_hold_the_feed_back_as_long_as_that_lasts(
    tmp_path: Path,
) -> None:
    """A full disk refuses every article for longer than MAX_HELD_POLLS polls: the feed's
    ETag is still not kept, so once the database takes writes again every story is stored
    (kept after three polls, it made the next polls 304s and the stories were lost)."""
    with FixtureSite(tmp_path / "empty") as site:
        items = "".join(
            f"<item><title>Story {i}</title><link>{site.base}/story/{i}.html</link></item>"
            for i in (1, 2)
        )
        feed = f'<rss version="2.0"><channel><title>W</title>{items}</channel></rss>'.encode()

        def feed_route(record: RequestRecord) -> Reply:
            if record.headers.get("If-None-Match") == '"v1"':
                return Reply(304, b"", {"ETag": '"v1"'})
            return Reply(200, feed, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

        site.routes["/feed.rss"] = feed_route
        for i in (1, 2):
            site.routes[f"/story/{i}.html"] = lambda r: Reply(
                200, story_page(f"Story {r.path[7]}"), {"Content-Type": "text/html"}
            )
        (tmp_path / "empty").mkdir(exist_ok=True)
        config = write_config(
            tmp_path, f'[[sources]]\nname = "W"\nurl = "{site.url("/feed.rss")}"\n'
        )
        db = tmp_path / "news.db"
        open_database(db).close()  # the schema, before any crawl
        with sqlite3.connect(db) as conn:
            # what a full disk answers every article insert, as a real SQLite error
            conn.execute("CREATE TRIGGER full BEFORE INSERT ON articles "
                         "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")  # fmt: skip
        for _ in range(MAX_HELD_POLLS + 2):
            crawl(config)
        assert rows(db, "SELECT COUNT(*) FROM articles") == [(0,)]
        assert rows(db, "SELECT etag, held_polls FROM sources") == [(None, 0)]
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER full")
        crawl(config)
        stored = rows(db, "SELECT url FROM articles ORDER BY url")
        assert [u.rsplit("/", 1)[1] for (u,) in stored] == ["1.html", "2.html"]
        assert rows(db, "SELECT etag FROM sources") == [('"v1"',)]


def test_an_article_is_stored_with_its_site_counts_and_source_mark_or_not_at_all(
    tmp_path: Path,
) -> None:
    """The article, its alert, the site's line counts and the source's last-new-item mark
    are one transaction: when the last of them fails, none is kept (the lines would
    otherwise count a page twice, as boilerplate, when it is stored on the next poll)."""
    with FixtureSite(tmp_path / "empty") as site:
        site.routes["/feed.rss"] = lambda _: Reply(200, (
            f'<rss version="2.0"><channel><title>W</title><item><title>Story 1</title>'
            f"<link>{site.base}/story/1.html</link></item></channel></rss>").encode(),
            {"Content-Type": "application/rss+xml"})  # fmt: skip
        site.routes["/story/1.html"] = lambda _: Reply(
            200, story_page("Story 1"), {"Content-Type": "text/html"}
        )
        (tmp_path / "empty").mkdir(exist_ok=True)
        config = write_config(
            tmp_path, f'[[sources]]\nname = "W"\nurl = "{site.url("/feed.rss")}"\n'
        )
        db = tmp_path / "news.db"
        open_database(db).close()
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TRIGGER full BEFORE UPDATE OF last_new_item ON sources "
                         "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")  # fmt: skip
        crawl(config)
        for table in ("articles", "outbox", "site_hosts", "site_lines"):
            assert rows(db, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER full")
        crawl(config)
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(1,)]
    assert rows(db, "SELECT pages FROM site_hosts") == [(1,)]
    assert rows(db, "SELECT last_new_item IS NOT NULL FROM sources") == [(1,)]


def test_a_bad_date_in_a_json_feed_loses_the_date_not_the_feed(tmp_path: Path) -> None:
    with FixtureSite(tmp_path / "empty") as site:
        (tmp_path / "empty").mkdir(exist_ok=True)
        today = datetime.now(UTC).isoformat(timespec="seconds")
        doc = {
            "version": "https://jsonfeed.org/version/1.1", "title": "J",
            "items": [
                {"id": "1", "url": f"{site.base}/story/1.html", "title": "Story 1",
                 "date_published": "0001-01-01T00:00:00+01:00"},
                {"id": "2", "url": "http://[not-a-host/story", "title": "Bad link"},
                {"id": "3", "url": f"{site.base}/story/3.html", "title": "Story 3",
                 "date_published": today},
            ],
        }  # fmt: skip
        site.routes["/feed.json"] = lambda _: Reply(
            200, json.dumps(doc).encode(), {"Content-Type": "application/feed+json"}
        )
        for i in (1, 3):
            site.routes[f"/story/{i}.html"] = lambda _, i=i: Reply(
                200, story_page(f"Story {i}"), {"Content-Type": "text/html"}
            )
        config = write_config(
            tmp_path, f'[[sources]]\nname = "J"\nurl = "{site.url("/feed.json")}"\n'
        )
        crawl(config)
    db = tmp_path / "news.db"
    stored = rows(db, "SELECT url, published FROM articles ORDER BY url")
    assert [(u.rsplit("/", 1)[1], p is None) for u, p in stored] == [
        ("1.html", True), ("3.html", False)
    ]  # fmt: skip
    assert rows(db, "SELECT failures, last_error FROM sources") == [(0, None)]


# A parser bug no real input reaches any more (the bad fields above lose themselves):
# injected into the crawl process, as sitecustomize, for one source only.
PARSER_BUG = """
import scraper.spiders.feeds as feeds
entries_from = feeds.FeedsSpider.entries_from
def broken(self, response, source):
    if source.name == "Broken":
        raise RuntimeError("a parser bug")
    return entries_from(self, response, source)
feeds.FeedsSpider.entries_from = broken
"""


def test_an_exception_in_a_source_s_parse_is_that_source_s_failure(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(PARSER_BUG, encoding="utf-8")
    with FixtureSite(tmp_path / "empty") as site:
        (tmp_path / "empty").mkdir(exist_ok=True)
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "T",
            "items": [{"id": "1", "url": f"{site.base}/story/1.html", "title": "Story 1"}],
        }
        site.routes["/feed.json"] = lambda _: Reply(
            200, json.dumps(doc).encode(), {"Content-Type": "application/feed+json"}
        )
        site.routes["/story/1.html"] = lambda _: Reply(
            200, story_page("Story 1"), {"Content-Type": "text/html"}
        )
        feed = site.url("/feed.json")
        config = write_config(
            tmp_path,
            f'[[sources]]\nname = "Broken"\nurl = "{feed}?b"\n\n'
            f'[[sources]]\nname = "Healthy"\nurl = "{feed}"\n',
        )
        env = crawl_env()
        env["PYTHONPATH"] = f"{shim}:{env['PYTHONPATH']}"
        result = subprocess.run(
            crawl_command(config), env=env, capture_output=True, text=True, timeout=120
        )
    assert result.returncode == 0, result.stderr[-4000:]
    db = tmp_path / "news.db"
    assert rows(db, "SELECT source FROM articles") == [("Healthy",)]
    [(failures, error, next_poll, hash_)] = rows(
        db, "SELECT failures, last_error, next_poll, content_hash FROM sources "
        "WHERE name = 'Broken'",
    )  # fmt: skip
    assert failures == 1 and "RuntimeError('a parser bug')" in error
    assert next_poll > datetime.now(UTC).timestamp()  # backed off, not retried every tick
    assert hash_ is None  # nothing recorded as read: the next poll parses it again


def test_a_bad_date_in_a_news_sitemap_loses_the_date_not_the_sitemap(tmp_path: Path) -> None:
    with FixtureSite(tmp_path / "empty") as site:
        (tmp_path / "empty").mkdir(exist_ok=True)
        today = datetime.now(UTC).isoformat(timespec="seconds")
        urls = "".join(
            f"<url><loc>{site.base}/story/{i}.html</loc><lastmod>{date}</lastmod></url>"
            for i, date in ((1, "0001-01-01T00:00:00+01:00"), (2, today), (3, today))
        )
        body = (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + "</urlset>"
        ).encode()
        site.routes["/sitemap.xml"] = lambda _: Reply(
            200, body, {"Content-Type": "application/xml"}
        )
        for i in (1, 2, 3):
            site.routes[f"/story/{i}.html"] = lambda _, i=i: Reply(
                200, story_page(f"Story {i}"), {"Content-Type": "text/html"}
            )
        config = write_config(
            tmp_path,
            f'[[sources]]\nname = "S"\nurl = "{site.url("/sitemap.xml")}"\nkind = "sitemap"\n',
        )
        crawl(config)
    db = tmp_path / "news.db"
    # the undated entry is skipped (a news sitemap dates its entries); the others stored
    stored = [u.rsplit("/", 1)[1] for (u,) in rows(db, "SELECT url FROM articles ORDER BY url")]
    assert stored == ["2.html", "3.html"]
    assert rows(db, "SELECT failures, last_error FROM sources") == [(0, None)]


CAP = 40
LISTED = 150


def crawl_capped(config: Path) -> None:
    proc = subprocess.run(
        [*crawl_command(config), "-s", f"NEWSHOUND_MAX_ENTRIES={CAP}"],
        env=crawl_env(), cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


def serve_listed(site: FixtureSite, kind: str) -> str:
    """A source of ``kind`` that leads to ``LISTED`` URLs; returns its path."""
    base = site.base
    story = [f"{base}/story/{i}.html" for i in range(LISTED)]
    if kind == "json":
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J",
               "items": [{"id": u, "url": u} for u in story]}  # fmt: skip
        site.routes["/src"] = lambda _: Reply(
            200, json.dumps(doc).encode(), {"Content-Type": "application/feed+json"}
        )
    elif kind == "sitemapindex":
        children = "".join(f"<sitemap><loc>{base}/child/{i}.xml</loc></sitemap>"
                           for i in range(LISTED))  # fmt: skip
        body = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}'
        site.routes["/src"] = lambda _: Reply(
            200, (body + "</sitemapindex>").encode(), {"Content-Type": "application/xml"}
        )
    else:  # a listing page of LISTED links, and a next page of LISTED more
        links = "".join(f'<li><a href="{u}">Story</a></li>' for u in story)
        page = f'<html><body><ul>{links}</ul><a rel="next" href="{base}/src2">next</a>'
        site.routes["/src"] = lambda _: Reply(
            200, (page + "</body></html>").encode(), {"Content-Type": "text/html"}
        )
        site.routes["/src2"] = site.routes["/src"]
    return "/src"


@pytest.mark.parametrize("kind", ["json", "sitemapindex", "listing"])
def test_one_cap_on_what_a_source_leads_to_for_every_kind(tmp_path: Path, kind: str) -> None:
    with FixtureSite(tmp_path / "empty") as site:
        (tmp_path / "empty").mkdir(exist_ok=True)
        path = serve_listed(site, kind)
        extra = {"sitemapindex": 'kind = "sitemap"\n',
                 "listing": 'kind = "page"\nitem = "li a"\nfollow = "a[rel=next]"\n'}  # fmt: skip
        config = write_config(
            tmp_path, f'[[sources]]\nname = "Big"\nurl = "{site.url(path)}"\n'
            + extra.get(kind, "")
        )  # fmt: skip
        crawl_capped(config)
        followed = [p for p in site.paths() if p not in ("/src", "/robots.txt")]
    assert 0 < len(followed) <= CAP, len(followed)
