"""Scrapy's RobotsTxtMiddleware, with each origin's robots.txt kept in SQLite for a day.

Every crawl child is a new crawler, so Scrapy's in-memory cache of parsed robots.txt
lasted one crawl: each poll of a host began with a robots.txt request. Here a host's
robots.txt, once fetched, serves every crawl for ``monitor.store.robots.MAX_AGE`` (24 h,
what RFC 9309 allows); then it is fetched again. The rules are applied exactly as by
Scrapy (same parser, same user agent); only answers that settle them are kept (see
``monitor.store.robots.cacheable``), so a 5xx or a failed fetch is retried next crawl.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from sqlite_utils import Database

from monitor.config import Config
from monitor.store import open_database
from monitor.store.robots import get_robots, save_robots


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # NotConfigured unless ROBOTSTXT_OBEY
        config: Config = crawler.settings["NEWSHOUND_CONFIG"]
        self.db_path = str(config.storage.path)
        self._db: Database | None = None
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @property
    def db(self) -> Database:  # opened on first use, in the reactor thread
        if self._db is None:
            self._db = open_database(self.db_path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        if url.netloc not in self._parsers:
            body = get_robots(self.db, f"{url.scheme}://{url.netloc}")
            if body is not None:
                self._parsers[url.netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value("newshound/robotstxt/cached")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> Any:
        await super()._parse_robots(response, netloc, request)
        url = urlparse_cached(request)
        save_robots(self.db, f"{url.scheme}://{netloc}", response.status, response.body)
