"""FeedsSpider: every configured source -> one FeedEntry per item it lists.

Stage 0 of the crawl (the item pipeline, scraper/pipelines.py, does the rest). For each
source the spider sends one conditional GET; a 304 or an unchanged body ends that
source's work here. Feed bodies go to feedparser as bytes, never as str: feedparser takes
a str for a path or URL and would open it. Listing pages and sitemaps are parsed by
``scraper.spiders.listings`` and ``scraper.spiders.sitemaps``; a homepage given as an
``auto`` source is resolved to its feed by ``scraper.spiders.discovery``.

What a source leads to besides its own URL (the next listing page, a sitemap index's
children, a homepage's feed) is fetched by follow-up requests made in ``entries_from``;
child sitemaps and discovered feeds keep their own validators so they too are skipped
when unchanged. At most ``MAX_ENTRIES`` entries and follow-up requests per source and
poll, whatever its kind, counted across its follow-ups (``NEWSHOUND_MAX_ENTRIES``).

The spider writes nothing: it yields what happened to each source as items
(``scraper.items``: ``SourcePolled``, ``SourceUnchanged``, ``SourceFailed``,
``SourceMoved``, ``PagePolled``, ``PagesForgotten``) beside the entries, and counts in the
crawl's ``PollLedger`` everything a poll put into the crawl, so the writer
(``scraper/writer.py``) keeps a body's validators only once all of it has settled. An
unchanged poll (304, same digest), which leads to nothing, is handed to the writer whole
through ``PollLedger.report`` rather than as an item: it is most polls. Any
exception while parsing a source is that source's failure (backoff, ``last_error``).

``scrapy crawl feeds -a config=newshound.toml`` crawls every enabled source once;
``-a url=https://…/feed`` crawls one feed with the built-in watch terms; ``-a due=1``
(used by the daemon) only the sources whose next poll has come.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.config import Config, SourceConfig, default_config, load_config
from monitor.safety import install_secret_filter
from scraper.crawl_state import CrawlState, PageValidators, PollLedger, crawl_ledger, crawl_state
from scraper.errors import download_error
from scraper.feedparse import MAX_ENTRIES, parse_feed_entries
from scraper.items import (
    FeedEntry,
    PagePolled,
    PagesForgotten,
    SourceFailed,
    SourceMoved,
    SourcePolled,
    SourceUnchanged,
)
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

# What the spider's callbacks yield: entries, follow-up requests, and what happened.
Output = (
    FeedEntry | Request | SourcePolled | SourceUnchanged | SourceFailed | SourceMoved
    | PagePolled | PagesForgotten
)  # fmt: skip


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
        self._sources = {s.name: s for s in config.sources}
        self._budget: dict[str, int] = {}  # entries and follow-ups left, per source's poll

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
        return spider

    @property
    def state(self) -> CrawlState:
        return crawl_state(self.crawler)

    @property
    def max_entries(self) -> int:
        """Entries and follow-up requests per source and poll (``NEWSHOUND_MAX_ENTRIES``)."""
        return self.settings.getint("NEWSHOUND_MAX_ENTRIES", MAX_ENTRIES)

    @property
    def ledger(self) -> PollLedger:
        return crawl_ledger(self.crawler)

    def source(self, name: str) -> SourceConfig:
        """``config.source(name)``, by a dict: a crawl asks once per response."""
        try:
            return self._sources[name]
        except KeyError:
            return self.config.source(name)

    def _emit(self, name: str, out: Sequence[Output]) -> Sequence[Output]:
        """``out``, counted in the poll ledger of source ``name`` before it is yielded."""
        self.ledger.expect(name, len(out))
        return out

    def sources_to_poll(self) -> list[SourceConfig]:
        enabled = [s for s in self.config.sources if s.enabled]  # synced by the writer
        if not self.due_only:
            return enabled
        due = self.state.sources_due([s.name for s in enabled], time.time())
        return [s for s in enabled if s.name in due]

    async def start(self) -> AsyncIterator[Request]:
        sources = self.sources_to_poll()
        pages = self.state.own_pages({source.name for source in sources})
        for source in sources:
            yield self.source_request(source, pages.get(source.name, {}))

    def source_request(self, source: SourceConfig, pages: Any) -> Request:
        """The poll of ``source``; ``pages`` are its ``own_pages`` (url -> state)."""
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

    def parse_source(self, response: Response) -> Iterator[Output]:
        source = self.source(response.meta["newshound_source"])
        if response.meta.get("newshound_unchanged"):
            self.crawler.stats.inc_value("newshound/source/unchanged")
            unchanged = SourceUnchanged(source.name, response.status, time.time())
            self.ledger.report([*self._note_move(source, response), unchanged])
            return
        self._budget[source.name] = self.max_entries
        try:
            entries = self.entries_from(response, source)
        except Exception as e:  # noqa: BLE001 - any parse error is this source's failure
            error = str(e) if isinstance(e, ValueError) else f"cannot parse: {e!r}"
            self.logger.warning("source=%r url=%s error=%s", source.name, response.url, error)
            failed = SourceFailed(source.name, response.status, error)
            failure: list[Output] = [
                *self._forget_failed_move(source.name, response.meta, response.url),
                failed,
            ]
            yield from self._emit(source.name, failure)
            return
        polled = SourcePolled(
            source.name, response.status, _header(response, b"ETag"),
            _header(response, b"Last-Modified"), response.meta.get("newshound_body_hash"),
            sum(isinstance(e, FeedEntry) for e in entries), time.time(),
        )  # fmt: skip
        self.crawler.stats.inc_value("newshound/source/parsed")
        self.logger.info("source=%r entries=%d", source.name, polled.items)
        parsed: list[Output] = [*self._note_move(source, response), polled, *entries]
        yield from self._emit(source.name, parsed)

    def _note_move(self, source: SourceConfig, response: Response) -> list[SourceMoved]:
        """Remember where the source's own URL moved when every redirect on the way was
        permanent, so the next polls ask there directly (one request, not two); forget it
        when the source's URL answers for itself again or redirects only for now."""
        moved = response.meta.get("newshound_moved")
        first = first_url(response.meta, response.url)
        if first not in (source.url, moved):
            return []  # a discovered feed's poll: not the source's own URL
        lasting = lasting_url(response)
        if lasting != first:  # redirected, and every hop permanent
            if lasting != moved:
                self.logger.warning(
                    "source=%r moved permanently to %s: polled there from now on; "
                    "set the source's url to it", source.name, lasting,
                )  # fmt: skip
            return [SourceMoved(source.name, lasting)]  # found: now
        if first == source.url and moved is not None:
            self.logger.info("source=%r url=%s no longer moved", source.name, source.url)
            return [SourceMoved(source.name, None)]
        return []

    def _forget_failed_move(self, name: str, meta: dict[str, Any], url: str) -> list[SourceMoved]:
        """The URL a source moved to failed (``meta`` and ``url``: the failed request's, or
        its response's): the next poll asks the source's own URL."""
        moved = meta.get("newshound_moved")
        if moved is not None and first_url(meta, url) == moved:
            return [SourceMoved(name, None)]
        return []

    def entries_from(self, response: Response, source: SourceConfig) -> list[Output]:
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
        entries = parse_feed_entries(response.body, response.url, response.headers, source.name)
        return self._capped(source.name, list(entries))

    def _capped(self, name: str, out: list[Output]) -> list[Output]:
        """``out`` with at most what is left of the poll's ``MAX_ENTRIES`` entries and
        follow-up requests; the rest is dropped (on purpose: the poll is complete)."""
        left = self._budget.get(name, self.max_entries)
        kept: list[Output] = []
        dropped = 0
        for item in out:
            if isinstance(item, FeedEntry | Request):
                if left <= 0:
                    dropped += 1
                    continue
                left -= 1
            kept.append(item)
        self._budget[name] = left
        if dropped:
            self.crawler.stats.inc_value("newshound/source/capped", dropped)
            self.logger.warning(
                "source=%r lists more than %d entries and links this poll; %d not followed",
                name, self.max_entries, dropped,
            )  # fmt: skip
        return kept

    def _follow_up(
        self, url: str, source: SourceConfig, callback: Any, role: str, **meta: Any
    ) -> Request:
        """A request a source leads to; ``role`` "sitemap"/"feed" ones carry validators.
        Its callback or errback settles it in the poll ledger (``_settle_follow_up``)."""
        headers = {}
        state = self.state.page_state(source.name, url) if role != "page" else None
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return Request(
            url, callback=callback, errback=self.follow_up_failed, headers=headers,
            dont_filter=True,  # a dropped request would never settle its poll
            meta={
                "newshound_source": source.name, "newshound_role": role,
                "handle_httpstatus_list": [304],
                "download_maxsize": self.settings.getint("NEWSHOUND_FEED_MAXSIZE"), **meta,
            },
        )  # fmt: skip

    def _settle_follow_up(self, name: str, out: Sequence[Output], ok: bool = True) -> None:
        """A follow-up request has been answered with ``out``: count that in, settle it."""
        self.ledger.expect(name, len(out))
        self.ledger.done(name, ok)

    def _unchanged_follow_up(self, response: Response) -> bool:
        """True for a 304, or a body that hashes as last time; else remembers the hash."""
        if response.status == 304:
            self.crawler.stats.inc_value("newshound/source/unchanged_follow_up")
            return True
        digest = body_digest(response.body)
        name, url = response.meta["newshound_source"], _requested_url(response)
        state = self.state.page_state(name, url)
        response.meta["newshound_body_hash"] = digest
        if state is not None and state.content_hash == digest:
            self.crawler.stats.inc_value("newshound/source/unchanged_follow_up")
            return True
        return False

    def _follow_up_polled(self, response: Response, role: str) -> PagePolled:
        return PagePolled(
            response.meta["newshound_source"], _requested_url(response), role,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            content_hash=response.meta.get("newshound_body_hash"),
        )  # fmt: skip

    # --- sitemaps ------------------------------------------------------------------

    def _sitemap_items(self, response: Response, source: SourceConfig, depth: int) -> list[Output]:
        page = parse_sitemap(response.body, response.url, source.name, source.max_age)
        self.crawler.stats.inc_value("newshound/sitemap/old_skipped", page.skipped_old)
        items: list[Output] = list(page.entries)
        if page.is_index and depth == 0:
            items.append(PagePolled(source.name, _requested_url(response), "sitemapindex"))
        if page.is_index and depth < MAX_SITEMAP_DEPTH:
            items += [
                self._follow_up(url, source, self.parse_sitemap_child, "sitemap", depth=depth + 1)
                for url in page.children
            ]
        return self._capped(source.name, items)

    def parse_sitemap_child(self, response: Response) -> Iterator[Output]:
        source = self.source(response.meta["newshound_source"])
        items: list[Output] = []
        if not self._unchanged_follow_up(response):
            try:
                items = self._sitemap_items(response, source, response.meta["depth"])
                items.append(self._follow_up_polled(response, "sitemap"))
            except Exception as e:  # noqa: BLE001 - a broken child loses itself only
                items = []
                self.logger.warning("source=%r url=%s error=%s", source.name, response.url, e)
        self._settle_follow_up(source.name, items)
        yield from items

    # --- listing pages -------------------------------------------------------------

    def _listing_items(self, response: Response, source: SourceConfig, page: int) -> list[Output]:
        listing = parse_listing(response, source)
        items: list[Output] = list(listing.entries)
        # The next page only while this one still lists something new: a known page
        # means the rest was read on an earlier poll.
        if (
            listing.next_url
            and page < source.max_pages
            and any(
                self.state.known_article(e.url, e.guid, e.source) is None for e in listing.entries
            )
        ):
            items.append(
                self._follow_up(listing.next_url, source, self.parse_listing_next, "page",
                                page=page + 1)
            )  # fmt: skip
        return self._capped(source.name, items)

    def parse_listing_next(self, response: Response) -> Iterator[Output]:
        source = self.source(response.meta["newshound_source"])
        items: list[Output] = []
        if response.status == 200:
            try:
                items = self._listing_items(response, source, response.meta["page"])
            except Exception as e:  # noqa: BLE001 - a broken next page loses itself only
                self.logger.warning("source=%r url=%s error=%s", source.name, response.url, e)
        self._settle_follow_up(source.name, items)
        yield from items

    # --- homepages: discovery --------------------------------------------------------

    def _discovery_items(self, response: Response, source: SourceConfig) -> list[Output]:
        announced = feed_links(response.body, response.url)
        candidates = announced or [urljoin(response.url, p) for p in COMMON_FEED_PATHS]
        self.logger.info("source=%r homepage, feed candidates=%s", source.name, candidates[:3])
        return [PagesForgotten(source.name, "feed"), self._candidate_request(source, candidates, 0)]

    def _candidate_request(self, source: SourceConfig, candidates: list[str], i: int) -> Request:
        return self._follow_up(
            candidates[i], source, self.parse_discovered_feed, "feed",
            candidates=candidates, candidate=i,
        )  # fmt: skip

    def parse_discovered_feed(self, response: Response) -> Iterator[Output]:
        source = self.source(response.meta["newshound_source"])
        items: list[Output] = []
        if response.status != 304:
            try:
                entries = parse_feed_entries(
                    response.body, response.url, response.headers, source.name
                )
            except Exception as e:  # noqa: BLE001 - not a feed: the next candidate
                self.logger.info("source=%r candidate %s: %s", source.name, response.url, e)
                items = self._next_candidate(response.meta, source)
            else:
                self._unchanged_follow_up(response)  # for the hash only: the feed is new to us
                self.crawler.stats.inc_value("newshound/discovery/found")
                self.logger.warning("source=%r url=%s is not a feed: using %s found on it",
                                    source.name, source.url, response.url)  # fmt: skip
                items = [
                    self._follow_up_polled(response, "feed"),
                    *self._capped(source.name, list(entries)),
                ]
        self._settle_follow_up(source.name, items)
        yield from items

    def _next_candidate(self, meta: dict[str, Any], source: SourceConfig) -> list[Output]:
        candidates, i = meta.get("candidates") or [], meta.get("candidate", 0) + 1
        if i < len(candidates):
            return [self._candidate_request(source, candidates, i)]
        error = f"no feed found on the homepage ({source.url}); tried {len(candidates)} URLs"
        self.logger.warning("source=%r error=%s", source.name, error)
        # status 200: the homepage answered, it just offers no feed (counts towards a pause)
        return [SourceFailed(source.name, 200, error)]

    def follow_up_failed(self, failure: Failure) -> Iterator[Output]:
        request = failure.request  # type: ignore[attr-defined]
        name = request.meta["newshound_source"]
        self.crawler.stats.inc_value("newshound/source/follow_up_failed")
        self.logger.info(
            "source=%r url=%s error=%s", name, request.url, download_error(failure),
        )  # fmt: skip
        items: list[Output] = []
        if request.meta.get("newshound_role") == "feed":
            items = self._next_candidate(request.meta, self.source(name))
        # Refused (robots.txt, address) or gone: nothing to retry. Anything else may pass:
        # the poll is incomplete, and its validators wait for a later poll.
        settled = failure.check(IgnoreRequest) or (
            failure.check(HttpError) and failure.value.response.status in (404, 410)
        )
        self._settle_follow_up(name, items, ok=bool(settled))
        yield from items

    def source_failed(self, failure: Failure) -> Iterator[Output]:
        request = failure.request  # type: ignore[attr-defined]
        name = request.meta["newshound_source"]
        status, retry_after = None, None
        if failure.check(HttpError):
            status = failure.value.response.status
            retry_after = failure.value.response.headers.get(b"Retry-After")
            error = f"HTTP {status}"
        else:
            error = download_error(failure)
        self.crawler.stats.inc_value("newshound/source/failed")
        self.logger.warning("source=%r url=%s error=%s", name, request.url, error)
        failed = SourceFailed(name, status, error, retry_after)
        out: list[Output] = [*self._forget_failed_move(name, request.meta, request.url), failed]
        yield from self._emit(name, out)


def discovered_feed(pages: Any, max_age: float) -> str | None:
    """The feed found on the source's homepage within ``max_age`` seconds, if any, among
    the source's own pages (url -> state)."""
    cutoff = time.time() - max_age
    feeds: list[PageValidators] = [
        page for page in pages.values() if page.role == "feed" and page.found >= cutoff
    ]
    return max(feeds, key=lambda page: page.found).url if feeds else None


def _requested_url(response: Response) -> str:
    """The URL as requested (a redirect's target is ``response.url``): the state's key."""
    return response.request.url if response.request is not None else response.url


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
