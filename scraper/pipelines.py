"""The order of the stages, written down once (our version of Miniflux's processor.go).

    100 DedupePipeline     drop entries already stored, or seen earlier in this crawl
    150 FetchPagePipeline  fetch the article page through Scrapy's downloader
    200 CleanPipeline      page -> article text and metadata  (monitor.cleaner)
    300 MatchPipeline      article -> terms, rules, evidence  (monitor.matcher)
    400 StorePipeline      article + matches + outbox rows in one transaction (monitor.store)

Each stage is a thin adapter: the work lives in ``monitor`` so the CLI can use it too.
Dedupe runs before the page is fetched, so a known story costs one SQL lookup.
"""

from __future__ import annotations

from typing import Self

try:
    from monitor.store.site_lines import record_site_lines, site_boilerplate
except ImportError:  # TEMP

    def record_site_lines(*a):
        pass

    def site_boilerplate(*a):
        return frozenset()


from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.statscollectors import StatsCollector
from sqlite_utils import Database

from monitor.alerts.routing import plan_alerts
from monitor.cleaner import clean_html, clean_text
from monitor.cleaner.site_lines import line_hashes
from monitor.config import Config
from monitor.matcher import Matcher
from monitor.store import open_database
from monitor.store.articles import ArticleRecord, find_known, save_article
from monitor.store.canonical import url_host
from monitor.store.sources import record_new_items
from scraper.items import ArticlePage, FeedEntry

_HTML_TYPES = (b"text/html", b"application/xhtml")


class _StorePipelineBase:
    """A stage that reads the store: one connection per crawl, opened in open_spider."""

    def __init__(self, config: Config, stats: StatsCollector) -> None:
        self.config, self.stats = config, stats
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler.settings["NEWSHOUND_CONFIG"], crawler.stats)
        pipeline.crawler = crawler  # type: ignore[attr-defined]
        return pipeline

    def open_spider(self) -> None:
        self.db = open_database(self.config.storage.path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()


class DedupePipeline(_StorePipelineBase):
    def open_spider(self) -> None:
        super().open_spider()
        self.seen: set[str] = set()

    def process_item(self, item: FeedEntry) -> FeedEntry:
        keys = {item.url} | ({f"{item.source}\x00{item.guid}"} if item.guid else set())
        assert self.db is not None
        if keys & self.seen or find_known(self.db, item.url, item.guid, item.source):
            self.stats.inc_value("newshound/dedupe/skipped")
            raise DropItem(f"already seen: {item.url}", log_level="DEBUG")
        self.seen |= keys
        return item


class FetchPagePipeline(_StorePipelineBase):
    """Fetch the page behind an entry; on a dead page, fall back to the feed's own text."""

    def open_spider(self) -> None:
        pass

    async def process_item(self, item: FeedEntry) -> ArticlePage:
        engine = self.crawler.engine  # type: ignore[attr-defined]
        try:
            response = await engine.download_async(
                Request(item.link, meta={"newshound_source": item.source})
            )
        except IgnoreRequest as e:  # robots.txt, refused address
            self.stats.inc_value("newshound/page/refused")
            raise DropItem(f"{item.link}: {e}", log_level="INFO") from None
        except Exception as e:  # timeouts, DNS, connection errors: retried next poll
            self.stats.inc_value("newshound/page/failed")
            raise DropItem(f"{item.link}: {type(e).__name__}: {e}", log_level="INFO") from None
        if response.status in (404, 410) or (
            response.status == 200
            and not response.headers.get(b"Content-Type", b"text/html").startswith(_HTML_TYPES)
        ):
            return ArticlePage(entry=item)  # gone or not a page: the feed's text is all there is
        if response.status != 200:
            self.stats.inc_value("newshound/page/failed")
            raise DropItem(f"{item.link}: HTTP {response.status}", log_level="INFO")
        self.stats.inc_value("newshound/page/fetched")
        return ArticlePage(entry=item, body=response.body, final_url=response.url)


class CleanPipeline(_StorePipelineBase):
    def process_item(self, page: ArticlePage) -> ArticlePage:
        assert self.db is not None
        if page.body is None:
            page.cleaned = _cleaned_from_feed(page.entry)
        else:
            host = url_host(page.final_url or page.entry.link)
            known = site_boilerplate(self.db, host)
            page.cleaned = clean_html(page.body, page.final_url, site_boilerplate=known)
        self.stats.inc_value("newshound/clean/articles")
        return page


class MatchPipeline(_StorePipelineBase):
    def open_spider(self) -> None:
        self.matcher = Matcher(self.config.terms, self.config.rules)

    def close_spider(self) -> None:
        pass

    def process_item(self, page: ArticlePage) -> ArticlePage:
        assert page.cleaned is not None
        page.result = self.matcher.match(
            title=page.cleaned.title or page.entry.title or "",
            summary=clean_text(page.entry.summary or "") if page.body is not None else "",
            body=page.cleaned.text,
        )
        if page.result.matched:
            self.stats.inc_value("newshound/match/matched")
        return page


class StorePipeline(_StorePipelineBase):
    def process_item(self, page: ArticlePage) -> ArticlePage:
        assert self.db is not None and page.cleaned is not None and page.result is not None
        entry, cleaned, result = page.entry, page.cleaned, page.result
        record = ArticleRecord(
            url=entry.url, source=entry.source, guid=entry.guid,
            title=cleaned.title or entry.title, text=cleaned.text,
            author=cleaned.author or entry.author,
            published=entry.published or cleaned.published,
            summary=entry.summary, language=cleaned.language,
        )  # fmt: skip
        matches = [
            {"term": name, "count": tm.count, "snippet": (tm.snippets or [""])[0],
             "hits": [{"alias": h.alias, "field": h.field, "offset": h.offset,
                       "snippet": h.snippet} for h in tm.hits]}
            for name, tm in result.terms.items()
        ]  # fmt: skip
        outbox = plan_alerts(self.config.channels, record, result)
        article_id = save_article(
            self.db, record, matches, result.rules, outbox, keep_text=self.config.storage.store_all
        )
        if article_id is None:
            raise DropItem(f"stored meanwhile: {entry.url}", log_level="DEBUG")
        if page.body is not None:
            record_site_lines(
                self.db, url_host(page.final_url or entry.link), line_hashes(cleaned.text)
            )
        record_new_items(self.db, entry.source, 1)
        self.stats.inc_value("newshound/store/stored")
        return page


def _cleaned_from_feed(entry: FeedEntry):  # type: ignore[no-untyped-def]
    from monitor.cleaner import CleanedArticle, clean_document

    summary = entry.summary or ""
    text = clean_document(summary.encode("utf-8")).text if summary else ""
    return CleanedArticle(
        title=entry.title, text=text, author=entry.author, published=entry.published, language=None
    )
