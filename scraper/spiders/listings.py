"""HTML listing pages: a section front or search page -> one entry per article link.

``kind = "page"`` sources (or ``auto`` ones with an ``item`` selector whose body is
HTML). All by config, no code per site::

    item = "article h2 a"                 # each article link, or an element containing it
    title = "h2"                           # optional, inside each item (default: link text)
    date = "time::attr(datetime)"          # optional, inside each item
    follow = "a[rel=next]"                 # optional: the next page's link
    max_pages = 3                          # pages read per poll, the first included

A selector is XPath when it starts with ``/``, ``./`` or ``(``, CSS otherwise (with
parsel's ``::text`` and ``::attr(name)``). ``item`` may select elements (the link is the
element's own ``href``, else its first descendant link) or attribute values (URLs).
The spider (scraper/spiders/feeds.py) follows ``follow`` while the page listed something
not yet stored; the pipeline fetches each article page as for feeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from cssselect import SelectorError
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse

from monitor.config import SourceConfig
from monitor.urls import canonicalize_url
from scraper.items import FeedEntry

__all__ = ["ListingPage", "parse_listing", "is_xpath"]


@dataclass
class ListingPage:
    entries: list[FeedEntry] = field(default_factory=list)
    next_url: str | None = None


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "./", "("))


def _select(node: Selector, selector: str) -> SelectorList[Selector]:
    """Run a CSS or XPath selector; ValueError naming it when it does not compile."""
    try:
        return node.xpath(selector) if is_xpath(selector) else node.css(selector)
    except (ValueError, SelectorError) as e:
        kind = "XPath" if is_xpath(selector) else "CSS"
        raise ValueError(f"{kind} selector {selector!r} is not valid: {e}") from None


def _text(node: Selector) -> str:
    """A node's text: the string itself for an attribute/text result, else its words."""
    if isinstance(node.root, str):
        return " ".join(node.root.split())
    return " ".join(" ".join(node.xpath(".//text()").getall()).split())


def _href(node: Selector) -> str | None:
    if isinstance(node.root, str):
        return node.root.strip() or None
    href = node.xpath("@href").get() or node.xpath(".//a[@href][1]/@href").get()
    return href.strip() if href else None


def _date(value: str | None) -> str | None:
    """An ISO 8601 UTC time from a ``datetime`` attribute or a written date, else None."""
    if not value:
        return None
    from dateutil import parser as dateparser

    try:
        dt = dateparser.parse(value, fuzzy=True)
        dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        return min(dt.astimezone(UTC), datetime.now(UTC)).isoformat(timespec="seconds")
    except (ValueError, OverflowError):  # unreadable or out of range: the date is lost
        return None


def _item_fields(node: Selector, source: SourceConfig) -> tuple[str | None, str | None]:
    """An item's title (``title`` inside it, else the link text) and date (``date``)."""
    if isinstance(node.root, str):  # item selected a URL: nothing around it to read
        return None, None
    found = _select(node, source.title) if source.title else None
    title = _text(found[0]) if found else _text(node)
    date = None
    found = _select(node, source.date) if source.date else None
    if found:
        el = found[0]
        attr = None if isinstance(el.root, str) else el.attrib.get("datetime")
        date = _date(attr) or _date(_text(el))
    return title or None, date


def parse_listing(response: Response, source: SourceConfig) -> ListingPage:
    """The article links a listing page shows, and the next page's URL.

    Raises ValueError when ``item`` matches nothing: the site's layout has changed, which
    the source's health should show rather than a quiet empty poll.
    """
    if not isinstance(response, TextResponse):
        raise ValueError(f"not an HTML page ({response.url})")
    assert source.item is not None
    items = _select(response.selector, source.item)
    page = ListingPage()
    seen: set[str] = set()
    for node in items:
        href = _href(node)
        link = urljoin(response.url, href) if href else ""
        if not link.lower().startswith(("http://", "https://")):
            continue
        canonical = canonicalize_url(link)
        if canonical in seen:
            continue
        seen.add(canonical)
        title, date = _item_fields(node, source)
        page.entries.append(
            FeedEntry(source=source.name, url=canonical, link=link, title=title, published=date)
        )  # fmt: skip
    if not page.entries:
        raise ValueError(
            f"listing page {response.url}: item selector {source.item!r} found no article links"
        )
    if source.follow:
        nxt = _select(response.selector, source.follow)
        href = _href(nxt[0]) if nxt else None
        if href:
            page.next_url = urljoin(response.url, href)
    return page
