"""FeedsSpider: every configured source -> one FeedEntry per item it lists.

Stage 0 of the crawl (the item pipeline, scraper/pipelines.py, does the rest). For each
source the spider sends one conditional GET; a 304 or an unchanged body ends that
source's work here. Feed bodies go to feedparser as bytes, never as str: feedparser takes
a str for a path or URL and would open it. Listing pages and sitemaps are parsed by
``scraper.spiders.listings`` and ``scraper.spiders.sitemaps``.

``scrapy crawl feeds -a config=newshound.toml`` crawls every enabled source once;
``-a url=https://…/feed`` crawls one feed with the built-in watch terms; ``-a due=1``
(used by the daemon) only the sources whose next poll has come.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlite_utils import Database
from twisted.python.failure import Failure

from monitor.config import Config, SourceConfig, default_config, load_config
from monitor.store import open_database
from monitor.store.sources import (
    record_fetch_failure,
    record_fetched,
    record_unchanged,
    sync_sources,
)
from scraper.feedparse import parse_feed_entries
from scraper.items import FeedEntry


def resolve_config(settings_config: Config | None, config: str | None, url: str | None) -> Config:
    """The crawl's config: the daemon's, a file's, or the default narrowed to one URL."""
    from dataclasses import replace

    if settings_config is not None:
        base = settings_config
    elif config:
        base = load_config(Path(config))
    else:
        base = default_config()
    if url:
        base = replace(base, sources=(SourceConfig(name=url, url=url, kind="auto"),))
    return base


class FeedsSpider(Spider):
    name = "feeds"

    def __init__(self, config: Config, due_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.due_only = due_only
        self._db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        config = resolve_config(
            crawler.settings.get("NEWSHOUND_CONFIG"), kwargs.pop("config", None),
            kwargs.pop("url", None),
        )  # fmt: skip
        # Scrapy >= 2.11 lets a spider set settings here, before the pipeline is built.
        crawler.settings.set("NEWSHOUND_CONFIG", config, priority="spider")
        if config.network.user_agent:
            crawler.settings.set("USER_AGENT", config.network.user_agent, priority="spider")
        due_only = str(kwargs.pop("due", "")).lower() in ("1", "true", "yes")
        spider = cls(config, due_only, *args, **kwargs)
        spider._set_crawler(crawler)
        crawler.signals.connect(spider.closed_db, signal=signals.spider_closed)
        return spider

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.config.storage.path)
        return self._db

    def closed_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def sources_to_poll(self) -> list[SourceConfig]:
        enabled = [s for s in self.config.sources if s.enabled]
        sync_sources(self.db, enabled)
        if not self.due_only:
            return enabled
        due = {
            row[0]
            for row in self.db.execute(
                "SELECT name FROM sources WHERE next_poll <= ? AND paused = 0", [time.time()]
            )
        }
        return [s for s in enabled if s.name in due]

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources_to_poll():
            yield self.source_request(source)

    def source_request(self, source: SourceConfig) -> Request:
        return Request(
            source.url,
            callback=self.parse_source,
            errback=self.source_failed,
            dont_filter=True,
            meta={
                "newshound_source": source.name,
                "newshound_conditional": True,
                "handle_httpstatus_list": [304],
                "download_maxsize": self.settings.getint("NEWSHOUND_FEED_MAXSIZE"),
            },
        )

    def parse_source(self, response: Response) -> Iterator[FeedEntry | Request]:
        source = self.config.source(response.meta["newshound_source"])
        if response.meta.get("newshound_unchanged"):
            record_unchanged(self.db, source.name, response.status)
            self.crawler.stats.inc_value("newshound/source/unchanged")
            return
        try:
            entries = self.entries_from(response, source)
        except ValueError as e:
            record_fetch_failure(self.db, source.name, status=response.status, error=str(e))
            self.logger.warning("source=%r url=%s error=%s", source.name, response.url, e)
            return
        record_fetched(
            self.db, source.name, status=response.status,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            content_hash=response.meta.get("newshound_body_hash"), items=len(entries),
        )  # fmt: skip
        self.crawler.stats.inc_value("newshound/source/parsed")
        self.logger.info("source=%r entries=%d", source.name, len(entries))
        yield from entries

    def entries_from(self, response: Response, source: SourceConfig) -> list[FeedEntry]:
        """The items a source's body lists. Raises ValueError when it lists none it can read."""
        return parse_feed_entries(response.body, response.url, response.headers, source.name)

    def source_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        name = request.meta["newshound_source"]
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            error = f"HTTP {status}"
        else:
            error = failure.getErrorMessage() or failure.type.__name__
        record_fetch_failure(self.db, name, status=status, error=error)
        self.crawler.stats.inc_value("newshound/source/failed")
        self.logger.warning("source=%r url=%s error=%s", name, request.url, error)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
