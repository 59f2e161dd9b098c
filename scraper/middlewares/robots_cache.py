"""Scrapy's RobotsTxtMiddleware, with each origin's robots.txt kept in SQLite for a day,
and its answers kept in the crawl worker.

Every crawl child is a new crawler, so Scrapy's in-memory cache of parsed robots.txt
lasted one crawl: each poll of a host began with a robots.txt request. Here a host's
robots.txt, once fetched, is kept in the store (through the crawl's ``CrawlState``) and
serves every crawl for ``monitor.store.robots.MAX_AGE`` (24 h, what RFC 9309 allows);
then it is fetched again. The rules are applied exactly as by Scrapy (same parser, same
user agent); only answers that settle them are kept (see
``monitor.store.robots.cacheable``), so a 5xx or a failed fetch is retried next crawl.

Parsing is the costly part: a large news site's robots.txt (186 lines, a group per AI
crawler: ``fixtures/robots/news-site.txt``) takes Protego 2.3 ms, once per host per
crawl, which for a host polled for one unchanged feed was more than the rest of the poll.
So a crawl worker also keeps what each URL was answered (``ANSWERS``), under the fetch
time of the robots.txt that answered it: a feed polled again under the same robots.txt is
answered from there, and the body is parsed only when a URL is asked that no earlier
crawl of the worker asked (a new article page, a new source). Only the answers for URLs
polled again (feeds, listings, sitemaps) are kept: an article page is asked once, and
keeping its answer held 20,000 answers (3.4 MB) after a first crawl of 1,000 feeds. A
robots.txt fetched again has a new fetch time, so nothing it did not answer itself is
used.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from scraper.crawl_state import CrawlState
from scraper.throttle import CRAWL_DELAY, keep_apart

MAX_ANSWERS = 50_000  # ~10 MB at most; the feeds polled again are the last used, kept
# (url, user agent) -> (fetch time of the robots.txt that answered, allowed), oldest first
ANSWERS: OrderedDict[tuple[str | bytes, str | bytes], tuple[float, bool]] = OrderedDict()
# (fetch time, size of a kept robots.txt, user agent) -> its Crawl-delay for that agent
DELAYS: dict[tuple[float, int, str | bytes], float | None] = {}


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # NotConfigured unless ROBOTSTXT_OBEY

    @property
    def state(self) -> CrawlState | None:
        """The crawl's, made by the writer pipeline; None in a crawl without one (``scrapy
        crawl discover``), which then asks for robots.txt as Scrapy does."""
        return getattr(self.crawler, "newshound_state", None)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        if url.netloc not in self._parsers and self.state is not None:
            kept = self.state.kept_robots(f"{url.scheme}://{url.netloc}")
            if kept is not None:
                self._parsers[url.netloc] = KeptRobots(self, *kept)
                self._stats.inc_value("newshound/robotstxt/cached")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> Any:
        self._stats.inc_value("newshound/robotstxt/parsed")
        await super()._parse_robots(response, netloc, request)
        url = urlparse_cached(request)
        if self.state is None:
            return
        fetched = self.state.save_robots(f"{url.scheme}://{netloc}", response.status, response.body)
        parser = self._parsers[netloc]
        if fetched is not None and isinstance(parser, RobotParser):  # kept: answers too
            self._parsers[netloc] = KeptRobots(self, response.body, fetched, parser)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        # Requests that waited for the robots.txt are handed the parser Scrapy built.
        kept = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(kept, KeptRobots):
            kept.remember = _polled_again(request)
        super().process_request_2(kept if isinstance(kept, KeptRobots) else rp, request)
        delay = self.crawl_delay(request)  # allowed: it will be sent, that far apart
        if delay:
            delay = min(delay, self.crawler.settings.getfloat("NEWSHOUND_MAX_CRAWL_DELAY"))
            request.meta[CRAWL_DELAY] = delay
            keep_apart(self.crawler, request, delay)

    def crawl_delay(self, request: Request) -> float | None:
        """The ``Crawl-delay`` robots.txt of ``request``'s origin asks of us, once that
        robots.txt is known to this crawl; else None."""
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(parser, RobotParser):
            return None  # not asked yet, being fetched, or none
        useragent = self._robotstxt_useragent or request.headers.get(b"User-Agent")
        return parser.crawl_delay(useragent or self._default_useragent)

    def parse(self, body: bytes) -> RobotParser:
        self._stats.inc_value("newshound/robotstxt/parsed")
        parser: RobotParser = build_from_crawler(self._parserimpl, self.crawler, body)
        return parser


def _polled_again(request: Request) -> bool:
    """A source's feed, listing or sitemap (asked again at every poll), not an article
    page (asked once): only the answers for those are worth remembering."""
    return "newshound_conditional" in request.meta or "newshound_role" in request.meta


class KeptRobots(RobotParser):
    """An origin's kept robots.txt: answers from ``ANSWERS`` when the same robots.txt
    (by its fetch time) answered the same URL before, else from the body, parsed once."""

    def __init__(
        self,
        middleware: CachedRobotsTxtMiddleware,
        body: bytes,
        fetched: float,
        parser: RobotParser | None = None,
    ) -> None:
        self.middleware, self.body, self.fetched, self.parser = middleware, body, fetched, parser
        self.remember = True  # whether the next answer goes to ANSWERS (_polled_again)

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> KeptRobots:
        raise TypeError("KeptRobots is made by CachedRobotsTxtMiddleware, not from settings")

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        key = (url, user_agent)
        known = ANSWERS.get(key)
        if known is not None and known[0] == self.fetched:
            ANSWERS.move_to_end(key)
            return known[1]
        if self.parser is None:
            self.parser = self.middleware.parse(self.body)
        allowed = self.parser.allowed(url, user_agent)
        if self.remember:
            ANSWERS[key] = (self.fetched, allowed)
            ANSWERS.move_to_end(key)
            if len(ANSWERS) > MAX_ANSWERS:
                ANSWERS.popitem(last=False)
        return allowed

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        key = (self.fetched, len(self.body), user_agent)
        if key in DELAYS:  # asked by every request: the body is not parsed for it
            return DELAYS[key]
        if self.parser is None:
            self.parser = self.middleware.parse(self.body)
        DELAYS[key] = delay = self.parser.crawl_delay(user_agent)
        if len(DELAYS) > MAX_ANSWERS:
            del DELAYS[next(iter(DELAYS))]
        return delay


def crawl_delay(crawler: Crawler, request: Request) -> float | None:
    """What ``CachedRobotsTxtMiddleware.crawl_delay`` says of ``request`` in ``crawler``,
    or None when robots.txt is not obeyed there."""
    assert crawler.engine is not None
    for mw in crawler.engine.downloader.middleware.middlewares:
        if isinstance(mw, CachedRobotsTxtMiddleware):
            return mw.crawl_delay(request)
    return None
