"""What a source URL serves, and where a homepage keeps its feeds.

- ``body_kind``: sniff a body as ``json`` (JSON Feed), ``feed`` (RSS/Atom/RDF),
  ``sitemap`` or ``html``, from its first element, not from the Content-Type (servers
  send feeds as text/html and pages as text/xml).
- ``parse_json_feed``: JSON Feed 1.0/1.1. feedparser 6.0.x does not read JSON Feed (it
  reports a bozo XML error), so it is read here with ``json``.
- ``feed_links``: the feeds an HTML page announces (``<link rel="alternate"
  type="application/rss+xml|atom+xml|feed+json">``), comment feeds last;
  ``COMMON_FEED_PATHS`` are tried in order when it announces none.
- ``DiscoverySpider`` (``scrapy crawl discover -a url=U -a out=F.json``): the crawl
  behind ``newshound add`` and ``newshound check --fetch``; finds a URL's feeds through
  Scrapy (robots.txt, the public address check) and writes what it found, and each URL's
  error, as JSON.

``FeedsSpider`` uses the same functions for ``kind = "auto"`` sources that turn out to be
a homepage (scraper/spiders/feeds.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin

import lxml.html
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from monitor.config import Config, SourceConfig, default_config, load_config
from scraper.errors import download_error
from scraper.feedparse import defused_utf8, parse_feed_entries
from scraper.feedparse import read_feed as parse_feed_document
from scraper.spiders.listings import parse_listing
from scraper.spiders.sitemaps import is_sitemap, parse_sitemap

__all__ = [
    "COMMON_FEED_PATHS", "PERMANENT_REDIRECTS", "body_kind", "feed_links", "first_url",
    "lasting_url", "DiscoverySpider",
]  # fmt: skip

COMMON_FEED_PATHS = (
    "/feed/", "/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml",
    "/feed.json", "/feeds/posts/default",
)  # fmt: skip
_FEED_TYPES = {
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/feed+json", "application/json", "application/xml", "text/xml",
}  # fmt: skip
# Redirects that say the resource lives at the new URL from now on; 302, 303, 307 and a
# meta refresh say only where it is this time.
PERMANENT_REDIRECTS = (301, 308)
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype\s+(?!html)[^>]*>|\s)*", re.S | re.I)
_FIRST_TAG = re.compile(rb"<(!doctype\s+html|[a-z][\w.-]*:)?([a-z][\w.-]*)?", re.I)


def first_url(meta: dict[str, Any], url: str) -> str:
    """The URL a request's redirects began at: ``url`` itself when it was not redirected
    (``meta``: the request's or its response's)."""
    chain = meta.get("redirect_urls")
    return str(chain[0]) if chain else url


def lasting_url(response: Response) -> str:
    """The URL to keep for what ``response`` answered: where the redirects led, when every
    one was permanent; where they began, when one was only for now."""
    reasons = response.meta.get("redirect_reasons") or ()
    if all(reason in PERMANENT_REDIRECTS for reason in reasons):
        return response.url
    return first_url(response.meta, response.url)


def body_kind(body: bytes) -> str:
    """``json``, ``feed``, ``sitemap`` or ``html``: what a source's body is."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "json"
    if head[:2] == b"\x1f\x8b":
        return "sitemap" if is_sitemap(body) else "feed"
    try:  # decoded (UTF-16 cannot hide the root) and without DOCTYPE/ENTITY declarations
        head = defused_utf8(body)[:4096]
    except ValueError:
        return "feed"  # a prolog the feed reader refuses: let it say why
    head = head[_PROLOG.match(head).end() :]  # type: ignore[union-attr]
    m = _FIRST_TAG.match(head)
    if not m:
        return "html"
    if m.group(1) and m.group(1).lower().startswith(b"!doctype"):
        return "html"
    name = (m.group(2) or b"").lower()
    if name in (b"urlset", b"sitemapindex"):
        return "sitemap"
    if name in (b"rss", b"feed", b"rdf", b"channel"):
        return "feed"
    return "html"


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def feed_links(body: bytes, page_url: str) -> list[str]:
    """The feeds an HTML page announces, absolute, in page order with comment feeds last."""
    try:
        tree = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = tree.xpath("string(//base/@href)").strip()
    base = urljoin(page_url, base) if base else page_url
    found: list[str] = []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES and not link.get("hreflang"):
            url = urljoin(base, link.get("href").strip())
            if url.lower().startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return sorted(found, key=lambda u: "comment" in u.lower())


def feed_title(body: bytes) -> str | None:
    """The title a feed gives itself (for ``newshound add``'s source name)."""
    if body_kind(body) == "json":
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):
            return None
        return _str(doc.get("title")) if isinstance(doc, dict) else None
    try:  # bytes, defused: see scraper.feedparse
        parsed = parse_feed_document(body)
    except ValueError:
        return None
    return _str(parsed.feed.get("title"))


