"""robots.txt in a worker: ``CachedRobotsTxtMiddleware`` for a crawl that never ends.

A local crawl lasts one poll tick, so Scrapy's per-crawl map of parsed robots.txt is
fresh each time. A worker's crawl lasts weeks: here each host's answer is forgotten
every ``REFRESH_EVERY``, so the next request of the host reads the robots.txt kept in
Redis (``<prefix>:robots:<origin>``, a day), and fetches it again once that expired.
The answers per URL stay cached by the robots.txt's fetch time, so nothing is parsed
again for it.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.robotstxt import RobotParser
from twisted.internet.defer import Deferred

from scraper.middlewares.robots_cache import CachedRobotsTxtMiddleware

__all__ = ["ClusterRobotsTxtMiddleware"]

REFRESH_EVERY = 600.0  # seconds


class ClusterRobotsTxtMiddleware(CachedRobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.refreshed = time.monotonic()

    async def robot_parser(self, request: Request) -> RobotParser | None:
        now = time.monotonic()
        if now - self.refreshed >= REFRESH_EVERY:
            self.refreshed = now
            parsers: dict[str, Any] = self._parsers
            for netloc in [n for n, p in parsers.items() if not isinstance(p, Deferred)]:
                del parsers[netloc]  # answered: asked again (of Redis first)
        return await super().robot_parser(request)
