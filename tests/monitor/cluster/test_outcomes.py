"""The cluster's writer on a real redis-server and a real SQLite file: a foreign or
malformed entry on the outcomes stream is acknowledged and reported, never fatal; a
message applied twice stores (and alerts) once; what it stored is published for the
workers' dedupe."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import pytest
import redis

from monitor.cleaner import clean_html
from monitor.config import Config, load_config
from monitor.daemon import cluster
from monitor.daemon.cluster import ClusterWriter
from monitor.fixture_site import FixtureSite
from monitor.matcher import Matcher
from monitor.store import Store
from monitor.urls import url_key
from scraper.cluster.keys import Keys
from scraper.cluster.messages import encode_article, encode_polled
from scraper.items import ArticlePage, FeedEntry, SourceFailed
from tests.support import write_site_config
from tests.support.redis_server import RedisServer

OUTCOMES = "newshound:outcomes"


def article(site: FixtureSite, config: Config, source: str = "Fixture World") -> ArticlePage:
    """The putin-beijing story, cleaned and matched as a worker does."""
    url = site.url("/articles/putin-beijing.html")
    body = site.render("/articles/putin-beijing.html") or b""
    cleaned = clean_html(body, url)
    result = Matcher(config.terms, config.rules).match(
        title=cleaned.title or "", summary="", body=cleaned.text
    )
    entry = FeedEntry(source, url, url, guid=url, title=cleaned.title)
    return ArticlePage(entry=entry, body=body, final_url=url, url=url, cleaned=cleaned,
                       result=result)  # fmt: skip


def drain(config: Config) -> ClusterWriter:
    """Run the writer until the outcomes stream is empty; return it (closed)."""

    async def run() -> ClusterWriter:
        writer = ClusterWriter(config)
        await writer.start()
        try:
            deadline = time.time() + 15
            while await writer.client.xlen(OUTCOMES) and time.time() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await writer.close()
        return writer

    return asyncio.run(run())


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_foreign_malformed_and_repeated_messages(
    site: FixtureSite, tmp_path: Path, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(write_site_config(
        site, tmp_path, extra=f'\n[cluster]\nredis = "{redis_server.url}"\n'))  # fmt: skip
    store = Store(config.storage.path)
    store.sync_sources(config.sources)
    store.close()
    page = article(site, config)
    assert page.result is not None and page.result.matched
    queued = time.time() - 5
    failed = [SourceFailed("Fixture World", 503, "HTTP 503", b"120")]
    client = redis.Redis.from_url(redis_server.url)
    try:
        for fields in (
            {"data": "from another program"},
            {"m": b"\x80\x04\x95 a pickle"},
            encode_article("j1", page, "w0"),
            encode_article("j1", page, "w0"),  # the same message again
            encode_polled("j1", "Fixture World", failed, True, "w0", queued),
            encode_polled("j1", "Fixture World", failed, True, "w0", queued),
            encode_article("j2", article(site, config, source="Not configured"), "w0"),
        ):
            client.xadd(OUTCOMES, fields)  # type: ignore[arg-type]
        # other tests in this process may have set up logging (the daemon's stops
        # propagation; a dictConfig disables existing loggers): listen on the logger itself
        logger = logging.getLogger("newshound.cluster")
        was = (logger.disabled, logger.level)
        logger.disabled = False
        logger.setLevel(logging.INFO)
        logger.addHandler(caplog.handler)
        try:
            writer = drain(config)
        finally:
            logger.removeHandler(caplog.handler)
            logger.disabled, logger.level = was
        assert client.xlen(OUTCOMES) == 0  # each acknowledged and deleted
        assert client.xpending(OUTCOMES, "writer")["pending"] == 0
        key = Keys().known(url_key(page.entry.url))
        assert client.get(key) is not None  # workers drop the story before its page
        assert client.ttl(key) > 0
    finally:
        client.close()
    db = config.storage.path
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(1,)]
    assert rows(db, "SELECT COUNT(*) FROM outbox") == [(1,)]  # alerted once (console)
    assert rows(db, "SELECT failures FROM sources WHERE name = 'Fixture World'") == [(1,)]
    assert writer.stats["newshound/cluster/refused"] == 3
    sample = writer.metrics.registry.get_sample_value
    assert sample("newshound_articles_stored_total") == 1  # /metrics counts what was applied
    assert sample("newshound_source_polls_total", {"result": "failed"}) == 1
    refused = {id(r) for r in caplog.records if r.getMessage() == "outcome_refused"}
    assert len(refused) == 3  # each reported (a record may reach the handler twice)


# COMMIT refused while the story is in the transaction: a deferred foreign key that
# SQLite checks only at COMMIT (as a full disk refuses the commit's WAL frames).
REFUSE_COMMIT = """
CREATE TABLE guard_parent (id INTEGER PRIMARY KEY);
CREATE TABLE commit_guard (
    parent INTEGER REFERENCES guard_parent(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER refuse_commit AFTER INSERT ON articles
BEGIN INSERT INTO commit_guard VALUES (1); END;
"""


@pytest.mark.parametrize("memory_full", [False, True], ids=["fresh", "applied-ids-full"])
def test_a_read_whose_commit_fails_is_read_again_and_nothing_published_before(
    site: FixtureSite,
    tmp_path: Path,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    memory_full: bool,
) -> None:
    """The messages of one read are one transaction: when its COMMIT fails nothing of it
    is acknowledged, published to the workers or counted (the poll is not taken for
    applied either, also once the writer's memory of applied polls is full, as after
    100,000 polls); once the database takes writes again it is all applied, once."""
    if memory_full:
        monkeypatch.setattr(cluster, "APPLIED_KEPT", 1)
    config = load_config(write_site_config(
        site, tmp_path, extra=f'\n[cluster]\nredis = "{redis_server.url}"\n'))  # fmt: skip
    store = Store(config.storage.path)
    store.sync_sources(config.sources)
    store.close()
    db = config.storage.path
    with sqlite3.connect(db) as conn:
        conn.executescript(REFUSE_COMMIT)
    page = article(site, config)
    failed = [SourceFailed("Fixture World", 503, "HTTP 503", b"120")]
    key = Keys().known(url_key(page.entry.url))
    client = redis.Redis.from_url(redis_server.url)
    logger = logging.getLogger("newshound.cluster")
    was = (logger.disabled, logger.level)
    logger.disabled = False
    logger.setLevel(logging.INFO)
    logger.addHandler(caplog.handler)

    async def run() -> ClusterWriter:
        writer = ClusterWriter(config)
        if memory_full:
            writer.applied["j0"] = None  # an earlier poll: the memory holds APPLIED_KEPT
        await writer.start()
        try:
            deadline = time.time() + 15
            while time.time() < deadline and not any(
                r.getMessage() == "outcomes_not_stored" for r in caplog.records
            ):
                await asyncio.sleep(0.02)
            pending = await writer.client.xpending(OUTCOMES, "writer")
            assert pending["pending"] == 2  # neither acknowledged
            assert await writer.client.get(key) is None  # not published: not stored
            assert rows(db, "SELECT COUNT(*) FROM articles") == [(0,)]
            assert writer.metrics.registry.get_sample_value("newshound_articles_stored_total") == 0
            with sqlite3.connect(db) as conn:
                conn.execute("DROP TRIGGER refuse_commit")
            while await writer.client.xlen(OUTCOMES) and time.time() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await writer.close()
        return writer

    try:
        client.xadd(OUTCOMES, encode_article("j1", page, "w0"))  # type: ignore[arg-type]
        client.xadd(OUTCOMES, encode_polled("j1", "Fixture World", failed, True, "w0"))  # type: ignore[arg-type]
        writer = asyncio.run(run())
        assert client.xlen(OUTCOMES) == 0
        assert client.get(key) is not None
    finally:
        logger.removeHandler(caplog.handler)
        logger.disabled, logger.level = was
        client.close()
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(1,)]
    assert rows(db, "SELECT COUNT(*) FROM outbox") == [(1,)]
    assert rows(db, "SELECT failures FROM sources WHERE name = 'Fixture World'") == [(1,)]
    sample = writer.metrics.registry.get_sample_value
    assert sample("newshound_articles_stored_total") == 1
    assert sample("newshound_source_polls_total", {"result": "failed"}) == 1
