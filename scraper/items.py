"""What the spiders hand to the item pipeline.

A ``FeedEntry`` is one new-looking item of a source (feed entry, listing link, sitemap
URL). The pipeline turns it into an ``ArticlePage`` once the page behind it is fetched,
then fills in the cleaned article and the match result stage by stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.safety import printable

if TYPE_CHECKING:
    from monitor.cleaner import CleanedArticle
    from monitor.matcher import MatchResult


@dataclass(frozen=True)
class FeedEntry:
    source: str
    url: str  # canonical URL: the dedupe key
    link: str  # the absolute http(s) URL as published, fetched for the page
    guid: str | None = None
    title: str | None = None
    summary: str | None = None
    published: str | None = None  # ISO 8601
    author: str | None = None

    def __post_init__(self) -> None:
        # Text from a stranger: no control characters anywhere downstream (CSV, mail, logs)
        for name in ("guid", "title", "author", "summary"):
            value = getattr(self, name)
            if value:
                cleaned = printable(value, one_line=name != "summary") or None
                object.__setattr__(self, name, cleaned)

    @property
    def entry_hash(self) -> str:
        """What the source says about the entry: a change means the story may be edited."""
        from monitor.store.articles import content_hash

        return content_hash(self.title or "", self.summary or "")


@dataclass
class ArticlePage:
    entry: FeedEntry
    body: bytes | None = None  # the article page; None when only the feed's text is known
    final_url: str | None = None
    content_type: str | None = None  # the page's HTTP Content-Type: its charset for the cleaner
    url: str | None = None  # the URL to store: the page's own canonical, else entry.url
    known_id: int | None = None  # the stored article this may be an update of
    cleaned: CleanedArticle | None = None
    result: MatchResult | None = None
