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

- everything the crawl writes goes in batches: one transaction per ``BATCH`` articles, or
  ``BATCH_AFTER`` seconds after the first thing waiting, and at the end of the crawl.
  The pipeline keeps what is ready in memory (the article, cleaned, matched, its
  near-duplicate signature computed) and writes a batch at once: the write lock is held
  only while it is written, never while pages are fetched or cleaned, so the daemon's
  delivery and heartbeat write in between, and another process sees an article at most
  ``BATCH_AFTER`` seconds (plus one batch's writing) after it was ready;
- an article, its matches and its outbox rows are one savepoint of their batch, so an
  article the database refuses leaves none of its rows (the outbox row beside the
  article is what makes alerts exactly-once);
- a source's outcome: when its poll has settled (``scraper.crawl_state.PollLedger``),
  i.e. every entry its body listed is stored or dropped on purpose (known, robots.txt,
  over a cap) and every follow-up request (next listing page, child sitemap, discovered
  feed) has been answered and settled in turn. Only then are the body's validators
  (ETag, Last-Modified, digest) kept. It goes into the batch after its articles, the
  same one or a later one. A crawl killed before that leaves the source's row as it
  was: the next poll fetches and parses the body again, and dedupe skips what was
  stored. An entry whose page failed for now (``EntryFailed``) settles as incomplete:
  the poll is recorded, the old validators stay, for at most
  ``monitor.store.store.MAX_HELD_POLLS`` polls in a row. An entry the database refused
  (a full disk) holds them for as long as that lasts: a disk full for longer than three
  polls must not lose the entries it refused. A batch whose COMMIT fails loses all it
  held; each source with an article or outcome in it is held the same way (its
  pending poll keeps the old validators), and its stats are not counted;
- unchanged polls: in the batch too (``UNCHANGED_BATCH`` of them also make one). Losing
  one only makes that source due again.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from monitor.alerts.routing import Counter, plan_alerts
from monitor.cleaner.site_lines import line_hashes
from monitor.config import Config
from monitor.matcher import MatchResult
from monitor.store import ArticleRecord, OutboxEntry, Store, text_signature
from monitor.urls import url_host
from scraper.crawl_state import PollLedger
from scraper.items import (
    OUTCOMES,
    ArticlePage,
    Outcome,
    PagePolled,
    PagesForgotten,
    SourceFailed,
    SourceMoved,
    SourcePolled,
    SourceUnchanged,
)

__all__ = ["OutcomeWriter", "PreparedArticle", "WriterPipeline"]

log = logging.getLogger(__name__)

# A batch is written in one transaction when it holds this many articles, or this many
# polls (most of them unchanged), or this many seconds after its first item, and at the
# end of the crawl. One COMMIT costs about as much CPU as writing five articles; a
# hundred to a transaction make it noise, and half a second keeps alerts prompt.
BATCH = 100
UNCHANGED_BATCH = 200
BATCH_AFTER = 0.5


@dataclass(frozen=True)
class PreparedArticle:
    """An article ready to write: what ``OutcomeWriter.prepare_article`` computed from its
    page (no database read), without the page's body."""

    record: ArticleRecord
    matches: list[dict[str, Any]]
    result: MatchResult
    signature: Any  # duplicates.text_signature; None for a text too short, or an update
    known_id: int | None  # the stored article this updates
    site: tuple[str, set[str]] | None  # (host, line hashes) of a page that was cleaned


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
        """``write_article(prepare_article(page))``: the article, its matches and outbox
        rows in one transaction (a savepoint of the one open). Raises ``DropItem`` when it
        is stored already or unchanged; ``sqlite3.Error`` when it cannot be written."""
        self.write_article(self.prepare_article(page))
        return page

    def prepare_article(self, page: ArticlePage) -> PreparedArticle:
        """What storing ``page`` needs that no database read changes: its record, its
        matches, its near-duplicate signature, its site's line hashes."""
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
        new = page.known_id is None
        site = None
        if new and page.body is not None:
            site = (url_host(page.final_url or entry.link), line_hashes(cleaned.text))
        signature = text_signature(cleaned.text) if new else None
        return PreparedArticle(record, matches, result, signature, page.known_id, site)

    def write_article(self, article: PreparedArticle) -> None:
        """Write a prepared article, its matches and outbox rows in one transaction (a
        savepoint of the one open). Raises ``DropItem`` when it is stored already or
        unchanged; ``sqlite3.Error`` when it cannot be written."""
        if article.known_id is not None:
            return self._store_update(article)
        record, signature = article.record, article.signature
        # Stored meanwhile, under another spelling of its URL: by an earlier article of
        # this batch (whose page named the same story) or by another process.
        if self.store.known_article(record.url, None, record.source) is not None:
            raise DropItem(f"stored meanwhile: {record.url}", log_level="DEBUG")
        original = self.store.near_duplicate(signature) if signature is not None else None
        # A near-duplicate alerts nobody: its first copy already did (or did not match).
        outbox = [] if original else plan_alerts(self.config.channels, record, article.result,
            max_age=self.config.max_age(record.source), stats=self.stats)  # fmt: skip
        # One transaction for everything the article changes: the site's line counts and
        # the source's last-new-item mark move only for a page that is stored.
        with self.store.transaction():
            article_id = self.store.insert_article(
                record, article.matches, article.result.rules, outbox,
                keep_text=self.config.storage.store_all, duplicate_of=original,
                signature=signature,
            )  # fmt: skip
            if article_id is None:
                raise DropItem(f"stored meanwhile: {record.url}", log_level="DEBUG")
            if article.site is not None:
                self.store.record_site_lines(*article.site)
            self.store.new_items(record.source, 1)
        self.stats.inc_value("newshound/store/duplicates" if original else "newshound/store/stored")
        return None

    def _store_update(self, article: PreparedArticle) -> None:
        assert article.known_id is not None
        record = article.record
        changed = self.store.update_article(
            article.known_id, record, article.matches, article.result.rules,
            self._update_alerts(article), keep_text=self.config.storage.store_all,
        )  # fmt: skip
        if not changed:
            self.stats.inc_value("newshound/store/unchanged")
            raise DropItem(f"unchanged: {record.url}", log_level="DEBUG")
        self.stats.inc_value("newshound/store/updated")

    def _update_alerts(self, article: PreparedArticle) -> list[OutboxEntry]:
        """An update alerts only channels with ``alert_on_updates`` that want a term the
        stored article did not match before."""
        assert article.known_id is not None
        record, result = article.record, article.result
        added = set(result.terms) - self.store.matched_terms(article.known_id)
        wanted = {
            c.name
            for c in self.config.channels
            if c.alert_on_updates and added and (not c.terms or added & set(c.terms))
        }
        if not wanted:
            return []
        url = self.store.article_url(article.known_id)
        stored = replace(record, url=url) if url else record
        planned = plan_alerts(
            self.config.channels, stored, result, max_age=self.config.max_age(record.source)
        )
        return [e for e in planned if e.channel in wanted]


class HeldCounts:
    """Counts kept back until the batch they describe is committed (``commit``), or
    forgotten with it (``discard``); ``mark``/``forget_since``: one article's."""

    def __init__(self, stats: Counter) -> None:
        self.stats = stats
        self.held: list[tuple[str, int]] = []

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.held.append((key, count))

    def mark(self) -> int:
        return len(self.held)

    def forget_since(self, mark: int) -> None:
        del self.held[mark:]

    def commit(self) -> None:
        for key, count in self.held:
            self.stats.inc_value(key, count)
        self.held.clear()

    def discard(self) -> None:
        self.held.clear()


@dataclass(frozen=True)
class _Poll:
    source: str
    outcomes: list[Outcome]
    complete: bool
    refused: bool


@dataclass(frozen=True)
class _Article:
    source: str
    url: str
    article: PreparedArticle


class WriterPipeline:
    def __init__(self, config: Config, stats: StatsCollector) -> None:
        self.config, self.stats = config, stats
        self.store = Store(config.storage.path)  # opens its connection on first use
        self.counts = HeldCounts(stats)
        self.writer = OutcomeWriter(config, self.store, self.counts)
        self.ledger = PollLedger()
        self.ledger.on_settled = self.apply_outcomes
        self.ledger.on_report = self.apply_reported
        self.outcomes: dict[str, list[Outcome]] = {}
        # the batch: what waits to be written, in the order it came
        self.batch: list[_Poll | _Article] = []
        self.batch_articles = 0
        self.batch_size = BATCH  # articles; the setting NEWSHOUND_STORE_BATCH
        self._flush_call: Any = None
        self._intervals = {s.name: s.interval for s in config.sources}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        writer = cls(crawler.settings["NEWSHOUND_CONFIG"], crawler.stats)
        # The crawl's reads and its poll ledger, for the spider, middlewares and pipelines.
        crawler.newshound_state = writer.store  # type: ignore[attr-defined]
        crawler.newshound_ledger = writer.ledger  # type: ignore[attr-defined]
        writer.ledger.watch(crawler)  # each item counted back as it leaves the pipeline
        writer.batch_size = crawler.settings.getint("NEWSHOUND_STORE_BATCH", BATCH)
        return writer

    def open_spider(self) -> None:
        self.store.sync_sources([s for s in self.config.sources if s.enabled])

    def close_spider(self) -> None:
        try:
            self.flush()
        finally:
            self.store.close()

    # --- the ledger: what each poll still waits for ----------------------------------------

    def apply_outcomes(self, source: str, complete: bool) -> None:
        """The poll of ``source`` has settled: its outcome joins the batch (module doc)."""
        refused = self.ledger.take_refused(source)
        self._add(_Poll(source, self.outcomes.pop(source, []), complete, refused))

    def apply_reported(self, outcomes: Sequence[Outcome]) -> None:
        """A poll that put nothing into the crawl (``PollLedger.report``): into the batch."""
        if outcomes:
            self._add(_Poll(outcomes[0].source, list(outcomes), True, False))

    # --- items ------------------------------------------------------------------------------

    def process_item(self, item: Any) -> Any:
        if isinstance(item, OUTCOMES):
            self.outcomes.setdefault(item.source, []).append(item)
            return item  # applied when its poll settles: item_scraped -> the ledger
        if not isinstance(item, ArticlePage):
            return item
        self.batch_articles += 1
        self._add(_Article(item.entry.source, item.entry.url, self.writer.prepare_article(item)))
        return item

    # --- the batch --------------------------------------------------------------------------

    def _add(self, what: _Poll | _Article) -> None:
        self.batch.append(what)
        if self.batch_articles >= self.batch_size or len(self.batch) >= UNCHANGED_BATCH:
            self.flush()
        elif self._flush_call is None:
            from scrapy.utils.asyncio import call_later

            self._flush_call = call_later(BATCH_AFTER, self.flush)

    def flush(self) -> None:
        """Write the batch in one transaction (see the module doc); nothing open after."""
        if self._flush_call is not None:
            self._flush_call.cancel()  # a no-op when it is this very call
            self._flush_call = None
        batch, self.batch, self.batch_articles = self.batch, [], 0
        if not batch:
            return
        # sources with an article the database refused (held however long that lasts),
        # or that failed otherwise (incomplete, as an item error makes a poll)
        refused: set[str] = set()
        failed: set[str] = set()
        unchanged: list[tuple[str, int, float, float]] = []
        try:
            with self.store.transaction():
                for what in batch:
                    if isinstance(what, _Article):
                        self._write_article(what, refused, failed)
                    else:
                        self._write_poll(what, refused, failed, unchanged)
                if unchanged:
                    self.store.sources_unchanged(unchanged)
        except Exception as e:  # its COMMIT failed, SQLite ended the transaction, a bug
            self._rolled_back(batch, e)
        else:
            self.counts.commit()

    def _write_article(self, what: _Article, refused: set[str], failed: set[str]) -> None:
        mark = self.counts.mark()
        try:
            self.writer.write_article(what.article)
        except DropItem:
            pass  # stored meanwhile, or an update that changes nothing
        except Exception as e:  # its savepoint is rolled back: none of its rows is kept
            if not self.store.db.conn.in_transaction:
                raise  # SQLite ended the whole transaction: the batch is gone with it
            self.counts.forget_since(mark)
            if isinstance(e, sqlite3.Error):  # a full disk, a read-only file
                refused.add(what.source)
                self.ledger.hold(what.source, refused=True)
                self.stats.inc_value("newshound/store/failed")
                log.error("%s: not stored: %s", what.url, e)
            else:
                failed.add(what.source)
                self.ledger.hold(what.source)
                log.exception("%s: not stored", what.url)

    def _write_poll(
        self,
        what: _Poll,
        refused: set[str],
        failed: set[str],
        unchanged: list[tuple[str, int, float, float]],
    ) -> None:
        mark, waiting = self.counts.mark(), len(unchanged)
        try:
            with self.store.transaction():
                self.writer.apply_poll(
                    what.outcomes, what.complete and what.source not in refused | failed,
                    lambda o: unchanged.append((o.source, o.status, o.when, self._interval(o))),
                    what.refused or what.source in refused,
                )  # fmt: skip
        except sqlite3.Error as e:
            if not self.store.db.conn.in_transaction:
                raise
            self.counts.forget_since(mark)
            del unchanged[waiting:]
            self.stats.inc_value("newshound/store/failed")
            log.error("source=%r store error=%s: the poll is not recorded", what.source, e)

    def _interval(self, o: SourceUnchanged) -> float:
        return self._intervals.get(o.source) or self.config.source(o.source).interval

    def _rolled_back(self, batch: list[_Poll | _Article], error: Exception) -> None:
        """A batch that could not be committed: none of it is kept. The outcomes in it
        are lost with their articles (their sources are due again, their rows as they
        were); a source whose poll is still open is held back, so its validators are not
        kept over the articles lost here."""
        self.counts.discard()
        sources = {what.source for what in batch}
        for source in sources:
            self.ledger.hold(source, refused=True)
        articles = sum(isinstance(what, _Article) for what in batch)
        self.stats.inc_value("newshound/store/failed", max(articles, 1))
        log.error(
            "store error=%s: a batch of %d articles and %d polls was rolled back; "
            "its %d sources are polled again",
            error, articles, len(batch) - articles, len(sources),
        )  # fmt: skip
