"""The one writer: a crawl opens one SQLite connection, and only ``scraper/writer.py``
imports the store; a parsed body's validators wait for its entries; one bad field loses
its field; one cap on what a source's poll may lead to, for every kind of source."""

from __future__ import annotations

import ast
import asyncio
import json
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from monitor.cleaner import clean_html
from monitor.config import load_config
from monitor.daemon.poll import crawl_command, crawl_env
from monitor.fixture_site import FixtureSite, Reply, RequestRecord
from monitor.matcher import Matcher
from monitor.store import open_database
from monitor.store.store import MAX_HELD_POLLS
from scraper.items import ArticlePage, FeedEntry
from scraper.writer import BATCH, WriterPipeline
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


# --- one transaction per batch of articles -------------------------------------------------

# COMMIT refused for any batch that stored W's second story: a deferred foreign key that
# SQLite checks only at COMMIT (as a full disk refuses the WAL frames of a commit), after
# every statement of the batch succeeded.
REFUSE_COMMIT = """
CREATE TABLE guard_parent (id INTEGER PRIMARY KEY);
CREATE TABLE commit_guard (
    parent INTEGER REFERENCES guard_parent(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER refuse_commit AFTER INSERT ON articles WHEN new.url LIKE '%/w/2.html'
BEGIN INSERT INTO commit_guard VALUES (1); END;
"""


