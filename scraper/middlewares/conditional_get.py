"""Conditional GET per source: send the validators we kept, recognise "unchanged".

Scrapy's HTTP cache is not used for this: with RFC2616Policy it was seen to skip requests
for ~100 days on an old Last-Modified and to refetch no-cache feeds. Instead the source's
ETag and Last-Modified live in SQLite (``sources`` table, read through the crawl's
``CrawlState``) and go out as If-None-Match /
If-Modified-Since. On the way back, a 304, or a 200 whose body hashes to what we parsed
last time (build times and generator comments left out: ``body_digest``), is flagged
``newshound_unchanged`` so the spider ends that source's work before any parsing. The
writer keeps the new validators only once every entry of the parsed body is stored.

The states of the crawl's sources are read in one query, on the first request (after the
spider's ``sync_sources``): each source is asked for once per crawl.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from monitor.config import Config
from scraper.crawl_state import CrawlState, Validators, crawl_state

__all__ = ["ConditionalGetMiddleware", "body_digest"]

# What many feeds change on every request while their entries stay as they were: the time
# the feed was built (RSS lastBuildDate, Atom updated, RDF dc:date, and dates stamped on
# every item by some generators) and a cache's or CMS's comment ("<!-- Dynamic page
# generated in 0.212 seconds. -->"). Nothing newshound keeps depends on them alone, so the
# body's digest leaves them out: such a feed is "unchanged" like any other, not parsed.
_VOLATILE = re.compile(
    rb"<!--.{0,400}?-->|<(lastBuildDate|pubDate|updated|dc:date)>[^<]{0,80}</\1>", re.S
)


def body_digest(body: bytes) -> str:
    """The digest a feed's (or listing's, or sitemap's) body is recognised by next time."""
    return hashlib.sha256(_VOLATILE.sub(b"", body)).hexdigest()


class ConditionalGetMiddleware:
    def __init__(
        self, crawler: Crawler, stats: StatsCollector, sources: tuple[str, ...] = ()
    ) -> None:
        self.crawler, self.stats, self.sources = crawler, stats, sources
        self._states: Mapping[str, Validators] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config: Config = crawler.settings["NEWSHOUND_CONFIG"]
        return cls(crawler, crawler.stats, tuple(s.name for s in config.sources))

    @property
    def state(self) -> CrawlState:
        return crawl_state(self.crawler)

    def process_request(self, request: Request) -> None:
        source = request.meta.get("newshound_source")
        if not source or not request.meta.get("newshound_conditional"):
            return
        if self._states is None:
            self._states = self.state.source_states(self.sources)
        state = self._states.get(source)
        if state is None and source not in self.sources:
            state = self.state.source_state(source)
        request.meta["newshound_state"] = state
        if state is None:
            return
        if state.etag:
            request.headers.setdefault(b"If-None-Match", state.etag.encode("latin-1", "replace"))
        if state.last_modified:
            request.headers.setdefault(
                b"If-Modified-Since", state.last_modified.encode("latin-1", "replace")
            )

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("newshound_conditional"):
            return response
        state = request.meta.get("newshound_state")
        if response.status == 304:
            self.stats.inc_value("newshound/conditional_get/not_modified")
            request.meta["newshound_unchanged"] = True
        elif response.status == 200:
            digest = body_digest(response.body)
            request.meta["newshound_body_hash"] = digest
            if state is not None and state.content_hash == digest:
                self.stats.inc_value("newshound/conditional_get/same_body")
                request.meta["newshound_unchanged"] = True
        return response
