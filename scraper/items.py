"""What the spiders hand to the item pipeline.

A ``FeedEntry`` is one new-looking item of a source (feed entry, listing link, sitemap
URL). The pipeline turns it into an ``ArticlePage`` once the page behind it is fetched,
then fills in the cleaned article and the match result stage by stage.

The other items say what happened to a source (``SourcePolled``, ``SourceUnchanged``,
``SourceFailed``, ``SourceMoved``) or to a page it led to (``PagePolled``,
``PagesForgotten``). The spiders and middlewares never write the database: the writer
at the end of the pipeline (``scraper/writer.py``) applies these, and it keeps a parsed
body's validators back until every entry the body listed is stored or dropped on purpose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem

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
        """What the source says about the entry: a change means the story may be edited.
        (The same digest as ``monitor.store.articles.content_hash`` of title and summary.)"""
        h = hashlib.sha256()
        for part in (self.title or "", self.summary or ""):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()


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


class EntryFailed(DropItem):
    """An entry not stored for a reason that may pass (its page timed out, answered 5xx):
    the body that listed it keeps its old validators, so a later poll tries it again."""


@dataclass(frozen=True)
class SourcePolled:
    """A source's body was parsed and listed ``items`` entries."""

    source: str
    status: int
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    items: int
    when: float  # when the body was fetched: the poll's time, whenever it is recorded


@dataclass(frozen=True)
class SourceUnchanged:
    """A 304, or a body that digests as the one parsed last time."""

    source: str
    status: int
    when: float


@dataclass(frozen=True)
class SourceFailed:
    """A poll that failed: ``status`` None for a network error."""

    source: str
    status: int | None
    error: str
    retry_after: bytes | None = None


@dataclass(frozen=True)
class SourceMoved:
    """The source's URL redirects permanently to ``url``; None: it answers for itself."""

    source: str
    url: str | None


@dataclass(frozen=True)
class PagePolled:
    """A page a source led to (``role``: feed, sitemap, sitemapindex) and the validators
    of its parsed body."""

    source: str
    url: str
    role: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class PagesForgotten:
    """The source's pages in ``role`` are no longer what it leads to."""

    source: str
    role: str


SourceOutcome = SourcePolled | SourceUnchanged | SourceFailed | SourceMoved
PageOutcome = PagePolled | PagesForgotten
OUTCOMES = (SourcePolled, SourceUnchanged, SourceFailed, SourceMoved, PagePolled, PagesForgotten)
Outcome = SourceOutcome | PageOutcome
