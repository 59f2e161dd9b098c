"""Extraction stage: HTML -> main text lines plus title, author, date and language.

First stage of the cleaner; its lines go to the boilerplate filter (``boilerplate.py``).
Teaser runs are taken out of the parsed page first (``teasers.py``); trafilatura does
the work, and when its fast result is short (``SECOND_OPINION_BELOW``) its balanced mode
with fallbacks is asked too. Each list item is flagged when the page links it.
Options, chosen on the Zyte article benchmark (``python bench/cleaner.py
--compare-options``):

- ``include_comments=False``: reader comments are never article text.
- ``favor_recall=True``: trafilatura prunes less, and the boilerplate filter takes out
  what it lets through. Against the balanced mode, with the line model retrained for each,
  the cleaner scores the same (F1 0.9760 against 0.9752 on all pages; dev 0.9745 against
  0.9758, recall 0.971 against 0.973) in about a fifth less time: trafilatura's balanced
  mode measures the whole page's text (``html2txt``) on every short extraction to decide
  whether to retry in recall mode, which this mode is already in.
- ``favor_precision`` off: it drops real paragraphs that no later stage can bring back.
- ``include_tables=True``: tables in news pages are mostly data that belongs to the story.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from functools import partial
from typing import Any
from unicodedata import normalize

import lxml.html
import trafilatura
from lxml import etree
from lxml.etree import ParserError, _Element
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.settings import Extractor
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, repair_faulty_html
from trafilatura.xml import xmltotxt

from monitor.cleaner.boilerplate import is_sentence
from monitor.cleaner.chunks import following_chunks
from monitor.cleaner.document import (
    MAX_DOCUMENT_BYTES,
    MAX_ELEMENTS,
    MAX_PAGE_TEXT,
    DocumentError,
    decode_html,
)
from monitor.cleaner.embeds import free_embedded_posts
from monitor.cleaner.lead import with_lead
from monitor.cleaner.metadata import read_metadata
from monitor.cleaner.teasers import drop_link_cards, drop_teasers

__all__ = ["Extraction", "EXTRACT_OPTIONS", "extract_article"]

EXTRACT_OPTIONS: dict[str, bool] = {
    "include_comments": False,
    "favor_precision": False,
    "favor_recall": True,
    "include_tables": True,
    "fast": True,
}


# EXTRACT_OPTIONS as trafilatura's configuration object, built once: bare_extraction builds
# one per call from keyword arguments otherwise (reading its ConfigParser each time), a few
# per cent of its time. trafilatura does not change it (its recall retry works on a copy).
# "txt": the body is all we read (_body_lines converts it one element at a time); the
# default "python" would also convert it whole into ``doc.text``, for nothing.
_EXTRACTOR = Extractor(
    output_format="txt",
    fast=EXTRACT_OPTIONS["fast"],
    precision=EXTRACT_OPTIONS["favor_precision"],
    recall=EXTRACT_OPTIONS["favor_recall"],
    comments=EXTRACT_OPTIONS["include_comments"],
    tables=EXTRACT_OPTIONS["include_tables"],
)


@dataclass(frozen=True)
class Extraction:
    """What trafilatura found: body ``lines`` (one paragraph, heading or list item each).

    ``kinds`` names the element each line came from, in trafilatura's XML vocabulary
    (``p``, ``list``, ``quote``, ``table``...; headings as ``h1`` to ``h6``), one per
    line; ``linked`` says, per list item, whether it is a link's text on the page (a
    headline pointing elsewhere rather than a step or point of the article), and per
    paragraph of a few words whether it is exactly one link's text; ``description``
    is the page's declared summary (``og:description``), often shown again as a standfirst.
    """

    lines: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    linked: tuple[bool, ...] = ()
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    description: str | None = None


def extract_article(
    html: str | bytes,
    url: str | None = None,
    content_type: str | None = None,
    search_dates: bool = True,
) -> Extraction:
    """Run trafilatura on one page. Bytes are decoded by :func:`decode_html`, with the
    HTTP ``content_type`` header when there is one.

    Never raises on malformed markup: a page with no findable article gives no lines.
    Raises :class:`DocumentError` for a page of more than ``MAX_ELEMENTS`` elements.
    Only the first ``MAX_PAGE_TEXT`` characters of the page's visible text are read.
    """
    if isinstance(html, bytes):
        html = decode_html(html, content_type)
    tree = _parse(html)
    if tree is None:
        return Extraction(lines=())
    elements = int(_COUNT_ELEMENTS(tree))
    if elements > MAX_ELEMENTS:
        raise DocumentError(
            f"page has {elements} elements; the cleaner accepts at most {MAX_ELEMENTS}"
        )
    if len(html) > MAX_DOCUMENT_BYTES:  # big pages are mostly scripts; big text is not
        chars = sum(map(len, _VISIBLE_TEXT(tree)))
        if chars > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"page has {chars / 2**20:.1f} MB of text; the cleaner accepts at most "
                f"{MAX_DOCUMENT_BYTES // 2**20} MB"
            )
    big = len(html) > MAX_PAGE_TEXT  # shorter markup cannot hold more text
    if big:
        _cut_text(tree, MAX_PAGE_TEXT)
    drop_teasers(tree)  # other stories' headlines and excerpts, by shape (teasers.py)
    drop_link_cards(tree)  # the same, in a card hidden inside a paragraph
    free_embedded_posts(tree)  # a quoted tweet, out of the widget trafilatura drops
    # trafilatura works on its own copy of the tree, so reading metadata after is safe.
    options = copy(_EXTRACTOR)  # shallow: only the URL differs, for trafilatura's log lines
    options.url = options.source = url
    lines, kinds = _extract_lines(tree, options)
    if lines:
        lines, kinds = following_chunks(
            tree, lines, kinds, partial(_extract_lines, options=options)
        )
    size = sum(map(len, lines))
    if size < SECOND_OPINION_BELOW:
        if _text_exceeds(tree, SECOND_OPINION_RATIO * size):  # else the fallback cannot win
            lines, kinds = _second_opinion(tree, url, lines, kinds, _longer)
    elif _prose(lines) < NO_PROSE_SHARE * size:
        lines, kinds = _second_opinion(tree, url, lines, kinds, _more_prose)
    meta = read_metadata(tree, search_dates)
    lines, kinds = with_lead(tree, lines, kinds, meta.description)
    if big:
        _release_freed_memory()
    return Extraction(
        lines=lines,
        kinds=kinds,
        linked=_linked(tree, lines, kinds),
        title=meta.title,
        author=meta.author,
        published=meta.published,
        language=meta.language,
        description=meta.description,
    )


# A first extraction shorter than this may have grabbed a navigation or teaser block
# instead of the article (fast mode has no fallback): trafilatura's balanced mode with its
# fallbacks (readability, jusText) is asked too. Its answer wins when it extends the first
# (keeps at least half of its lines) with more text, or replaces it with far more: a
# short first answer that the second does not contain is often a short article that
# the second answer buries under other text (chosen on dev pages of both sets).
SECOND_OPINION_BELOW = 1500
SECOND_OPINION_RATIO = 1.5
SECOND_OPINION_REPLACES = 8.0
_FALLBACK = Extractor(
    output_format="txt",
    fast=False,
    comments=EXTRACT_OPTIONS["include_comments"],
    tables=EXTRACT_OPTIONS["include_tables"],
)


def _extract_lines(
    tree: HtmlElement, options: Extractor
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    doc: Any = trafilatura.bare_extraction(tree, options=options)
    return _body_lines(doc.body) if doc is not None else ((), ())


def _fallback_lines(
    tree: HtmlElement, url: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    options = copy(_FALLBACK)
    options.url = options.source = url
    doc: Any = trafilatura.bare_extraction(tree, options=options)
    return None if doc is None else _body_lines(doc.body)


Lines = tuple[tuple[str, ...], tuple[str, ...]]


def _second_opinion(
    tree: HtmlElement,
    url: str | None,
    lines: tuple[str, ...],
    kinds: tuple[str, ...],
    better: Callable[[tuple[str, ...], tuple[str, ...]], bool],
) -> Lines:
    """The fallback's lines and kinds when ``better(first lines, fallback lines)``."""
    other = _fallback_lines(tree, url)
    if other is None:
        return lines, kinds
    return other if better(lines, other[0]) else (lines, kinds)


