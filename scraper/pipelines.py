"""The order of the stages, written down once (our version of Miniflux's processor.go).

    100 DedupePipeline     drop entries already stored, or seen earlier in this crawl
    150 FetchPagePipeline  fetch the article page; its own canonical URL
    200 CleanPipeline      page -> article text and metadata  (monitor.cleaner)
    300 MatchPipeline      article -> terms, rules, evidence  (monitor.matcher)
    400 WriterPipeline     article + matches + outbox rows in one transaction, and each
                           source's outcome once its poll settled (scraper/writer.py)

Each stage is a thin adapter: the work lives in ``monitor`` so the CLI can use it too.
Dedupe runs before the page is fetched, so a known story costs one SQL lookup. The stages
read the store only through the crawl's ``CrawlState`` (``scraper.crawl_state``); the
writer is the one that writes.

One story, one alert:
- a known URL (any spelling: ``canonical.url_key``) or GUID is dropped, unless the source
  now says something else about it (its title or summary changed): then the page is
  fetched again and, if its title or text changed, stored as an update, alerting only
  channels with ``alert_on_updates`` about terms it did not match before;
- the page's own ``rel=canonical`` / ``og:url`` (same site only) replaces the listed URL,
  so the AMP or mobile copy a feed links to is the story already stored; the listed URL
  is remembered for that story, so the next poll drops it without fetching the page;
- a near-duplicate of a story stored in the last week (``monitor.store.duplicates``) is
  stored linked to the first copy, with no outbox rows.
"""

from __future__ import annotations

import re
from hashlib import blake2b
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.statscollectors import StatsCollector
from w3lib.html import remove_tags, replace_entities

from monitor.cleaner import CleanedArticle, clean_html, clean_text
from monitor.cleaner.article import PARAGRAPH_SEPARATOR
from monitor.cleaner.document import DocumentError
from monitor.config import Config
from monitor.matcher import Matcher
from monitor.urls import canonicalize_url, page_canonical, url_host, url_key
from scraper.crawl_state import CrawlState, crawl_state
from scraper.errors import download_error
from scraper.items import ArticlePage, EntryFailed, FeedEntry

_HTML_TYPES = (b"text/html", b"application/xhtml")


class _StagePipelineBase:
    """A stage that reads the store through the crawl's ``CrawlState`` (the writer's)."""

    def __init__(self, config: Config, stats: StatsCollector) -> None:
        self.config, self.stats = config, stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler.settings["NEWSHOUND_CONFIG"], crawler.stats)
        pipeline.crawler = crawler  # type: ignore[attr-defined]
        return pipeline

    @property
    def state(self) -> CrawlState:
        return crawl_state(self.crawler)  # type: ignore[attr-defined]

    def open_spider(self) -> None:
        pass


class DedupePipeline(_StagePipelineBase):
    def open_spider(self) -> None:
        super().open_spider()
        self.seen: set[bytes] = set()

    @staticmethod
    def entry_keys(item: FeedEntry) -> set[bytes]:
        """The entry's identities (its URL's key, its source's guid) as 16-byte digests:
        a first crawl of 20,000 entries held 40,000 key strings, about twice the memory."""
        keys = [url_key(item.url), *([f"{item.source}\x00{item.guid}"] if item.guid else [])]
        return {blake2b(k.encode("utf-8", "surrogatepass"), digest_size=16).digest() for k in keys}

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FeedEntry):
            return item  # a source's outcome, for the writer
        keys = self.entry_keys(item)
        if keys & self.seen:
            self.stats.inc_value("newshound/dedupe/skipped")
            raise DropItem(f"already seen: {item.url}", log_level="DEBUG")
        self.seen |= keys
        known = self.state.known_article(item.url, item.guid, item.source)
        if known is None:
            return ArticlePage(entry=item)
        # The same source saying something new about a stored story: it may be edited.
        if known.source == item.source and known.entry_hash not in (None, item.entry_hash):
            self.stats.inc_value("newshound/dedupe/changed")
            return ArticlePage(entry=item, known_id=known.id)
        self.stats.inc_value("newshound/dedupe/skipped")
        raise DropItem(f"already seen: {item.url}", log_level="DEBUG")


