"""What a crawl reads of the store, and what each source's poll still waits for.

``CrawlState`` is the narrow read interface the spiders, middlewares and pipelines use:
known articles (dedupe), validators (conditional GET), robots.txt answers, a site's
boilerplate lines. The crawl's writer (``scraper/writer.py``) makes it, one per crawl,
backed by the crawl's one ``monitor.store.Store`` connection; nothing else under
``scraper/`` knows there is a database (a remote worker gets the same reads elsewhere).

``PollLedger`` counts, per source, what the source's poll has put into the crawl and not
yet seen settled: the items a spider yielded (entries, outcome items) and the follow-up
requests it made. When a source's count falls to zero the writer applies the source's
outcome: a parsed body's validators are kept only once every entry it listed is stored or
dropped on purpose, so a crawl cut short (kill -9, SIGTERM, a full disk) leaves the
source to be parsed again, and no entry is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol

from scrapy.crawler import Crawler

__all__ = ["CrawlState", "PollLedger", "crawl_ledger", "crawl_state"]


class Validators(Protocol):
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def content_hash(self) -> str | None: ...


class PageValidators(Validators, Protocol):
    @property
    def url(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def found(self) -> float: ...


class Known(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def entry_hash(self) -> str | None: ...


class CrawlState(Protocol):
    """The reads a crawl needs, and the two small writes a crawl component asks for
    (a robots.txt answer, a listed URL that names a stored story), applied by the writer."""

    def sources_due(self, names: Collection[str], now: float) -> set[str]: ...
    def source_states(self, names: Collection[str]) -> Mapping[str, Validators]: ...
    def source_state(self, name: str) -> Validators | None: ...
    def own_pages(self, names: Collection[str]) -> Mapping[str, Mapping[str, PageValidators]]: ...
    def page_state(self, source: str, url: str) -> PageValidators | None: ...
    def known_article(self, url: str, guid: str | None, source: str) -> Known | None: ...
    def site_boilerplate(self, host: str) -> frozenset[str]: ...
    def kept_robots(self, origin: str) -> tuple[bytes, float] | None: ...
    def save_robots(self, origin: str, status: int, body: bytes) -> float | None: ...
    def remember_listed_url(self, url: str, article_id: int) -> None: ...


def crawl_state(crawler: Crawler) -> CrawlState:
    """The crawl's ``CrawlState``, set by the writer pipeline when it is built."""
    state: CrawlState = _set_by_writer(crawler, "newshound_state")
    return state


def crawl_ledger(crawler: Crawler) -> PollLedger:
    """The crawl's ``PollLedger``, set by the writer pipeline when it is built."""
    ledger: PollLedger = _set_by_writer(crawler, "newshound_ledger")
    return ledger


def _set_by_writer(crawler: Crawler, name: str) -> Any:
    value = getattr(crawler, name, None)
    if value is None:
        raise RuntimeError(
            f"no {name} on the crawler: ITEM_PIPELINES must include scraper.writer.WriterPipeline"
        )
    return value


class PollLedger:
    """Per source: how many things its poll put into the crawl are not settled yet.

    The spider calls ``expect(source, n)`` before it yields ``n`` items or requests of a
    source's poll; each settles once with ``done(source, ok)`` (an item when it leaves
    the item pipeline, a request when its callback or errback has run). ``ok`` False (a
    page that failed for now, an error) marks the poll incomplete. At zero,
    ``on_settled(source, complete)`` is called.

    A poll that puts nothing into the crawl (a 304, a body digested as before) is handed
    over whole by ``report(outcomes)``, without the item pipeline: it is the most common
    outcome by far, and an item costs a 304 a tenth of its CPU.
    """

    def __init__(self) -> None:
        self.open: dict[str, int] = {}
        self.incomplete: set[str] = set()
        # polls with an entry the database refused (``hold``): the writer takes the
        # source out when it applies the poll (``PollLedger.take_refused``)
        self.refused: set[str] = set()
        self.on_settled: Callable[[str, bool], None] | None = None
        self.on_report: Callable[[Sequence[Any]], None] | None = None

    def report(self, outcomes: Sequence[Any]) -> None:
        """The whole outcome of a poll that put nothing into the crawl."""
        if self.on_report is not None:
            self.on_report(outcomes)

    def watch(self, crawler: Crawler) -> None:
        """Count each entry and outcome item back as it leaves the item pipeline: stored
        or passed on (settled), dropped on purpose (settled), dropped by ``EntryFailed``
        or an error (settled, the poll incomplete)."""
        from scrapy import signals

        from scraper.items import OUTCOMES, ArticlePage, EntryFailed, FeedEntry

        def settle(item: Any, ok: bool) -> None:
            entry = item.entry if isinstance(item, ArticlePage) else item
            if isinstance(entry, (FeedEntry, *OUTCOMES)):
                self.done(entry.source, ok)

        def scraped(item: Any) -> None:
            settle(item, True)

        def dropped(item: Any, exception: BaseException) -> None:
            settle(item, not isinstance(exception, EntryFailed))

        def failed(item: Any) -> None:
            settle(item, False)

        self._receivers = (scraped, dropped, failed)  # the signals keep weak references
        crawler.signals.connect(scraped, signal=signals.item_scraped)
        crawler.signals.connect(dropped, signal=signals.item_dropped)
        crawler.signals.connect(failed, signal=signals.item_error)

    def hold(self, source: str, refused: bool = False) -> None:
        """What ``source``'s open poll led to was not stored: the poll settles incomplete
        (its old validators kept); ``refused`` (by the database: a full disk) for as long
        as that lasts, not only ``MAX_HELD_POLLS`` polls. A settled poll is left alone."""
        if source in self.open:
            self.incomplete.add(source)
            if refused:
                self.refused.add(source)

    def take_refused(self, source: str) -> bool:
        """Whether the database refused an entry of ``source``'s settled poll."""
        refused = source in self.refused
        self.refused.discard(source)
        return refused

    def expect(self, source: str, n: int) -> None:
        self.open[source] = self.open.get(source, 0) + n

    def done(self, source: str, ok: bool = True) -> None:
        if source not in self.open:
            return
        if not ok:
            self.incomplete.add(source)
        left = self.open[source] - 1
        if left > 0:
            self.open[source] = left
            return
        del self.open[source]
        complete = source not in self.incomplete
        self.incomplete.discard(source)
        if self.on_settled is not None:
            self.on_settled(source, complete)
