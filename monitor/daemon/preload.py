"""Imported once by the crawl fork server (``poll.PRELOAD``), for its side effect.

Scrapy imports most of its components only when a crawler is built (``load_object`` on
the names in its settings): the download handlers, TLS context factory, middlewares,
extensions. In a forked crawl child that cost (about 0.5 s of CPU) would be paid on every
crawl; importing them here, in the fork server, pays it once for the daemon's life.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.settings import Settings
from scrapy.utils.misc import load_object

_DICTS = (
    "DOWNLOAD_HANDLERS_BASE", "DOWNLOAD_HANDLERS", "DOWNLOADER_MIDDLEWARES_BASE",
    "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES_BASE", "SPIDER_MIDDLEWARES",
    "EXTENSIONS_BASE", "EXTENSIONS", "ITEM_PIPELINES_BASE", "ITEM_PIPELINES",
)  # fmt: skip
_NAMES = (
    "SCHEDULER", "DUPEFILTER_CLASS", "STATS_CLASS", "SCHEDULER_PRIORITY_QUEUE",
    "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_DISK_QUEUE", "DOWNLOADER", "LOG_FORMATTER",
    "REQUEST_FINGERPRINTER_CLASS", "DOWNLOADER_HTTPCLIENTFACTORY",
    "DOWNLOADER_CLIENTCONTEXTFACTORY", "ROBOTSTXT_PARSER", "SPIDER_LOADER_CLASS",
    "ITEM_PROCESSOR", "SPIDER_MIDDLEWARES_MANAGER", "DOWNLOADER_MIDDLEWARES_MANAGER",
)  # fmt: skip


def _component_names() -> Iterator[str]:
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    for key in _DICTS:
        # {"path.To.Component": priority}, or for handlers {"scheme": "path.To.Handler"}
        for name, value in settings.getdict(key).items():
            for candidate in (name, value):
                if isinstance(candidate, str) and "." in candidate and value is not None:
                    yield candidate
    for key in _NAMES:
        value = settings.get(key)
        if isinstance(value, str):
            yield value


def preload_components() -> int:
    """Import every component a crawl will load; returns how many imported."""
    done = 0
    for name in dict.fromkeys(_component_names()):
        try:
            load_object(name)
        except Exception:  # a missing optional component is Scrapy's business at crawl time
            continue
        done += 1
    return done


preload_components()
