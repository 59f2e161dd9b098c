"""The rest of an article that a page splits into chunks.

Some templates cut the body into several containers of one kind (``<div class="body">``
chunks between advertisements); trafilatura takes the first container that looks like a
body and the article stops after a few paragraphs. So: from the element that holds the
last extracted paragraph, up a few levels, the first element with a class whose later
siblings have the same tag and class is a chunk; those siblings are the rest, extracted
the same way and appended. A sibling holding a headline (``<h1>``) or an ``<article>`` of
its own is the next story of an endless page, and ends the run.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from monitor.cleaner.boilerplate import is_sentence
from monitor.cleaner.lead import holder, squash, text_with

__all__ = ["following_chunks"]

_MAX_LEVELS = 6
_MIN_PARAGRAPHS = 2
# The rest of a story is paragraphs: this many of this length, most of its characters.
_MIN_NEW_PARAGRAPHS = 3
_MIN_PARAGRAPH_CHARS = 100
_MIN_SENTENCE_SHARE = 0.7
_PROBE_CHARS = 40
_OWN_STORY = etree.XPath("boolean(descendant-or-self::h1 or descendant-or-self::article)")

Lines = tuple[tuple[str, ...], tuple[str, ...]]


def following_chunks(
    tree: HtmlElement,
    lines: tuple[str, ...],
    kinds: tuple[str, ...],
    extract: Callable[[HtmlElement], Lines],
) -> Lines:
    """``lines`` and ``kinds`` with the lines of the chunks after the extracted one
    (``extract`` turns a page tree into lines and kinds); unchanged when there are none."""
    last = next((lines[i] for i in reversed(range(len(lines))) if kinds[i] == "p"), None)
    if last is None:
        return lines, kinds
    probe = _probe(last)
    nodes = text_with(tree, probe)
    if len(nodes) != 1:
        return lines, kinds
    paragraphs = [_probe(line) for line, kind in zip(lines, kinds, strict=True) if kind == "p"]
    siblings = _chunk_siblings(holder(nodes[0]), paragraphs)
    if not siblings:
        return lines, kinds
    more: list[str] = []
    more_kinds: list[str] = []
    for sibling in siblings:  # one by one: trafilatura would take the first chunk again
        page = lxml.html.document_fromstring("<html><body></body></html>")
        page[-1].append(deepcopy(sibling))
        page[-1][-1].tail = None
        found, found_kinds = extract(page)
        more += found
        more_kinds += found_kinds
    seen = set(lines)
    new = [(line, kind) for line, kind in zip(more, more_kinds, strict=True) if line not in seen]
    prose = [line for line, _ in new if len(line) >= _MIN_PARAGRAPH_CHARS and is_sentence(line)]
    if len(prose) < _MIN_NEW_PARAGRAPHS or sum(map(len, prose)) < _MIN_SENTENCE_SHARE * sum(
        len(line) for line, _ in new
    ):
        return lines, kinds  # a form, a box, a disclaimer, names: not the story going on
    return lines + tuple(line for line, _ in new), kinds + tuple(kind for _, kind in new)


def _probe(line: str) -> str:
    return squash(line)[:_PROBE_CHARS]


def _chunk_siblings(element: HtmlElement | None, paragraphs: list[str]) -> list[HtmlElement]:
    """The later siblings of the chunk that holds ``element``: same tag and class. A
    chunk holds at least two of the extracted ``paragraphs`` (their first characters),
    so an item of a list of links is none."""
    for _ in range(_MAX_LEVELS):
        if element is None or element.tag in ("body", "html", "article"):
            return []
        css = element.get("class")
        if css:
            same = []
            for sibling in element.itersiblings():
                if sibling.tag != element.tag or sibling.get("class") != css:
                    continue
                if _OWN_STORY(sibling):
                    break
                same.append(sibling)
            if same and _holds(element, paragraphs):  # the costlier test last
                return same
        element = element.getparent()
    return []


def _holds(element: HtmlElement, paragraphs: list[str]) -> bool:
    text = squash(element.text_content())
    return sum(probe in text for probe in paragraphs) >= _MIN_PARAGRAPHS