def _longer(lines: tuple[str, ...], other: tuple[str, ...]) -> bool:
    size, other_size = sum(map(len, lines)), sum(map(len, other))
    kept = set(other)
    extends = 2 * sum(line in kept for line in lines) >= len(lines)
    return other_size > (SECOND_OPINION_RATIO if extends else SECOND_OPINION_REPLACES) * size


# A first extraction of (almost) no sentences is a navigation bar or a list of links
# taken for the article (on a page whose story sits where trafilatura does not look):
# the fallback's answer wins when it has this much more prose.
NO_PROSE_SHARE = 0.1
NO_PROSE_RATIO = 2.0
_MIN_PROSE_CHARS = 200


def _text_exceeds(tree: HtmlElement, limit: float) -> bool:
    """Whether an extraction of ``tree`` could give more than ``limit`` characters.

    What an extractor returns is the page's text with whitespace collapsed (one space or
    line break between text nodes), a list item's marker added, or the ``articleBody`` of
    its JSON-LD: a page with no more than that has no longer answer to give, and most
    short articles are short pages, for which the fallback need not run. A table is
    always asked about: its cells keep runs of spaces, and a nested table can come out
    twice.
    """
    if _HAS_TABLE(tree):
        return True
    total = _MARKER_CHARS * int(_COUNT_MARKED(tree))
    for text in _EXTRACTABLE_TEXT(tree):
        total += len(" ".join(text.split())) + 1
        if total > limit:
            return True
    return False


