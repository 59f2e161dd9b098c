"""Imported once by the crawl fork server (``poll.PRELOAD``), for its side effects.

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
    "DOWNLOAD_HANDLERS",
    "DOWNLOADER_MIDDLEWARES",
    "SPIDER_MIDDLEWARES",
    "EXTENSIONS",
    "ITEM_PIPELINES",
)  # each with its *_BASE
_NAMES = (
    "SCHEDULER", "DUPEFILTER_CLASS", "STATS_CLASS", "SCHEDULER_PRIORITY_QUEUE",
    "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_DISK_QUEUE", "DOWNLOADER", "LOG_FORMATTER",
    "REQUEST_FINGERPRINTER_CLASS", "DOWNLOADER_HTTPCLIENTFACTORY",
    "DOWNLOADER_CLIENTCONTEXTFACTORY", "ROBOTSTXT_PARSER", "SPIDER_LOADER_CLASS",
    "ITEM_PROCESSOR", "SPIDER_MIDDLEWARES_MANAGER", "DOWNLOADER_MIDDLEWARES_MANAGER",
)  # fmt: skip


def _component_names() -> Iterator[str]:
    """What a crawl imports: every component its settings name, with Scrapy's
    ``*_BASE`` lists, switched off (``None``) or not, as Scrapy imports them all when it
    merges the lists (``getwithbase``). The costly ones never used are left out of those
    lists in scraper/settings.py, so neither this nor a crawl imports them."""
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    for key in _DICTS:
        # {"path.To.Component": priority}, or for handlers {"scheme": "path.To.Handler"}
        for name, value in settings.getwithbase(key).items():
            for candidate in (name, value):
                if isinstance(candidate, str) and "." in candidate:
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


_WARM_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Warm-up</title>'
    b"<link>https://example.org/</link><item><title>Warm-up</title>"
    b"<link>https://example.org/warm-up</link><description>Warm-up.</description>"
    b"<pubDate>Thu, 01 Jan 2026 00:00:00 GMT</pubDate></item></channel></rss>"
)
_WARM_TEXT = (
    "Leaders met in the capital on Monday to discuss trade, sanctions and security. "
    "Officials said the talks would continue next week, and that a joint statement was "
    "expected after the final session. Ｆｕｌｌ-width text and ﬁ ligatures are normalised."
)
_WARM_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Warm-up</title>"
    "<meta property='og:title' content='Warm-up'><link rel='canonical' href='/warm-up'>"
    "</head><body><header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>"
    "<main><article><h1>Warm-up</h1><p class='byline'>By A. Writer, 1 January 2026</p>"
    + "".join(f"<p>{_WARM_TEXT} Paragraph {i}.</p>" for i in range(12))
    + "<figure><img src='/a.jpg'><figcaption>A caption.</figcaption></figure></article>"
    "<aside><h2>Related</h2><ul><li><a href='/b'>Another story</a></li></ul></aside>"
    "<div id='comments'><h3>Leave a Reply</h3><p>Your email address will not be published."
    "</p><form><textarea></textarea></form></div></main><footer><p>© 2026 Example</p>"
    "<a href='?lang=fr'>fr_FRFrançais</a></footer></body></html>"
)


def warm_up() -> None:
    """Run each stage once on a small made-up article, so that what a first call does
    (regexes compiled inside trafilatura, the cleaner's line model loaded, the shingle
    permutations drawn, the matcher's tables built) is done here, once, and shared by
    every crawl worker forked after it, instead of once in each."""
    from monitor.cleaner.pipeline import clean_html
    from monitor.config import default_config
    from monitor.matcher import Matcher
    from monitor.store import text_signature
    from scraper.feedparse import parse_feed_entries

    parse_feed_entries(_WARM_FEED, "https://example.org/feed", {}, "warm-up")
    text = clean_html(_WARM_PAGE, "https://example.org/warm-up")
    Matcher(default_config().terms).match("Warm-up", _WARM_TEXT, text.text)
    text_signature(_WARM_TEXT * 3)


preload_components()
try:
    warm_up()
except Exception:  # a warm-up that fails costs the first crawl its time, nothing else
    pass
