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
        # the daemon's log setup (other tests in this process) may stop propagation
        logger = logging.getLogger("newshound.cluster")
        logger.addHandler(caplog.handler)
        try:
            writer = drain(config)
        finally:
            logger.removeHandler(caplog.handler)
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