_VISIBLE = "//text()[not(ancestor::script or ancestor::style)]"
_EXTRACTABLE_TEXT = etree.XPath(_VISIBLE + " | //script[contains(@type, 'ld+json')]/text()")
_HAS_TABLE = etree.XPath("boolean(//table)")
_COUNT_MARKED = etree.XPath("count(//li | //dd | //dt)")
_MARKER_CHARS = 2  # "- " before a list item


def _prose(lines: tuple[str, ...]) -> int:
    """Characters of ``lines`` that are sentences."""
    return sum(len(line) for line in lines if is_sentence(line))


def _more_prose(lines: tuple[str, ...], other: tuple[str, ...]) -> bool:
    prose = _prose(other)
    return prose >= _MIN_PROSE_CHARS and prose > NO_PROSE_RATIO * _prose(lines)


_LINK_TEXTS = etree.XPath("//a[@href]")
_MIN_LINK_SHARE = 0.6  # of a list item's characters
_MIN_LINK_HEAD = 12  # characters of a link that heads an item (a headline, then its excerpt)
# A paragraph that is one link's text and this many words is a headline pointing elsewhere
# ("Skyrim finally beaten as…" between two paragraphs); a shorter one is a name or a URL.
_LINKED_PARAGRAPH_WORDS = (4, 50)
_LINK_MARKS = "-–—•·*>»›|→ "  # before a link that is set apart: "» ", ">>> ", "→ "


def _linked(tree: HtmlElement, lines: tuple[str, ...], kinds: tuple[str, ...]) -> tuple[bool, ...]:
    """Per line: a list item whose text is mostly one link's text, or starts with one; a
    paragraph of a few words that is exactly one link's text."""
    items = [i for i, kind in enumerate(kinds) if kind == "list"]
    low, high = _LINKED_PARAGRAPH_WORDS
    paragraphs = [
        i for i, kind in enumerate(kinds) if kind == "p" and low <= len(lines[i].split()) <= high
    ]
    if not items and not paragraphs:
        return (False,) * len(lines)
    anchors = {
        normalize("NFC", " ".join(a.text_content().split())).casefold() for a in _LINK_TEXTS(tree)
    }
    anchors.discard("")
    linked = [False] * len(lines)
    for i in items:
        key = " ".join(lines[i].removeprefix("- ").split()).casefold()
        linked[i] = key in anchors or any(
            (len(a) >= _MIN_LINK_SHARE * len(key) and a in key)
            or (len(a) >= _MIN_LINK_HEAD and key.startswith(a))
            for a in anchors
        )
    for i in paragraphs:
        key = " ".join(lines[i].split()).casefold()
        linked[i] = key in anchors or key.lstrip(_LINK_MARKS) in anchors
    return tuple(linked)


