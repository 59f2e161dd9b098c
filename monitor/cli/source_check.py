"""``newshound check --fetch``: each source fetched once, and what it turned out to be.

Each source goes through the discovery crawl behind ``newshound add`` (``scrapy crawl
discover``: robots.txt, the public-address check, the same timeouts), a few at a time.
The answer is one line per source: a feed and its items, a sitemap and its entries (an
index: its sitemaps), a listing page and the items its selectors find, a page whose
announced feed is read instead, or what went wrong (from the crawl's report, not its log).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Config, SourceConfig

__all__ = ["SourceReport", "fetch_sources"]

AT_ONCE = 4  # discovery crawls running together (each is a Scrapy process)


@dataclass(frozen=True)
class SourceReport:
    source: SourceConfig
    ok: bool
    what: str  # "feed, 7 items", "sitemap", "HTTP 404", …

    @property
    def line(self) -> str:
        state = "ok" if self.ok else "FAILED"
        return f"{state:<6} {self.source.name} ({self.source.url}): {self.what}"


def fetch_sources(config: Config) -> list[SourceReport]:
    """Fetch every enabled source of ``config`` once; one report each, in config order."""
    sources = [s for s in config.sources if s.enabled]
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        return list(pool.map(lambda s: fetch_source(s, config.path), sources))


def fetch_source(source: SourceConfig, config_path: Path | None) -> SourceReport:
    from monitor.cli.add import discovery_crawl

    report, log = discovery_crawl(source.url, config_path, source.name)
    if report is None:
        tail = log.strip().splitlines()[-1:] or ["no output"]
        return SourceReport(source, False, f"the fetch crawl failed: {tail[0]}")
    found, failed = report["found"], report["failed"]
    if source.url in failed:
        return SourceReport(source, False, failed[source.url])
    if not found:
        return SourceReport(
            source, False,
            'not a feed: a page that announces no feed; for a listing set kind = "page" '
            "and an item selector",
        )  # fmt: skip
    return SourceReport(source, True, _describe_found(found[0], source.url))


def _describe_found(found: dict, url: str) -> str:
    """What the crawl found at a source: ``feed, 7 items``, ``sitemap, 12 entries``…"""
    if found["kind"] == "listing":
        return f"listing page, {_count(found['entries'], 'item')} on its first page"
    if found["kind"] == "sitemap":
        skipped = found.get("skipped") or 0
        older = f" ({skipped} older than max_age or undated, not read)" if skipped else ""
        if found.get("children") is not None:
            return f"sitemap index, {_count(found['children'], 'sitemap')}{older}"
        return f"sitemap, {_count(found['entries'], 'entry', 'entries')}{older}"
    items = _count(found.get("entries", 0), "item")
    if found["url"] == url:
        return f"feed, {items}"
    return f"not a feed: using {found['url']} found on it, {items}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
