"""The cleaner's stages in order: sniff -> extract -> structure -> boilerplate -> line
model -> site lines.

``scraper/pipelines.py`` (CleanPipeline) and ``newshound clean`` call these; matching
(``monitor/matcher``) receives the :class:`CleanedArticle`.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from monitor.cleaner.article import PARAGRAPH_SEPARATOR, CleanedArticle
from monitor.cleaner.boilerplate import (
    boilerplate_mask,
    forget_lines,
    has_edge_phrase,
    is_furniture,
    is_sentence,
    normalise,
    remove_boilerplate,
)
from monitor.cleaner.document import read_document
from monitor.cleaner.extract import Extraction, extract_article
from monitor.cleaner.line_model import refine
from monitor.cleaner.site_lines import drop_site_lines
from monitor.cleaner.structure import element_drops

__all__ = ["clean_html", "clean_text", "clean_document"]

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_MAX_TITLE_WORDS = 25


def clean_html(
    html: str | bytes,
    url: str | None = None,
    *,
    content_type: str | None = None,
    site_boilerplate: Collection[str] = frozenset(),
    search_dates: bool = True,
) -> CleanedArticle:
    """Article text and metadata from one HTML page (str, or bytes in any charset).

    ``content_type`` is the HTTP ``Content-Type`` header the bytes came with (or a bare
    charset label): its charset outranks the page's ``<meta charset>``, and valid UTF-8
    outranks both (``monitor.cleaner.document.decode_html``).
    ``site_boilerplate`` holds line hashes learnt for the page's site (see
    ``monitor.store.site_lines.site_boilerplate``); matching lines are dropped.
    ``search_dates=False``: a date the page does not declare is not searched for in its
    text (the caller has one already, from the feed).
    Never raises on malformed markup; a page without an article gives ``text == ""``.
    Raises ``monitor.cleaner.document.DocumentError`` for a page too large to clean.
    """
    found = extract_article(html, url, content_type, search_dates)
    try:
        keep = refine(found, *rule_mask(found))
    finally:
        forget_lines()
    lines = [line for line, kept in zip(found.lines, keep, strict=True) if kept]
    lines = drop_site_lines(lines, site_boilerplate)
    return CleanedArticle(
        title=found.title,
        text=PARAGRAPH_SEPARATOR.join(lines),
        author=found.author,
        published=found.published,
        language=found.language,
    )


def rule_mask(found: Extraction) -> tuple[set[int], list[bool]]:
    """The rule stages' verdict on ``found.lines``: indices the element rules drop, and
    a keep flag per line after them and the boilerplate filter."""
    dropped = element_drops(
        found.lines, found.kinds, description=found.description, linked=found.linked
    )
    order = [i for i in range(len(found.lines)) if i not in dropped]
    echoes = [normalise(v) for v in (found.title, found.author) if v]
    kept = boilerplate_mask([found.lines[i] for i in order], echoes, author=found.author)
    keep = [False] * len(found.lines)
    for i, flag in zip(order, kept, strict=True):
        keep[i] = flag
    for i in _unlinked_list_runs(found, dropped):
        line = found.lines[i]
        if not keep[i] and not is_furniture(line, teaser_shapes=False):
            keep[i] = not has_edge_phrase(line)  # a point of the article's own list
    return dropped, keep


def _unlinked_list_runs(found: Extraction, dropped: set[int]) -> list[int]:
    """List items that are not links, in runs of two or more (steps, points, an agenda);
    only when the page said which items are links (``Extraction.linked``)."""
    if len(found.linked) != len(found.lines):
        return []
    plain = [
        kind == "list" and not linked and i not in dropped
        for i, (kind, linked) in enumerate(zip(found.kinds, found.linked, strict=True))
    ]
    return [
        i
        for i, flag in enumerate(plain)
        if flag and ((i > 0 and plain[i - 1]) or (i + 1 < len(plain) and plain[i + 1]))
    ]


def clean_text(text: str) -> str:
    """Plain text (paragraphs separated by blank lines) -> the article text only.

    The same boilerplate filter as for HTML, line by line; kept lines keep their
    paragraphs: ``"\\n"`` inside one, ``"\\n\\n"`` between them.
    """
    blocks = [block.splitlines() for block in _BLANK_LINES.split(text.strip())]
    lines = [line.strip() for block in blocks for line in block if line.strip()]
    kept = iter(remove_boilerplate(lines, headline_first=True))
    survivor = next(kept, None)
    out: list[str] = []
    for block in blocks:
        paragraph = []
        for line in block:
            if survivor is not None and line.strip() == survivor:
                paragraph.append(survivor)
                survivor = next(kept, None)
        if paragraph:
            out.append("\n".join(paragraph))
    return PARAGRAPH_SEPARATOR.join(out)


def clean_document(
    data: bytes, url: str | None = None, content_type: str | None = None
) -> CleanedArticle:
    """Bytes of HTML, gzipped HTML or plain text -> :class:`CleanedArticle`.

    Input without markup is plain text: its first line is the title when it reads like
    a headline (it also stays in ``text``, which is the article exactly). Raises
    ``monitor.cleaner.document.DocumentError`` for binary or oversized input.
    """
    document = read_document(data, content_type)
    if document.kind == "html":
        return clean_html(document.text, url)
    text = clean_text(document.text)
    first = text.split("\n", 1)[0]
    headline = first and not is_sentence(first) and len(first.split()) <= _MAX_TITLE_WORDS
    return CleanedArticle(title=first if headline else None, text=text)