def _body_lines(body: _Element | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """trafilatura's text output, converted one top-level element at a time so that each
    line keeps the name of its element (same lines as ``doc.text``), in Unicode NFC as
    ``trafilatura.extract`` returns it (a watch term matches however the page composed
    its characters)."""
    lines: list[str] = []
    kinds: list[str] = []
    for element in body if body is not None else ():
        text = xmltotxt(element, include_formatting=False) or ""
        for line in normalize("NFC", text).split("\n"):
            if line.strip():
                lines.append(line.strip())
                kinds.append(_kind(element))
    return tuple(lines), tuple(kinds)


def _kind(element: _Element) -> str:
    """``p``, ``list``, ``quote``, ``table``...; a heading by its level, ``h1`` to ``h6``."""
    if element.tag == "head":
        return str(element.get("rend") or "h2")
    return str(element.tag)


def _no_trim() -> int:
    return 0


# trafilatura's copies of a big page's tree are freed, but glibc keeps their pages: later
# stages would add to them. malloc_trim(0) hands them back (a no-op elsewhere).
_release_freed_memory: Callable[[], int]
try:
    _release_freed_memory = partial(ctypes.CDLL("libc.so.6").malloc_trim, 0)
except (OSError, AttributeError):
    _release_freed_memory = _no_trim


def _cut_text(tree: HtmlElement, limit: int) -> None:
    """Remove from ``tree`` whatever follows the text node in which its visible text
    passes ``limit`` characters (that node stays whole)."""
    total = 0
    for node in _VISIBLE_TEXT(tree):
        total += len(node)
        if total > limit:
            break
    else:
        return
    element = node.getparent()
    if not node.is_tail:  # the element's own text: its children come after it
        for child in list(element):
            element.remove(child)  # with its tail
        element.tail = None
    while (parent := element.getparent()) is not None:
        for later in list(element.itersiblings()):
            parent.remove(later)
        parent.tail = None
        element = parent


# libxml2 counts without a Python object per element (trafilatura's parser drops comments
# and processing instructions, so elements are all tree.iter() would yield).
_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")
_VISIBLE_TEXT = etree.XPath(_VISIBLE)


# trafilatura's parser (``trafilatura.utils.HTML_PARSER``), with one change: lxml's C-level
# class lookup instead of lxml.html's, which calls a Python function each time an element
# gets a Python proxy (about 1,800 times per page as trafilatura walks it; 6% of the
# cleaner's CPU in an A/B run). Every element is still an ``HtmlElement``; form controls
# lose the ``FormElement``/``InputElement`` helpers, which trafilatura does not use. Output
# is byte-identical on all 181 benchmark pages (and tested on the fixture pages against
# trafilatura's own parse). trafilatura's copies of the tree keep the lookup.
_HTML_PARSER = lxml.html.HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
    remove_pis=True,
)  # fmt: skip
_HTML_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def _parse(html: str) -> HtmlElement | None:
    """``trafilatura.utils.load_html`` for a decoded page, with the parser above, done
    once here so metadata can read the tree too. None when it is not HTML at all."""
    beginning = html[:50].lower()
    html = _repair(html, beginning)
    tree = _fromstring(html)
    if tree is None or len(tree) < 1:  # e.g. a str that declares its encoding
        tree = _fromstring(html.encode("utf-8", "surrogatepass"))
    if tree is not None and "html" not in beginning and len(tree) < 2:
        return None  # trafilatura's test: no <html> and a single block is not a page
    return tree


# What ``repair_faulty_html`` removes (XML 1.0 forbids them; libxml2 chokes on them).
_XML_FORBIDDEN = tuple(map(chr, (*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF)))


def _repair(html: str, beginning: str) -> str:
    """``trafilatura.utils.repair_faulty_html``, with its scan of the whole page for the
    characters XML forbids done as 31 substring searches in C (0.3 ms for a 175 KB page;
    its regular expression took 0.9 ms) and its removal run only when one is there. The
    other two repairs (a DOCTYPE line, a self-closing ``<html/>``) are its own, on the
    first lines."""
    if any(map(html.__contains__, _XML_FORBIDDEN)):
        return repair_faulty_html(html, beginning)
    if "doctype" in beginning:
        firstline, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


def _fromstring(html: str | bytes) -> HtmlElement | None:
    try:
        return lxml.html.fromstring(html, parser=_HTML_PARSER)
    except (ParserError, ValueError):
        return None
