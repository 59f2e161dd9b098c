"""Extraction stage: HTML -> main text lines plus title, author, date and language.

First stage of the cleaner; its lines go to the boilerplate filter (``boilerplate.py``).
trafilatura does the work. Options, chosen on the Zyte article benchmark
(``python bench/cleaner.py --compare-options``):

- ``include_comments=False``: reader comments are never article text.
- ``favor_precision`` / ``favor_recall`` off: the balanced mode keeps recall high and the
  boilerplate filter takes out what it lets through, which beats ``favor_precision``
  (it drops real paragraphs that no later stage can bring back).
- ``include_tables=True``: tables in news pages are mostly data that belongs to the story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml.etree import ParserError

from monitor.cleaner.document import decode_html

__all__ = ["Extraction", "EXTRACT_OPTIONS", "extract_article"]

EXTRACT_OPTIONS: dict[str, bool] = {
    "include_comments": False,
    "favor_precision": False,
    "favor_recall": False,
    "include_tables": True,
}

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Extraction:
    """What trafilatura found: body ``lines`` (one paragraph, heading or list item each)."""

    lines: tuple[str, ...]
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    description: str | None = None


def extract_article(html: str | bytes, url: str | None = None) -> Extraction:
    """Run trafilatura on one page. Bytes are decoded by BOM, ``<meta charset>`` or UTF-8.

    Never raises on malformed markup: a page with no findable article gives no lines.
    """
    if isinstance(html, bytes):
        html = decode_html(html)
    tree = _parse(html)
    if tree is None:
        return Extraction(lines=())
    language = _page_language(tree)
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, **EXTRACT_OPTIONS)
    if doc is None:
        return Extraction(lines=(), language=language)
    text = doc.text or ""
    lines = tuple(line.strip() for line in text.split("\n") if line.strip())
    return Extraction(
        lines=lines,
        title=_clean(doc.title),
        author=_clean(doc.author),
        published=_clean(doc.date),
        language=language or _clean(doc.language),
        description=_clean(doc.description),
    )


def _parse(html: str) -> lxml.html.HtmlElement | None:
    # Same parse trafilatura's load_html does; done here once so <html lang> is readable.
    try:
        tree = trafilatura.utils.load_html(html)
    except (ParserError, ValueError):
        return None
    return tree


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    """``<html lang>``, else ``content-language`` or ``og:locale`` meta, as a BCP 47 tag."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    head = tree.find("head")
    for meta in head.iterfind("meta") if head is not None else ():
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for value in candidates:
        value = (value or "").strip().split(",")[0].strip()
        if _LANG.match(value):
            return value.replace("_", "-")
    return None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
