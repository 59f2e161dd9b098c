"""News sitemaps: a sitemap (or sitemap index) body -> new article entries, child sitemaps.

``kind = "sitemap"`` sources, or ``auto`` ones whose body is a ``<urlset>`` or
``<sitemapindex>``. Scrapy's own SitemapSpider drops the ``<news:news>`` fields we want
(publication date, title), so the XML is read here with lxml, safely: no network, no
entity expansion, no DTD (a hostile sitemap cannot read files or blow up memory). A
gzipped sitemap (``sitemap.xml.gz`` served as a file) is unpacked with Scrapy's size cap.

Only what is newer than the source's ``max_age`` (default 2 days) is returned: an entry's
``<news:publication_date>``, else its ``<lastmod>``; entries without either are skipped
(a news sitemap always dates its entries). An index's children are followed when their
``<lastmod>`` is missing or recent. The spider (scraper/spiders/feeds.py) fetches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.gz import gunzip

from monitor.urls import canonicalize_url
from scraper.items import FeedEntry

__all__ = ["SitemapPage", "parse_sitemap", "is_sitemap"]

MAX_UNPACKED = 50 * 1024 * 1024  # the sitemaps.org limit for one file
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass
class SitemapPage:
    entries: list[FeedEntry] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # sitemaps an index lists
    is_index: bool = False
    skipped_old: int = 0


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True, recover=True,
    )  # fmt: skip


def _unpacked(body: bytes) -> bytes:
    if body[:2] == b"\x1f\x8b":
        return gunzip(body, max_size=MAX_UNPACKED)
    return body


def is_sitemap(body: bytes) -> bool:
    """True when the body's root element is a ``<urlset>`` or ``<sitemapindex>``."""
    return _root_name(_unpacked(body)) in ("urlset", "sitemapindex")


def _root_name(body: bytes) -> str | None:
    try:
        root = etree.fromstring(body.lstrip(), parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    return etree.QName(root).localname


def _date(text: str | None) -> datetime | None:
    """A W3C datetime (``2026-11-28``, ``2026-11-28T10:00:00+01:00``) as aware UTC; None
    when unreadable or out of range (``0001-01-01T00:00:00+01:00`` is before year 1 in
    UTC): a bad date loses the date, not the sitemap."""
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _child_text(el: etree._Element, *names: str) -> str | None:
    """Text of the first descendant with one of these local names, any namespace."""
    for name in names:
        found = el.xpath(f".//*[local-name() = '{name}']")
        if found and (found[0].text or "").strip():
            return found[0].text.strip()
    return None


def parse_sitemap(
    body: bytes, url: str, source: str, max_age: float, *, now: datetime | None = None
) -> SitemapPage:
    """Read a sitemap or sitemap index. Raises ValueError when the body is neither."""
    now = now or datetime.now(UTC)
    try:
        root = etree.fromstring(_unpacked(body).lstrip(), parser=_parser())
    except (etree.XMLSyntaxError, ValueError, OSError) as e:
        raise ValueError(f"not a sitemap ({url}): {e}") from None
    kind = etree.QName(root).localname if root is not None else None
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap ({url}): root element is {kind!r}")
    page = SitemapPage(is_index=kind == "sitemapindex")
    for el in root.xpath("./*[local-name() = 'sitemap' or local-name() = 'url']"):
        loc = _child_text(el, "loc")
        if not loc:
            continue
        link = urljoin(url, loc)
        if not link.lower().startswith(("http://", "https://")):
            continue
        if page.is_index:
            lastmod = _date(_child_text(el, "lastmod"))
            if lastmod is None or (now - lastmod).total_seconds() <= max_age:
                page.children.append(link)
            else:
                page.skipped_old += 1
            continue
        news = el.find(f"{{{_NEWS}}}news")
        dated = _date(_child_text(news, "publication_date") if news is not None else None)
        dated = dated or _date(_child_text(el, "lastmod"))
        if dated is None or (now - dated).total_seconds() > max_age:
            page.skipped_old += 1
            continue
        title = _child_text(news, "title") if news is not None else None
        page.entries.append(
            FeedEntry(
                source=source, url=canonicalize_url(link), link=link, title=title,
                published=min(dated, now).isoformat(timespec="seconds"),
            )
        )  # fmt: skip
    return page
