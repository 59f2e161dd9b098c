"""``newshound check --fetch``: each source fetched once, and what it turned out to be.

Each source goes through the discovery crawl behind ``newshound add`` (``scrapy crawl
discover``: robots.txt, the public-address check, the same timeouts), a few at a time.
The answer is one line per source: a feed and its items, a sitemap, a listing page, a page
whose announced feed is read instead, or what went wrong.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Config, SourceConfig

__all__ = ["SourceReport", "fetch_sources"]

AT_ONCE = 4  # discovery crawls running together (each is a Scrapy process)
_ERROR = re.compile(r"\burl=(\S+) error=(.+)$")


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

    found, log = discovery_crawl(source.url, config_path)
    if found is None:
        tail = log.strip().splitlines()[-1:] or ["no output"]
        return SourceReport(source, False, f"the fetch crawl failed: {tail[0]}")
    errors = [m.group(2).strip() for line in log.splitlines() if (m := _ERROR.search(line))
              and m.group(1) == source.url]  # fmt: skip
    if errors:
        return SourceReport(source, False, errors[0])
    if source.kind == "page":
        return SourceReport(source, True, 'listing page (kind = "page"): answered')
    if not found:
        return SourceReport(
            source, False,
            'not a feed: a page that announces no feed; for a listing set kind = "page" '
            "and an item selector",
        )  # fmt: skip
    first = found[0]
    if first["kind"] == "sitemap":
        return SourceReport(source, True, "sitemap")
    items = f"{first.get('entries', 0)} items"
    if first["url"] == source.url:
        return SourceReport(source, True, f"feed, {items}")
    return SourceReport(source, True, f"not a feed: using {first['url']} found on it, {items}")