class FetchPagePipeline(_StagePipelineBase):
    """Fetch the page behind an entry; on a dead page, fall back to the feed's own text.

    The page's own canonical URL (same site only) becomes the URL stored; when that one
    is already stored, the entry is that story (an update candidate) or dropped.
    """

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FeedEntry | ArticlePage):
            return item
        page = item if isinstance(item, ArticlePage) else ArticlePage(entry=item)
        entry = page.entry
        if not entry.link:  # a feed item without a link: its own text is the article
            return page
        engine = self.crawler.engine  # type: ignore[attr-defined]
        try:
            response = await engine.download_async(
                Request(entry.link, meta={"newshound_source": entry.source})
            )
        except IgnoreRequest as e:  # robots.txt, refused address
            self.stats.inc_value("newshound/page/refused")
            raise DropItem(f"{entry.link}: {e}", log_level="INFO") from None
        except Exception as e:  # timeouts, DNS, connection errors: retried next poll
            self.stats.inc_value("newshound/page/failed")
            raise EntryFailed(f"{entry.link}: {download_error(e)}", log_level="INFO") from None
        if response.status in (404, 410) or (
            response.status == 200
            and not response.headers.get(b"Content-Type", b"text/html").startswith(_HTML_TYPES)
        ):
            return page  # gone or not a page: the feed's text is all there is
        if response.status != 200:
            self.stats.inc_value("newshound/page/failed")
            raise EntryFailed(f"{entry.link}: HTTP {response.status}", log_level="INFO")
        self.stats.inc_value("newshound/page/fetched")
        page.body, page.final_url = response.body, response.url
        page.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        self._adopt_canonical(page)
        return page

    def _adopt_canonical(self, page: ArticlePage) -> None:
        page_url = page.final_url or page.entry.link
        page.url = page_canonical(page.body or b"", page_url) or canonicalize_url(page_url)
        if page.known_id is not None or url_key(page.url) == url_key(page.entry.url):
            return
        known = self.state.known_article(page.url, None, page.entry.source)
        if known is None:
            return
        self.state.remember_listed_url(page.entry.url, known.id)
        if known.source != page.entry.source or known.entry_hash == page.entry.entry_hash:
            self.stats.inc_value("newshound/dedupe/canonical_known")
            raise DropItem(f"already stored as {page.url}: {page.entry.link}", log_level="DEBUG")
        page.known_id = known.id


class CleanPipeline(_StagePipelineBase):
    def process_item(self, page: Any) -> Any:
        if not isinstance(page, ArticlePage):
            return page
        if page.body is None:
            page.cleaned = _cleaned_from_feed(page.entry)
        else:
            host = url_host(page.final_url or page.entry.link)
            known = self.state.site_boilerplate(host)
            try:
                page.cleaned = clean_html(
                    page.body,
                    page.final_url,
                    content_type=page.content_type,
                    site_boilerplate=known,
                    search_dates=page.entry.published is None,  # the feed's date wins
                )
            except DocumentError:  # over the cleaner's caps, binary: the feed's text it is
                self.stats.inc_value("newshound/clean/refused")
                page.body = None
                page.cleaned = _cleaned_from_feed(page.entry)
        self.stats.inc_value("newshound/clean/articles")
        return page


class MatchPipeline(_StagePipelineBase):
    def open_spider(self) -> None:
        self.matcher = Matcher(self.config.terms, self.config.rules)

    def process_item(self, page: Any) -> Any:
        if not isinstance(page, ArticlePage):
            return page
        assert page.cleaned is not None
        page.result = self.matcher.match(
            title=page.cleaned.title or page.entry.title or "",
            summary=clean_text(page.entry.summary or "") if page.body is not None else "",
            body=page.cleaned.text,
        )
        if page.result.matched:
            self.stats.inc_value("newshound/match/matched")
        return page


_BLOCK_END = re.compile(r"<\s*(?:/p|/div|/li|/h[1-6]|/blockquote)\b[^>]*>", re.I)


def _cleaned_from_feed(entry: FeedEntry) -> CleanedArticle:
    """The article as the feed tells it, when there is no page to clean."""
    # A summary is a fragment, too short for trafilatura to call an article, and too short
    # for the cleaner's position rules (a short last line reads as furniture): its markup
    # is dropped, paragraphs kept apart, and the text is taken as the publisher wrote it.
    summary = replace_entities(remove_tags(_BLOCK_END.sub("\n\n", entry.summary or "")))
    paragraphs = (" ".join(p.split()) for p in summary.split("\n\n"))
    text = PARAGRAPH_SEPARATOR.join(p for p in paragraphs if p)
    return CleanedArticle(
        title=entry.title, text=text, author=entry.author, published=entry.published, language=None
    )