def _source(config: Config, name: str) -> SourceConfig:
    for source in config.sources:
        if source.name == name:
            return source
    raise ValueError(f"source {name!r} is not in the config {config.path}")


class DiscoverySpider(Spider):
    """``scrapy crawl discover -a url=U -a out=F [-a config=C [-a source=NAME]]``: what
    feeds U offers; with ``source``, U is read as that source of the config is (its
    ``kind``, its listing selectors).

    Writes JSON to ``out``: ``{"found": [...], "failed": {url: error}}``. ``found`` lists
    ``{"url", "kind": "feed"|"sitemap"|"listing", "title", "entries"}`` (a sitemap index:
    ``"children"`` too; a sitemap: ``"skipped"``, its entries older than ``max_age`` or
    undated), in the order a user would want them (the URL itself when it is a feed,
    sitemap or listing; else the page's announced feeds; else the first common path that
    works). ``failed`` has each requested URL that failed, and why, in one line.
    """

    name = "discover"
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(
        self, url: str, out: str, source: SourceConfig | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.url, self.out, self.source = url, Path(out), source
        self.found: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, str] = {}
        self.candidates: list[str] = []
        self.probing = False  # trying COMMON_FEED_PATHS: the first that works is enough

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        config_path = kwargs.pop("config", None)
        config = load_config(Path(config_path)) if config_path else default_config()
        if "source" in kwargs:
            kwargs["source"] = _source(config, kwargs["source"])
        crawler.settings.set("NEWSHOUND_CONFIG", config, priority="spider")
        if config.network.user_agent:
            crawler.settings.set("USER_AGENT", config.network.user_agent, priority="spider")
        spider = cls(*args, **kwargs)
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        yield Request(
            self.url, callback=self.parse_start, errback=self.failed_request, dont_filter=True,
            meta={"discover_start": True},
        )  # fmt: skip

    def parse_start(self, response: Response) -> Iterator[Request]:
        kind, source = body_kind(response.body), self.source
        if source is not None and source.kind != "auto":
            kind = source.kind
        if kind == "html" and source is not None and source.item:
            kind = "page"
        if kind in ("sitemap", "page"):
            self.read_index(response, kind)
            return
        if kind in ("feed", "json"):
            self.check_feed(response)
            return
        announced = feed_links(response.body, response.url)
        self.probing = not announced
        self.candidates = announced or [urljoin(response.url, p) for p in COMMON_FEED_PATHS]
        for url in self.candidates:
            yield Request(url, callback=self.check_feed, errback=self.failed_request)

    def check_feed(self, response: Response) -> None:
        try:
            entries = parse_feed_entries(response.body, response.url, response.headers, "discover")
        except ValueError as e:
            self.logger.info("url=%s not a feed: %s", response.url, e)
            self.record_failure(response.meta, response.url, str(e))
            return
        requested = response.request.url if response.request is not None else response.url
        self.found[requested] = {
            "url": lasting_url(response), "kind": "feed", "title": feed_title(response.body),
            "entries": len(entries),
        }  # fmt: skip

    def read_index(self, response: Response, kind: str) -> None:
        """A sitemap (its entries, or an index's children) or, for a source with ``item``
        selectors, a listing page (the article links they find, as the crawl reads them)."""
        source = self.source
        try:
            if kind == "page" and source is not None:
                found = {"kind": "listing", "entries": len(parse_listing(response, source).entries)}
            else:
                max_age = source.max_age if source is not None else float("inf")
                page = parse_sitemap(response.body, response.url, "discover", max_age)
                found = {"kind": "sitemap", "entries": len(page.entries),
                         "skipped": page.skipped_old,
                         "children": len(page.children) if page.is_index else None}  # fmt: skip
        except ValueError as e:
            self.logger.info("url=%s error=%s", response.url, e)
            self.record_failure(response.meta, response.url, str(e))
            return
        url = lasting_url(response)
        self.found[url] = {"url": url, "title": None, **found}

    def record_failure(self, meta: dict[str, Any], url: str, error: str) -> None:
        """Why the request for ``url`` (and its redirects) failed: the start URL as given."""
        self.failed[self.url if meta.get("discover_start") else first_url(meta, url)] = error

    def failed_request(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        error = download_error(failure)
        self.logger.info("url=%s error=%s", request.url, error)
        self.record_failure(request.meta, request.url, error)

    def closed(self, reason: str) -> None:
        order = {url: i for i, url in enumerate(self.candidates)}
        results = sorted(self.found.items(), key=lambda kv: order.get(kv[0], -1))
        unique = list({r["url"]: r for _, r in results}.values())
        if self.probing:
            unique = unique[:1]
        report = {"found": unique, "failed": self.failed}
        self.out.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
