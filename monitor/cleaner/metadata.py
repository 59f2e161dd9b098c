"""Page metadata for the extraction stage: title, author, date, language, description.

Read from the page's own declarations (JSON-LD, Open Graph and other ``<meta>``,
``<html lang>``, ``<time>``, the first ``<h1>``), not guessed from the text.
trafilatura's ``with_metadata`` does the same and more but doubles the time per page
(date guessing over the whole tree), which would break the cleaner's time budget; its
date finder (htmldate) runs here only when a page declares no date at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from htmldate import find_date

from monitor.safety import loads_json

__all__ = ["PageMetadata", "read_metadata"]

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_BYLINE = re.compile(r"^(?:by|von|par|por|автор:?)\s+", re.I)
_SPACES = re.compile(r"\s+")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—»·:-]\s+")

_TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "headline")
_AUTHOR_KEYS = (
    "author",
    "article:author",
    "dc.creator",
    "byl",
    "parsely-author",
    "sailthru.author",
)
_DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "publishdate",
    "pubdate", "publish-date", "date", "dc.date", "dc.date.issued", "sailthru.date",
    "parsely-pub-date", "article.published", "published_time", "dcterms.created",
)  # fmt: skip
_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description")
_LANGUAGE_KEYS = ("content-language", "og:locale", "language", "dc.language")


@dataclass(frozen=True)
class PageMetadata:
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    description: str | None = None


def read_metadata(tree: lxml.html.HtmlElement, search_dates: bool = True) -> PageMetadata:
    """Metadata a page declares; fields it does not declare are ``None``. A date the page
    does not declare is looked for in its text (htmldate) only with ``search_dates``."""
    found = _scan(tree)
    meta = _meta_values(found.metas)
    ld = _json_ld(found.scripts)
    return PageMetadata(
        title=_first(ld.get("headline"), *map(meta.get, _TITLE_KEYS)) or _page_title(found),
        author=_author(
            _first(_ld_name(ld.get("author")), *map(meta.get, _AUTHOR_KEYS), url_ok=False)
        ),
        published=_published(tree, meta, ld, found.times, search_dates),
        language=_language(tree, meta),
        description=_first(ld.get("description"), *map(meta.get, _DESCRIPTION_KEYS)),
    )


@dataclass
class _Elements:
    """The elements metadata is read from, in document order."""

    metas: list[lxml.html.HtmlElement] = field(default_factory=list)
    scripts: list[lxml.html.HtmlElement] = field(default_factory=list)  # JSON-LD
    times: list[str] = field(default_factory=list)  # <time datetime>
    h1: lxml.html.HtmlElement | None = None  # the first
    title: lxml.html.HtmlElement | None = None  # the first


def _scan(tree: lxml.html.HtmlElement) -> _Elements:
    """One walk of the tree (lxml picks the tags in C), not one per kind of element."""
    found = _Elements()
    for element in tree.iter("meta", "script", "time", "h1", "title"):
        tag = element.tag
        if tag == "meta":
            found.metas.append(element)
        elif tag == "script":
            if element.get("type") == "application/ld+json":
                found.scripts.append(element)
        elif tag == "time":
            value = element.get("datetime")
            if value is not None:
                found.times.append(value)
        elif tag == "h1":
            found.h1 = element if found.h1 is None else found.h1
        elif found.title is None:
            found.title = element
    return found


def _meta_values(metas: list[lxml.html.HtmlElement]) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in metas:
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        key = key or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and content.strip():
            values.setdefault(key.strip().lower(), content)
    return values


def _json_ld(scripts: list[lxml.html.HtmlElement]) -> dict[str, Any]:
    """The first JSON-LD object that looks like an article (has a headline or a date)."""
    for script in scripts:
        try:
            data = loads_json(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "headline" in item or "datePublished" in item:
                    return item
                stack.extend(v for k, v in item.items() if k in ("@graph", "mainEntity"))
    return {}


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [_ld_name(v) for v in value]
        return ", ".join(n for n in names if n) or None
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else None


def _first(*values: Any, url_ok: bool = True) -> str | None:
    for value in values:
        if isinstance(value, str):
            value = _SPACES.sub(" ", value).strip()
            if value and (url_ok or not value.startswith(("http://", "https://"))):
                return value
    return None


def _author(value: str | None) -> str | None:
    """Without a leading "By"."""
    return _BYLINE.sub("", value) or None if value else None


def _page_title(found: _Elements) -> str | None:
    if found.h1 is not None:
        text = _first(found.h1.text_content())
        if text:
            return text
    if found.title is None:
        return None
    text = _first(found.title.text_content())
    # "Headline | Site name": keep the longest part.
    return max(_TITLE_SEPARATORS.split(text), key=len) if text else None


def _published(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    ld: dict[str, Any],
    times: list[str],
    search: bool,
) -> str | None:
    candidates = [ld.get("datePublished"), *map(meta.get, _DATE_KEYS), *times[:3]]
    for value in candidates:
        if isinstance(value, str):
            found = _ISO_DATE.match(value.strip())
            if found:
                return found.group(0).replace(" ", "T")
    if not search:
        return None
    try:
        return find_date(tree, extensive_search=False, original_date=True)
    except (ValueError, TypeError, AssertionError):
        # lxml's drop_tree asserts on an orphan element that htmldate's cleaner can meet
        # (`<svg><foreignObject><!doctype html>`): a date is not worth failing a page for.
        return None


def _language(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    """``<html lang>``, else a language ``<meta>``, as a BCP 47 tag (``ru-RU``)."""
    candidates = [tree.get("lang"), tree.get("xml:lang"), *map(meta.get, _LANGUAGE_KEYS)]
    for value in candidates:
        value = (value or "").strip().split(",")[0].strip()
        if _LANG.match(value):
            return value.replace("_", "-")
    return None
