"""The writer: the one component of a crawl that writes the database.

Stage 400, the last of the item pipeline (``scraper/pipelines.py`` lists the order). The
spiders report what happened to each source as items (``scraper.items``: polled with its
validators and digest, unchanged, failed with reason and Retry-After, moved; the pages it
led to), the pipelines before this one turn entries into articles, and this pipeline
applies all of it through the crawl's one ``monitor.store.Store``: one SQLite connection
per crawl, and the only module under ``scraper/`` that imports ``monitor.store``.
The applying itself is ``OutcomeWriter``, which needs no crawl: the cluster's writer
(``monitor/daemon/cluster.py``) applies what remote workers send with it, the same way.

What is committed when (and why an interrupted crawl loses nothing):

- an article, its matches and its outbox rows: one transaction, as soon as it is ready
  (the outbox row beside the article is what makes alerts exactly-once);
- a source's outcome: when its poll has settled (``scraper.crawl_state.PollLedger``),
  i.e. every entry its body listed is stored or dropped on purpose (known, robots.txt,
  over a cap) and every follow-up request (next listing page, child sitemap, discovered
  feed) has been answered and settled in turn. Only then are the body's validators
  (ETag, Last-Modified, digest) kept. A crawl killed before that leaves the source's row
  as it was: the next poll fetches and parses the body again, and dedupe skips what was
  stored. An entry whose page failed for now (``EntryFailed``) settles as incomplete:
  the poll is recorded, the old validators stay, for at most
  ``monitor.store.store.MAX_HELD_POLLS`` polls in a row. An entry the database refused
  (``EntryNotStored``: a full disk) holds them for as long as that lasts: a disk full
  for longer than three polls must not lose the entries it refused;
- unchanged polls: in batches (``UNCHANGED_BATCH`` or ``UNCHANGED_FLUSH_AFTER``), and at
  the end of the crawl. Losing one only makes that source due again.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from monitor.alerts.routing import Counter, plan_alerts
from monitor.cleaner.site_lines import line_hashes
from monitor.config import Config
from monitor.store import ArticleRecord, OutboxEntry, Store, text_signature
from monitor.urls import url_host
from scraper.crawl_state import PollLedger
from scraper.items import (
    OUTCOMES,
    ArticlePage,
    EntryNotStored,
    Outcome,
    PagePolled,
    PagesForgotten,
    SourceFailed,
    SourceMoved,
    SourcePolled,
    SourceUnchanged,
)

__all__ = ["OutcomeWriter", "WriterPipeline"]

log = logging.getLogger(__name__)

# Unchanged polls are written in batches: this many, or this many seconds after the first
# one waiting, and at the end of the crawl. A crash loses at most a batch of "unchanged"
# records, and a lost one only makes that source due again: it is polled once more.
UNCHANGED_BATCH = 200
UNCHANGED_FLUSH_AFTER = 1.0


class OutcomeWriter:
    """Applies what a crawl found to a ``Store``: a settled poll's outcomes, and articles.

    No Scrapy crawl needed: ``WriterPipeline`` uses it at the end of a local crawl, and
    the cluster's writer (``monitor/daemon/cluster.py``) for what workers send through
    Redis. ``stats``: anything with Scrapy's ``inc_value``.
    """

    def __init__(self, config: Config, store: Store, stats: Counter) -> None:
        self.config, self.store, self.stats = config, store, stats

    def apply_poll(
        self,
        outcomes: Sequence[Outcome],
        complete: bool,
        unchanged: Callable[[SourceUnchanged], None],
        refused: bool = False,
    ) -> None:
        """Record a settled poll (``complete``, ``refused``: see the module doc);
        ``unchanged`` is handed each ``SourceUnchanged`` (batched by the pipeline, written
        at once by the cluster's writer)."""
        keep = complete
        for o in outcomes:
            if isinstance(o, SourcePolled):
                keep = self.store.source_polled(
                    o.source, status=o.status, etag=o.etag, last_modified=o.last_modified,
                    content_hash=o.content_hash, items=o.items, complete=complete, when=o.when,
                    refused=refused,
                )  # fmt: skip
                if not complete:
                    self.stats.inc_value("newshound/source/held")
        for o in outcomes:
            if isinstance(o, SourceUnchanged):
                unchanged(o)
            elif isinstance(o, SourceFailed):
                self.store.source_failed(
                    o.source, status=o.status, error=o.error, retry_after=o.retry_after,
                    max_failures=self.config.daemon.max_failures,
                )  # fmt: skip
            elif isinstance(o, SourceMoved):
                self.store.source_moved(o.source, o.url)
            elif isinstance(o, PagesForgotten):
                self.store.forget_pages(o.source, o.role)
            elif isinstance(o, PagePolled) and (keep or o.role == "sitemapindex"):
                self.store.page_polled(
                    o.source, o.url, o.role, etag=o.etag, last_modified=o.last_modified,
                    content_hash=o.content_hash,
                )  # fmt: skip

    def interval(self, source: str) -> float:
        return self.config.source(source).interval

    def store_article(self, page: ArticlePage) -> ArticlePage:
        """The article, its matches and outbox rows in one transaction (an update of a
        stored one when ``page.known_id``). Raises ``DropItem`` when it is stored already
        or unchanged; ``sqlite3.Error`` when it cannot be written."""
        assert page.cleaned is not None and page.result is not None
        entry, cleaned, result = page.entry, page.cleaned, page.result
        record = ArticleRecord(
            url=page.url or entry.url, source=entry.source, guid=entry.guid,
            title=cleaned.title or entry.title, text=cleaned.text,
            author=cleaned.author or entry.author,
            published=entry.published or cleaned.published,
            summary=entry.summary, language=cleaned.language, entry_hash=entry.entry_hash,
            listed_url=entry.url,
        )  # fmt: skip
        matches = [
            {"term": name, "count": tm.count, "snippet": (tm.snippets or [""])[0],
             "hits": [{"alias": h.alias, "field": h.field, "offset": h.offset,
                       "found": h.found, "snippet": h.snippet} for h in tm.hits]}
            for name, tm in result.terms.items()
        ]  # fmt: skip
        if page.known_id is not None:
            return self._store_update(page, record, matches)
        signature = text_signature(cleaned.text)
        original = self.store.near_duplicate(signature) if signature is not None else None
        # A near-duplicate alerts nobody: its first copy already did (or did not match).
        outbox = [] if original else plan_alerts(self.config.channels, record, result,
            max_age=self.config.max_age(entry.source), stats=self.stats)  # fmt: skip
        # One transaction for everything the article changes: the site's line counts and
        # the source's last-new-item mark move only for a page that is stored.
        with self.store.transaction():
            article_id = self.store.insert_article(
                record, matches, result.rules, outbox, keep_text=self.config.storage.store_all,
                duplicate_of=original, signature=signature,
            )  # fmt: skip
            if article_id is None:
                raise DropItem(f"stored meanwhile: {record.url}", log_level="DEBUG")
            if page.body is not None:
                self.store.record_site_lines(
                    url_host(page.final_url or entry.link), line_hashes(cleaned.text)
                )
            self.store.new_items(entry.source, 1)
        self.stats.inc_value("newshound/store/duplicates" if original else "newshound/store/stored")
        return page

    def _store_update(
        self, page: ArticlePage, record: ArticleRecord, matches: list[dict[str, Any]]
    ) -> ArticlePage:
        assert page.result is not None and page.known_id is not None
        changed = self.store.update_article(
            page.known_id, record, matches, page.result.rules,
            self._update_alerts(page, record), keep_text=self.config.storage.store_all,
        )  # fmt: skip
        if not changed:
            self.stats.inc_value("newshound/store/unchanged")
            raise DropItem(f"unchanged: {record.url}", log_level="DEBUG")
        self.stats.inc_value("newshound/store/updated")
        return page

    def _update_alerts(self, page: ArticlePage, record: ArticleRecord) -> list[OutboxEntry]:
        """An update alerts only channels with ``alert_on_updates`` that want a term the
        stored article did not match before."""
        assert page.result is not None and page.known_id is not None
        added = set(page.result.terms) - self.store.matched_terms(page.known_id)
        wanted = {
            c.name
            for c in self.config.channels
            if c.alert_on_updates and added and (not c.terms or added & set(c.terms))
        }
        if not wanted:
            return []
        url = self.store.article_url(page.known_id)
        stored = replace(record, url=url) if url else record
        planned = plan_alerts(
            self.config.channels, stored, page.result, max_age=self.config.max_age(record.source)
        )
        return [e for e in planned if e.channel in wanted]


class WriterPipeline:
    def __init__(self, config: Config, stats: StatsCollector) -> None:
        self.config, self.stats = config, stats
        self.store = Store(config.storage.path)  # opens its connection on first use
        self.writer = OutcomeWriter(config, self.store, stats)
        self.ledger = PollLedger()
        self.ledger.on_settled = self.apply_outcomes
        self.ledger.on_report = self.apply_reported
        self.outcomes: dict[str, list[Outcome]] = {}
        self.unchanged: list[tuple[str, int, float, float]] = []
        self._flush_call: Any = None
        self._intervals = {s.name: s.interval for s in config.sources}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        writer = cls(crawler.settings["NEWSHOUND_CONFIG"], crawler.stats)
        # The crawl's reads and its poll ledger, for the spider, middlewares and pipelines.
        crawler.newshound_state = writer.store  # type: ignore[attr-defined]
        crawler.newshound_ledger = writer.ledger  # type: ignore[attr-defined]
        writer.ledger.watch(crawler)  # each item counted back as it leaves the pipeline
        return writer

    def open_spider(self) -> None:
        self.store.sync_sources([s for s in self.config.sources if s.enabled])

    def close_spider(self) -> None:
        try:
            self.flush_unchanged()
        finally:
            self.store.close()

    # --- the ledger: what each poll still waits for ----------------------------------------

    def apply_outcomes(self, source: str, complete: bool) -> None:
        """The poll of ``source`` has settled: apply what it found (see the module doc)."""
        refused = self.ledger.take_refused(source)
        self._apply_safely(source, self.outcomes.pop(source, []), complete, refused)

    def _apply_safely(
        self, source: str, outcomes: list[Outcome], complete: bool, refused: bool = False
    ) -> None:
        try:
            self._apply(source, outcomes, complete, refused)
        except sqlite3.Error as e:
            self.stats.inc_value("newshound/store/failed")
            log.error("source=%r store error=%s: the poll is not recorded", source, e)

    def apply_reported(self, outcomes: Sequence[Outcome]) -> None:
        """A poll that put nothing into the crawl (``PollLedger.report``): applied now."""
        if outcomes:
            self._apply_safely(outcomes[0].source, list(outcomes), True)

    def _apply(
        self, source: str, outcomes: list[Outcome], complete: bool, refused: bool = False
    ) -> None:
        self.writer.apply_poll(outcomes, complete, self._unchanged_poll, refused)

    def _unchanged_poll(self, o: SourceUnchanged) -> None:
        interval = self._intervals.get(o.source) or self.config.source(o.source).interval
        self.unchanged.append((o.source, o.status, o.when, interval))
        if len(self.unchanged) >= UNCHANGED_BATCH:
            self.flush_unchanged()
        elif self._flush_call is None:
            from scrapy.utils.asyncio import call_later

            self._flush_call = call_later(UNCHANGED_FLUSH_AFTER, self.flush_unchanged)

    def flush_unchanged(self) -> None:
        """Write the unchanged polls recorded so far, in one transaction."""
        if self._flush_call is not None:
            self._flush_call.cancel()  # a no-op when it is this very call
            self._flush_call = None
        polls, self.unchanged = self.unchanged, []
        if polls:
            self.store.sources_unchanged(polls)

    # --- items ------------------------------------------------------------------------------

    def process_item(self, item: Any) -> Any:
        if isinstance(item, OUTCOMES):
            self.outcomes.setdefault(item.source, []).append(item)
            return item  # applied when its poll settles: item_scraped -> the ledger
        if not isinstance(item, ArticlePage):
            return item
        try:
            return self.writer.store_article(item)
        except sqlite3.Error as e:  # a full disk, a locked file: the next poll tries again
            self.stats.inc_value("newshound/store/failed")
            raise EntryNotStored(f"{item.entry.url}: not stored: {e}", log_level="ERROR") from None
