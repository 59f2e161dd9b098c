"""Render stored matched articles as an Atom 1.0 feed a reader can subscribe to.

``newshound export --format atom [--term T] [--rule R]`` writes it: one feed per filter,
with a stable feed id, so a reader can subscribe to "everything on Putin". Text that XML
cannot carry (control characters from a broken page) is dropped, never written raw.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

_ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _rfc3339(value: str | None) -> str:
    if value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            return dt.isoformat(timespec="seconds")
        except ValueError:
            pass
    return datetime.now(UTC).isoformat(timespec="seconds")


def render_atom(
    rows: Sequence[dict[str, Any]], *, title: str, feed_id: str = "", self_url: str = ""
) -> str:
    """An Atom feed with one entry per article: title, link, terms as categories, snippets.

    ``feed_id`` defaults to a URN derived from ``title``; ``self_url`` (where the feed is
    served, if anywhere) becomes its ``rel="self"`` link.
    """
    ET.register_namespace("", _ATOM)
    feed = ET.Element(f"{{{_ATOM}}}feed")
    ET.SubElement(feed, f"{{{_ATOM}}}title").text = title
    ident = feed_id or "urn:newshound:" + hashlib.sha256(title.encode()).hexdigest()[:16]
    ET.SubElement(feed, f"{{{_ATOM}}}id").text = ident
    if self_url:
        ET.SubElement(feed, f"{{{_ATOM}}}link", href=self_url, rel="self")
    updated = max(
        (_rfc3339(r.get("updated") or r.get("fetched")) for r in rows), default=_rfc3339(None)
    )
    ET.SubElement(feed, f"{{{_ATOM}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{_ATOM}}}author")
    ET.SubElement(author, f"{{{_ATOM}}}name").text = "newshound"
    for r in rows:
        entry = ET.SubElement(feed, f"{{{_ATOM}}}entry")
        ET.SubElement(entry, f"{{{_ATOM}}}title").text = _xml_text(r.get("title") or r["url"])
        ET.SubElement(entry, f"{{{_ATOM}}}link", href=r["url"], rel="alternate")
        ET.SubElement(entry, f"{{{_ATOM}}}id").text = r["url"]
        ET.SubElement(entry, f"{{{_ATOM}}}updated").text = _rfc3339(
            r.get("updated") or r.get("fetched")
        )
        if r.get("published"):
            ET.SubElement(entry, f"{{{_ATOM}}}published").text = _rfc3339(r["published"])
        if r.get("source"):
            src_author = ET.SubElement(entry, f"{{{_ATOM}}}author")
            ET.SubElement(src_author, f"{{{_ATOM}}}name").text = _xml_text(r["source"])
        for term in r.get("terms", []):
            ET.SubElement(entry, f"{{{_ATOM}}}category", term=term)
        snippets = [f"{m['term']}: {m['snippet']}" for m in r.get("matches", [])]
        summary = ET.SubElement(entry, f"{{{_ATOM}}}summary", type="text")
        summary.text = _xml_text("\n".join(snippets))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
