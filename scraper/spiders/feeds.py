"""FeedsSpider: every configured source -> one FeedEntry per item it lists.

Stage 0 of the crawl (the item pipeline, scraper/pipelines.py, does the rest). For each
source the spider sends one conditional GET; a 304 or an unchanged body ends that
source's work here. Feed bodies go to feedparser as bytes, never as str: feedparser takes
a str for a path or URL and would open it. Listing pages and sitemaps are parsed by
``scraper.spiders.listings`` and ``scraper.spiders.sitemaps``; a homepage given as an
``auto`` source is resolved to its feed by ``scraper.spiders.discovery``.

What a source leads to besides its own URL (the next listing page, a sitemap index's
children, a homepage's feed) is fetched by follow-up requests made in ``entries_from``;
child sitemaps and discovered feeds keep their own validators (``monitor.store.pages``)
so they too are skipped when unchanged.

``scrapy crawl feeds -a config=newshound.toml`` crawls every enabled source once;
``-a url=https://…/feed`` crawls one feed with the built-in watch terms; ``-a due=1``
(used by the daemon) only the sources whose next poll has come.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlite_utils import Database
from twisted.python.failure import Failure

from monitor.config import Config, SourceConfig, default_config, load_config
from monitor.safety import install_secret_filter
from monitor.store import open_database
from monitor.store.articles import find_known
from monitor.store.pages import (
    PageState,
    discovered_feed,
    forget_pages,
    get_page_state,
    own_pages,
    record_page,
)
from monitor.store.sources import (
    record_fetch_failure,
    record_fetched,
    record_unchanged_many,
    sync_sources,
)
from scraper.errors import download_error
from scraper.feedparse import parse_feed_entries
from scraper.items import FeedEntry
from scraper.middlewares.conditional_get import body_digest
from scraper.spiders.discovery import (
    COMMON_FEED_PATHS,
    body_kind,
    feed_links,
    first_url,
    lasting_url,
)
from scraper.spiders.listings import parse_listing
from scraper.spiders.sitemaps import parse_sitemap

REDISCOVER_AFTER = 7 * 86400.0  # a homepage's feed is looked for again after a week
# A source whose URL redirects permanently (301/308 only) is polled at the new URL, and
# its own URL is asked again a day later: a move undone, or redirected elsewhere, is seen.
RECHECK_MOVE_AFTER = 86400.0
MAX_SITEMAP_DEPTH = 2  # index -> index -> sitemap
# Unchanged polls are written in batches: this many, or this many seconds after the first
# one waiting, and at the end of the crawl. A crash loses at most a batch of "unchanged"
# records, and a lost one only makes that source due again: it is polled once more.
UNCHANGED_BATCH = 200
UNCHANGED_FLUSH_AFTER = 1.0


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
        self._sources = {s.name: s for s in config.sources}
        self._unchanged: list[tuple[str, int, float, float]] = []
        self._flush_call: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        config = resolve_config(
            crawler.settings.get("NEWSHOUND_CONFIG"), kwargs.pop("config", None),
            kwargs.pop("url", None),
        )  # fmt: skip
        # Scrapy >= 2.11 lets a spider set settings here, before the pipeline is built.
        crawler.settings.set("NEWSHOUND_CONFIG", config, priority="spider")
        install_secret_filter(config)  # secrets never reach a log line
        crawler.settings.set("DOWNLOAD_TIMEOUT", config.network.timeout, priority="spider")
        crawler.settings.set(
            "DOWNLOAD_VERIFY_CERTIFICATES", config.network.verify_certificates, priority="spider"
        )
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

    def source(self, name: str) -> SourceConfig:
        """``config.source(name)``, by a dict: a crawl asks once per response."""
        try:
            return self._sources[name]
        except KeyError:
            return self.config.source(name)

    def _record_unchanged(self, source: SourceConfig, status: int) -> None:
        self._unchanged.append((source.name, status, time.time(), source.interval))
        if len(self._unchanged) >= UNCHANGED_BATCH:
            self.flush_unchanged()
        elif self._flush_call is None:
            from scrapy.utils.asyncio import call_later

            self._flush_call = call_later(UNCHANGED_FLUSH_AFTER, self.flush_unchanged)

    def flush_unchanged(self) -> None:
        """Write the unchanged polls recorded so far, in one transaction."""
        if self._flush_call is not None:
            self._flush_call.cancel()  # a no-op when it is this very call
            self._flush_call = None
        polls, self._unchanged = self._unchanged, []
        if polls:
            record_unchanged_many(self.db, polls)

    def closed_db(self) -> None:
        self.flush_unchanged()
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
        sources = self.sources_to_poll()
        pages = own_pages(self.db, {source.name for source in sources})
        for source in sources:
            yield self.source_request(source, pages.get(source.name, {}))

    def source_request(self, source: SourceConfig, pages: dict[str, PageState]) -> Request:
        """The poll of ``source``; ``pages`` are its ``own_pages``."""
        url, conditional = source.url, True
        moved = next((page for page in pages.values() if page.role == "moved"), None)
        if moved is not None and moved.found >= time.time() - RECHECK_MOVE_AFTER:
            url = moved.url
        if source.kind == "auto" and not source.item:
            url = discovered_feed(pages, REDISCOVER_AFTER) or url
        if source.kind in ("auto", "sitemap"):
            # An index rarely changes when its children do: fetch it, and let each child
            # answer 304 on its own validators.
            state = pages.get(url)
            conditional = state is None or state.role != "sitemapindex"
        return Request(
            url,
            callback=self.parse_source,
            errback=self.source_failed,
            dont_filter=True,
            meta={
                "newshound_source": source.name,
                "newshound_conditional": conditional,
                "newshound_moved": moved and moved.url,  # where the source moved, if it did
                "handle_httpstatus_list": [304],
                "download_maxsize": self.settings.getint("NEWSHOUND_FEED_MAXSIZE"),
            },
        )

    def parse_source(self, response: Response) -> Iterator[FeedEntry | Request]:
        source = self.source(response.meta["newshound_source"])
        if response.meta.get("newshound_unchanged"):
            self._note_move(source, response)
            self._record_unchanged(source, response.status)
            self.crawler.stats.inc_value("newshound/source/unchanged")
            return
        try:
            entries = self.entries_from(response, source)
        except ValueError as e:
            self._forget_failed_move(source.name, response.meta, response.url)
            record_fetch_failure(
                self.db, source.name, status=response.status, error=str(e),
                max_failures=self.config.daemon.max_failures,
            )  # fmt: skip
            self.logger.warning("source=%r url=%s error=%s", source.name, response.url, e)
            return
        self._note_move(source, response)
        record_fetched(
            self.db, source.name, status=response.status,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            content_hash=response.meta.get("newshound_body_hash"),
            items=sum(isinstance(e, FeedEntry) for e in entries),
        )  # fmt: skip
        self.crawler.stats.inc_value("newshound/source/parsed")
        self.logger.info("source=%r entries=%d", source.name, len(entries))
        yield from entries

    def _note_move(self, source: SourceConfig, response: Response) -> None:
        """Remember where the source's own URL moved when every redirect on the way was
        permanent, so the next polls ask there directly (one request, not two); forget it
        when the source's URL answers for itself again or redirects only for now."""
        moved = response.meta.get("newshound_moved")
        first = first_url(response.meta, response.url)
        if first not in (source.url, moved):
            return  # a discovered feed's poll: not the source's own URL
        lasting = lasting_url(response)
        if lasting != first:  # redirected, and every hop permanent
            forget_pages(self.db, source.name, "moved")
            record_page(self.db, source.name, lasting, "moved")  # found: now
            if lasting != moved:
                self.logger.warning(
                    "source=%r moved permanently to %s: polled there from now on; "
                    "set the source's url to it", source.name, lasting,
                )  # fmt: skip
        elif first == source.url and moved is not None:
            forget_pages(self.db, source.name, "moved")
            self.logger.info("source=%r url=%s no longer moved", source.name, source.url)

    def _forget_failed_move(self, name: str, meta: dict[str, Any], url: str) -> None:
        """The URL a source moved to failed (``meta`` and ``url``: the failed request's, or
        its response's): the next poll asks the source's own URL."""
        moved = meta.get("newshound_moved")
        if moved is not None and first_url(meta, url) == moved:
            forget_pages(self.db, name, "moved")

    def entries_from(self, response: Response, source: SourceConfig) -> list[FeedEntry | Request]:
        """The items a source's body lists, and the follow-up requests it leads to.

        ``kind = "auto"`` goes by the body: a feed or JSON Feed, a sitemap, else an HTML
        page, read as a listing when the source has an ``item`` selector and as a
        homepage whose feed is to be found otherwise. Raises ValueError when the body
        lists nothing it can read.
        """
        kind = source.kind
        if kind == "auto":
            sniffed = body_kind(response.body)
            kind = {"json": "feed", "html": "page" if source.item else "homepage"}.get(
                sniffed, sniffed
            )
        if kind == "sitemap":
            return self._sitemap_items(response, source, depth=0)
        if kind == "page":
            return self._listing_items(response, source, page=1)
        if kind == "homepage":
            return self._discovery_items(response, source)
        return list(parse_feed_entries(response.body, response.url, response.headers, source.name))

    def _follow_up(
        self, url: str, source: SourceConfig, callback: Any, role: str, **meta: Any
    ) -> Request:
        """A request a source leads to; ``role`` "sitemap"/"feed" ones carry validators."""
        headers = {}
        state = get_page_state(self.db, source.name, url) if role != "page" else None
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return Request(
            url, callback=callback, errback=self.follow_up_failed, headers=headers,
            meta={
                "newshound_source": source.name, "newshound_role": role,
                "handle_httpstatus_list": [304],
                "download_maxsize": self.settings.getint("NEWSHOUND_FEED_MAXSIZE"), **meta,
            },
        )  # fmt: skip

    def _unchanged_follow_up(self, response: Response) -> bool:
        """True for a 304, or a body that hashes as last time; else remembers the hash."""
        if response.status == 304:
            self.crawler.stats.inc_value("newshound/source/unchanged_follow_up")
            return True
        digest = body_digest(response.body)
        name, url = response.meta["newshound_source"], _requested_url(response)
        state = get_page_state(self.db, name, url)
        response.meta["newshound_body_hash"] = digest
        if state is not None and state.content_hash == digest:
            self.crawler.stats.inc_value("newshound/source/unchanged_follow_up")
            return True
        return False

    def _remember_follow_up(self, response: Response, role: str) -> None:
        record_page(
            self.db, response.meta["newshound_source"], _requested_url(response), role,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            content_hash=response.meta.get("newshound_body_hash"),
        )  # fmt: skip

    # --- sitemaps ------------------------------------------------------------------

    def _sitemap_items(
        self, response: Response, source: SourceConfig, depth: int
    ) -> list[FeedEntry | Request]:
        page = parse_sitemap(response.body, response.url, source.name, source.max_age)
        self.crawler.stats.inc_value("newshound/sitemap/old_skipped", page.skipped_old)
        items: list[FeedEntry | Request] = list(page.entries)
        if page.is_index and depth == 0:
            record_page(self.db, source.name, _requested_url(response), "sitemapindex")
        if page.is_index and depth < MAX_SITEMAP_DEPTH:
            items += [
                self._follow_up(url, source, self.parse_sitemap_child, "sitemap", depth=depth + 1)
                for url in page.children
            ]
        return items

    def parse_sitemap_child(self, response: Response) -> Iterator[FeedEntry | Request]:
        source = self.source(response.meta["newshound_source"])
        if self._unchanged_follow_up(response):
            return
        try:
            items = self._sitemap_items(response, source, response.meta["depth"])
        except ValueError as e:
            self.logger.warning("source=%r url=%s error=%s", source.name, response.url, e)
            return
        self._remember_follow_up(response, "sitemap")
        yield from items

    # --- listing pages -------------------------------------------------------------

    def _listing_items(
        self, response: Response, source: SourceConfig, page: int
    ) -> list[FeedEntry | Request]:
        listing = parse_listing(response, source)
        items: list[FeedEntry | Request] = list(listing.entries)
        # The next page only while this one still lists something new: a known page
        # means the rest was read on an earlier poll.
        if (
            listing.next_url
            and page < source.max_pages
            and any(find_known(self.db, e.url, e.guid, e.source) is None for e in listing.entries)
        ):
            items.append(
                self._follow_up(listing.next_url, source, self.parse_listing_next, "page",
                                page=page + 1)
            )  # fmt: skip
        return items

    def parse_listing_next(self, response: Response) -> Iterator[FeedEntry | Request]:
        source = self.source(response.meta["newshound_source"])
        if response.status != 200:
            return
        try:
            yield from self._listing_items(response, source, response.meta["page"])
        except ValueError as e:
            self.logger.warning("source=%r url=%s error=%s", source.name, response.url, e)

    # --- homepages: discovery --------------------------------------------------------

    def _discovery_items(
        self, response: Response, source: SourceConfig
    ) -> list[FeedEntry | Request]:
        announced = feed_links(response.body, response.url)
        candidates = announced or [urljoin(response.url, p) for p in COMMON_FEED_PATHS]
        self.logger.info("source=%r homepage, feed candidates=%s", source.name, candidates[:3])
        forget_pages(self.db, source.name, "feed")
        return [self._candidate_request(source, candidates, 0)]

    def _candidate_request(self, source: SourceConfig, candidates: list[str], i: int) -> Request:
        return self._follow_up(
            candidates[i], source, self.parse_discovered_feed, "feed",
            candidates=candidates, candidate=i,
        )  # fmt: skip

    def parse_discovered_feed(self, response: Response) -> Iterator[FeedEntry | Request]:
        source = self.source(response.meta["newshound_source"])
        if response.status == 304:
            return
        try:
            entries = parse_feed_entries(response.body, response.url, response.headers, source.name)
        except ValueError as e:
            self.logger.info("source=%r candidate %s: %s", source.name, response.url, e)
            yield from self._next_candidate(response.meta, source)
            return
        self._unchanged_follow_up(response)  # for the hash only: the feed is new to us
        self._remember_follow_up(response, "feed")
        self.crawler.stats.inc_value("newshound/discovery/found")
        self.logger.warning("source=%r url=%s is not a feed: using %s found on it",
                            source.name, source.url, response.url)  # fmt: skip
        yield from entries

    def _next_candidate(self, meta: dict[str, Any], source: SourceConfig) -> Iterator[Request]:
        candidates, i = meta.get("candidates") or [], meta.get("candidate", 0) + 1
        if i < len(candidates):
            yield self._candidate_request(source, candidates, i)
            return
        error = f"no feed found on the homepage ({source.url}); tried {len(candidates)} URLs"
        # status 200: the homepage answered, it just offers no feed (counts towards a pause)
        record_fetch_failure(
            self.db, source.name, status=200, error=error,
            max_failures=self.config.daemon.max_failures,
        )  # fmt: skip
        self.logger.warning("source=%r error=%s", source.name, error)

    def follow_up_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("newshound/source/follow_up_failed")
        self.logger.info(
            "source=%r url=%s error=%s", request.meta["newshound_source"], request.url,
            download_error(failure),
        )  # fmt: skip
        if request.meta.get("newshound_role") == "feed":
            source = self.source(request.meta["newshound_source"])
            yield from self._next_candidate(request.meta, source)

    def source_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        name = request.meta["newshound_source"]
        status, retry_after = None, None
        if failure.check(HttpError):
            status = failure.value.response.status
            retry_after = failure.value.response.headers.get(b"Retry-After")
            error = f"HTTP {status}"
        else:
            error = download_error(failure)
        self._forget_failed_move(name, request.meta, request.url)
        record_fetch_failure(
            self.db, name, status=status, error=error, retry_after=retry_after,
            max_failures=self.config.daemon.max_failures,
        )  # fmt: skip
        self.crawler.stats.inc_value("newshound/source/failed")
        self.logger.warning("source=%r url=%s error=%s", name, request.url, error)


def _requested_url(response: Response) -> str:
    """The URL as requested (a redirect's target is ``response.url``): the state's key."""
    return response.request.url if response.request is not None else response.url


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
