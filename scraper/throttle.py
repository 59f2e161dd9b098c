"""AutoThrottle that takes a 304 Not Modified as the full answer it is, and that
remembers each host's delay from one crawl to the next in a crawl worker.

Scrapy's AutoThrottle never lowers a host's delay on a non-200 response, because error
pages and redirects are quick and would talk it into going faster. A 304 is neither: it
is the successful answer to a conditional GET, and for a news monitor it is the usual one.
Left as a non-200, a host whose feeds are all unchanged kept ``AUTOTHROTTLE_START_DELAY``
between requests for ever, so every crawl trickled its requests out one per delay, each in
a reactor wake-up of its own. Here a 304's latency adjusts the delay exactly as a 200's
does: the same target concurrency per host, the same minimum and maximum delay, and any
other status is left to Scrapy's rule.

Each crawl is a new crawler, and Scrapy starts every host at the start delay again. A
crawl worker runs many crawls (``monitor/daemon/poll.py``), so the delay a host has
earned is kept in the worker (``LEARNED``, at most ``MAX_LEARNED`` hosts) and a host's
slot in the next crawl starts from it: a slow host stays slowed down, a fast one is not
made to wait the start delay again every tick. ``DOWNLOAD_SLOTS`` set by the user win.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response

MAX_LEARNED = 10_000
CRAWL_DELAY = "newshound_crawl_delay"  # request meta: robots.txt's Crawl-delay for it, s
LEARNED: dict[str, float] = {}  # download slot key (host) -> its delay at the last response


class _AsOk:
    """What ``_adjust_delay`` reads of a response (its status), as a 200."""

    status = 200


class ConditionalAutoThrottle(AutoThrottle):
    def _spider_opened(self, spider: Spider) -> None:
        super()._spider_opened(spider)
        per_slot = self.crawler.engine.downloader.per_slot_settings
        for key, delay in LEARNED.items():
            if key not in per_slot:
                per_slot[key] = {"delay": delay}

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if key is not None and slot is not None:
            slot.delay = max(slot.delay, request.meta.get(CRAWL_DELAY, 0.0))
            LEARNED.pop(key, None)  # re-inserted last: the oldest go first when full
            LEARNED[key] = slot.delay
            if len(LEARNED) > MAX_LEARNED:
                del LEARNED[next(iter(LEARNED))]

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, _AsOk() if response.status == 304 else response)  # type: ignore[arg-type]


def keep_apart(crawler: Crawler, request: Request, delay: float) -> None:
    """Send requests to ``request``'s host (its download slot) at least ``delay`` seconds
    apart, with no random variation below it: a robots.txt ``Crawl-delay``, which
    Scrapy does not apply (scrapy/scrapy#892). ``CachedRobotsTxtMiddleware`` calls it
    for each request it lets through; AutoThrottle, which would lower the slot's delay
    again, keeps it at least this (``CRAWL_DELAY`` in the request's meta)."""
    assert crawler.engine is not None
    _, slot = crawler.engine.downloader._get_slot(request)
    if slot.delay < delay or slot.jitter:
        slot.delay, slot.jitter = max(slot.delay, delay), 0.0
