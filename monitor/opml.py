"""OPML, the subscription lists every feed reader imports and exports.

``read_opml`` (for ``newshound add --opml``) takes the feeds out of an OPML file, nested
outlines (folders) included, each once; ``write_opml`` (for ``newshound export --format
opml``) writes the configured sources as OPML 2.0. Reading is listparser's, given the
file's bytes: a str would be taken as a URL to fetch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate
from xml.etree import ElementTree

from monitor.config import SourceConfig

__all__ = ["OpmlFeed", "OpmlError", "read_opml", "write_opml"]


class OpmlError(ValueError):
    """A file with no feeds in it (not OPML, or an OPML without xmlUrl outlines)."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None
    folder: str | None  # the outline path it was filed under, "News / Europe"


def read_opml(data: bytes, where: str) -> list[OpmlFeed]:
    """The feeds in OPML ``data`` (``where`` names the file in errors), in file order, each
    URL once. Raises :class:`OpmlError` when there are none."""
    import listparser

    result = listparser.parse(bytes(data))
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for feed in result.feeds:
        url = (feed.url or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        folders = [" / ".join(c) for c in feed.categories if c]
        title = (feed.title or "").strip() or None
        feeds.append(OpmlFeed(url, title, folders[0] if folders else None))
    if not feeds:
        problem = f": {result.bozo_exception}" if result.get("bozo") else ""
        raise OpmlError(f"{where}: no feeds found (expected OPML outlines with xmlUrl){problem}")
    return feeds


def write_opml(sources: Sequence[SourceConfig], title: str = "newshound sources") -> str:
    """OPML 2.0 listing ``sources``: feeds as ``type="rss"`` with ``xmlUrl``; listing pages
    and sitemaps as ``type="link"`` with ``url`` (a feed reader cannot read them)."""
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ElementTree.SubElement(opml, "body")
    for s in sources:
        if s.kind in ("page", "sitemap"):
            attrs = {"type": "link", "text": s.name, "title": s.name, "url": s.url}
        else:
            attrs = {"type": "rss", "text": s.name, "title": s.name, "xmlUrl": s.url}
        ElementTree.SubElement(body, "outline", attrs)
    ElementTree.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(opml, "unicode")
