"""The worker's dedupe stage (100): ``DedupePipeline`` for a crawl that never ends.

A local crawl's "seen in this crawl" set lives as long as one crawl; a worker's crawl
lives for weeks. Here an entry is remembered only while it may still be on its way to
the writer (``SEEN_FOR``), after which the known-article keys in Redis answer for it,
and it is forgotten at once when its page failed for now (``EntryFailed``) or could not
be handled, so the source's next poll tries it again, as a local crawl's would.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from scraper.items import ArticlePage, EntryFailed
from scraper.pipelines import DedupePipeline

__all__ = ["ClusterDedupePipeline"]

SEEN_FOR = 600.0  # seconds an entry handed on is remembered by this worker
PRUNE_EVERY = 60.0


class ClusterDedupePipeline(DedupePipeline):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        pipeline = super().from_crawler(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        return pipeline

    def open_spider(self) -> None:
        super().open_spider()
        self.seen_at: dict[bytes, float] = {}
        self.pruned = time.monotonic()

    def process_item(self, item: Any) -> Any:
        now = time.monotonic()
        if now - self.pruned >= PRUNE_EVERY:
            self._prune(now)
        out = super().process_item(item)
        if isinstance(out, ArticlePage):
            for key in self.entry_keys(out.entry):
                self.seen_at.setdefault(key, now)
        return out

    def _prune(self, now: float) -> None:
        self.pruned = now
        old = [key for key, at in self.seen_at.items() if now - at >= SEEN_FOR]
        for key in old:
            del self.seen_at[key]
        self.seen.difference_update(old)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, EntryFailed):
            self._forget(item)

    def item_error(self, item: Any) -> None:
        self._forget(item)

    def _forget(self, item: Any) -> None:
        if isinstance(item, ArticlePage):
            keys = self.entry_keys(item.entry)
            self.seen.difference_update(keys)
            for key in keys:
                self.seen_at.pop(key, None)
