"""The article's lead paragraph, when trafilatura left it out.

Sites set the lead (the first paragraph, often in bold) apart from the body, in a
container of its own ("excerpt", "intro", "teaser", a ``<header>`` beside the headline);
trafilatura takes the body's container and leaves the lead behind. A page usually
declares its lead as its description (``og:description``, ``<meta name=description>``).
So: when no extracted line holds the declared description, and a block of the page
shows it as visible text before the first extracted line (not in a link, a caption, a
navigation bar, an aside or a footer), that block's text becomes the first line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

__all__ = ["find_lead", "holder", "squash", "text_with", "with_lead"]

_BODY_WORDS = 12  # the body starts at its first paragraph this long (not a credit line)
_MIN_WORDS = 8  # a shorter description is a slogan or a label, not a lead
# A lead paragraph has two sentences or more, or one long one; one shorter sentence
# beside the headline is a dek (a summary line that sites such as the Zyte benchmark's
# do not count as article text).
_MIN_SENTENCES = 2
_MIN_LONE_SENTENCE_WORDS = 28
_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’»)]*\s+[\"'“„«(]?([^\W\d_])|[。！？]()")
_PROBE_CHARS = 30
_MAX_GROWTH = 2.5  # the block's text against the description's: more is a container
_SPACES = re.compile(r"\s+")
_CUT = re.compile(r"\s*(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")
_BLOCKS = frozenset({"p", "div", "section", "header", "h2", "h3", "h4", "h5", "h6", "td"})
_NOT_ARTICLE = frozenset(
    {"a", "figure", "figcaption", "nav", "footer", "aside", "form", "button", "li", "head"}
)
_VISIBLE = "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::title)]"
_TEXT_WITH = etree.XPath("//text()[contains(., $probe)][ancestor::body]" + _VISIBLE)
_SQUASHED_TEXT_WITH = etree.XPath(
    "//text()[contains(normalize-space(.), $probe)][ancestor::body]" + _VISIBLE
)


def holder(node: Any) -> HtmlElement:
    """The element whose text ``node`` (a text node from an XPath) is: for a tail, the
    parent of the element it follows."""
    parent = node.getparent()
    return parent.getparent() if node.is_tail else parent


def text_with(tree: HtmlElement, probe: str) -> list[Any]:
    """The visible text nodes of the page's body that hold ``probe`` (a squashed text):
    as written first, then with their spaces squashed (slower: a node's own line breaks)."""
    return _TEXT_WITH(tree, probe=probe) or _SQUASHED_TEXT_WITH(tree, probe=probe)


def squash(text: str) -> str:
    """Whitespace runs as one space, none at the ends."""
    return _SPACES.sub(" ", text).strip()


def with_lead(
    tree: HtmlElement, lines: tuple[str, ...], kinds: tuple[str, ...], description: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``lines`` and ``kinds`` with the lead inserted before the first line that is not
    a heading, when :func:`find_lead` finds one before the body's first paragraph."""
    at = next((i for i, kind in enumerate(kinds) if not kind.startswith("h")), None)
    body = next(
        (i for i in range(at or 0, len(lines)) if len(lines[i].split()) >= _BODY_WORDS),
        None,
    )
    if at is None or body is None:
        return lines, kinds
    lead = find_lead(tree, lines, description, lines[body])
    if lead is None:
        return lines, kinds
    return (*lines[:at], lead, *lines[at:]), (*kinds[:at], "p", *kinds[at:])


def find_lead(
    tree: HtmlElement, lines: Sequence[str], description: str | None, first: str
) -> str | None:
    """The text of the lead block described above, coming before the line ``first``."""
    if not description:
        return None
    key = _CUT.sub("", squash(description))
    if len(key.split()) < _MIN_WORDS:
        return None
    probe = key[:_PROBE_CHARS]
    if any(probe in squash(line) for line in lines):
        return None
    first = squash(first)
    for node in text_with(tree, probe):
        block = _block_of(holder(node))
        if block is None:
            continue
        text = squash(block.text_content())
        if not text.startswith(probe[:12]) or len(text) > _MAX_GROWTH * len(key) + 100:
            continue
        if not _is_paragraph(text) or not _before(block, first):
            continue
        return text
    return None


def _is_paragraph(text: str) -> bool:
    return _sentences(text) >= _MIN_SENTENCES or len(text.split()) >= _MIN_LONE_SENTENCE_WORDS


def _sentences(text: str) -> int:
    """Sentences: breaks after ``.!?…`` before a capital letter, or after CJK stops."""
    return 1 + sum(not m[1] or m[1].isupper() for m in _SENTENCE_BREAK.finditer(text))


def _block_of(element: HtmlElement | None) -> HtmlElement | None:
    """The nearest block-level element at or above ``element``; None inside a link,
    caption, navigation bar, aside, footer, form or list item."""
    block = None
    while element is not None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _NOT_ARTICLE:
            return None
        if block is None and tag in _BLOCKS:
            block = element
        element = element.getparent()
    return block


def _before(block: HtmlElement, first: str) -> bool:
    """The first extracted line's text comes after ``block`` in the page."""
    return bool(first) and bool(_FOLLOWING_WITH(block, probe=first[:_FIRST_CHARS]))


_FIRST_CHARS = 12
_FOLLOWING_WITH = etree.XPath("following::text()[contains(normalize-space(.), $probe)][1]")