def serve_two_feeds(site: FixtureSite) -> None:
    """Feeds W and V, three stories each, with an ETag (a 304 when it is sent back)."""
    for name in ("w", "v"):
        items = "".join(
            f"<item><title>Story {name}{i}</title><link>{site.base}/{name}/{i}.html</link></item>"
            for i in (1, 2, 3)
        )
        feed = f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()

        def feed_route(record: RequestRecord, feed: bytes = feed) -> Reply:
            if record.headers.get("If-None-Match") == '"v1"':
                return Reply(304, b"", {"ETag": '"v1"'})
            return Reply(200, feed, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

        site.routes[f"/{name}.rss"] = feed_route
        for i in (1, 2, 3):
            site.routes[f"/{name}/{i}.html"] = lambda r: Reply(
                200, distinct_story(f"Story {r.path[1]}{r.path[3]}"), {"Content-Type": "text/html"}
            )


def crawl_with(config: Path, *settings: str) -> str:
    """One crawl with Scrapy ``settings`` (NAME=VALUE); its log."""
    flags = [arg for setting in settings for arg in ("-s", setting)]
    proc = subprocess.run(
        [*crawl_command(config), *flags],
        env=crawl_env(), cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc.stderr


@pytest.mark.parametrize("batch", [1, 100])
def test_a_batch_that_cannot_be_committed_loses_nothing(tmp_path: Path, batch: int) -> None:
    """With one article to a batch, W's second story fails alone, while W's poll is still
    open: its ETag must not be kept when the poll settles in a later batch (the next poll
    would be a 304, and the story never fetched again). With the whole crawl in one batch,
    everything in it is lost together. Either way the next crawl stores every story, with
    one alert each, and keeps the validators."""
    stories = {f"{name}/{i}.html" for name in "wv" for i in (1, 2, 3)}
    with FixtureSite(tmp_path / "empty") as site:
        (tmp_path / "empty").mkdir(exist_ok=True)
        serve_two_feeds(site)
        config = write_config(
            tmp_path,
            f'[[sources]]\nname = "W"\nurl = "{site.url("/w.rss")}"\n\n'
            f'[[sources]]\nname = "V"\nurl = "{site.url("/v.rss")}"\n',
        )
        db = tmp_path / "news.db"
        open_database(db).close()
        with sqlite3.connect(db) as conn:
            conn.executescript(REFUSE_COMMIT)
        log = crawl_with(config, f"NEWSHOUND_STORE_BATCH={batch}")
        assert "was rolled back" in log and "FOREIGN KEY constraint failed" in log, log[-3000:]
        stored = {u.split("/", 3)[3] for (u,) in rows(db, "SELECT url FROM articles")}
        assert "w/2.html" not in stored
        if batch == 1:
            assert stored == stories - {"w/2.html"}
        for name, etag in rows(db, "SELECT name, etag FROM sources"):
            # validators kept only over every story of the source stored
            assert etag is None or {s for s in stories if s[0] == name.lower()} <= stored, name
        assert rows(db, "SELECT etag FROM sources WHERE name = 'W'") == [(None,)]
        assert rows(db, "SELECT COUNT(*) FROM outbox") == [(len(stored),)]

        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER refuse_commit")
        crawl_with(config, f"NEWSHOUND_STORE_BATCH={batch}")
        crawl_with(config, f"NEWSHOUND_STORE_BATCH={batch}")  # both feeds answer 304 now
        polls = [r.path for r in site.requests if r.path.endswith(".rss")]
    urls = [u.split("/", 3)[3] for (u,) in rows(db, "SELECT url FROM articles")]
    assert sorted(urls) == sorted(stories)
    alerts = rows(db, "SELECT a.url, COUNT(*), COUNT(DISTINCT o.event_id) FROM articles a "
                      "JOIN outbox o ON o.article_id = a.id GROUP BY a.id")  # fmt: skip
    assert len(alerts) == len(stories) and all(n == 1 == ids for _, n, ids in alerts)
    assert rows(db, "SELECT etag, held_polls FROM sources") == [('"v1"', 0)] * 2
    assert len(polls) == 6


def distinct_story(title: str) -> bytes:
    """A story about Putin whose words are its own: no near-duplicate of another."""
    rng = random.Random(title)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
        for _ in range(120)
    ]
    paragraphs = "".join(
        f"<p>Vladimir Putin said {' '.join(words[i : i + 30])}.</p>" for i in range(0, 120, 30)
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def ready_page(matcher: Matcher, i: int) -> ArticlePage:
    """Story ``i`` cleaned and matched, as the pipeline hands it to the writer."""
    url = f"https://news.example/story/{i}.html"
    body = distinct_story(f"Story {i}")
    cleaned = clean_html(body, url)
    result = matcher.match(title=cleaned.title or "", summary="", body=cleaned.text)
    entry = FeedEntry("W", url, url, guid=url, title=cleaned.title)
    return ArticlePage(entry=entry, body=body, final_url=url, url=url, cleaned=cleaned,
                       result=result)  # fmt: skip


def test_a_batch_is_visible_to_another_process_once_flushed_or_full(tmp_path: Path) -> None:
    """Articles wait in memory, with no write lock held, until the batch fills or its
    timer calls ``flush``: then they are committed, and another connection sees them."""
    source = '[[sources]]\nname = "W"\nurl = "https://news.example/feed"\n'
    config = load_config(write_config(tmp_path, source))
    matcher = Matcher(config.terms, config.rules)
    pages = [ready_page(matcher, i) for i in range(BATCH + 3)]
    db = tmp_path / "news.db"
    other = sqlite3.connect(db, timeout=0, isolation_level=None)  # never waits for a lock

    def seen() -> int:
        return int(other.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    async def run() -> None:
        pipeline = WriterPipeline(config, StatsCollector(Crawler(Spider, {})))
        pipeline.open_spider()
        try:
            pipeline.process_item(pages[0])
            pipeline.process_item(pages[1])
            assert seen() == 0
            other.execute("BEGIN IMMEDIATE")  # the write lock is free meanwhile
            other.execute("ROLLBACK")
            pipeline.flush()  # what the timer calls, BATCH_AFTER seconds after the first
            assert seen() == 2
            for page in pages[2:-1]:
                pipeline.process_item(page)
            assert seen() == 2 + BATCH  # the batch filled: committed with its last article
            pipeline.process_item(pages[-1])
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            assert seen() == 2 + BATCH
        finally:
            pipeline.close_spider()
        assert seen() == len(pages)
        assert pipeline.stats.get_value("newshound/store/stored") == len(pages)

    try:
        asyncio.run(run())
    finally:
        other.close()
