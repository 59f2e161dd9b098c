"""Element rules: lines judged by the element trafilatura took them from.

Runs between extraction (``extract.py``, which names each line's element) and the
boilerplate filter (``boilerplate.py``, which sees only text). The text filter cannot
tell a headline or a standfirst from the article's own first paragraph, nor a list of
links to other stories from the article's own list; the element can:

- the headline: a first line set as ``<h1>`` (the text stage drops it only when it
  matches the declared title, and sites often shorten one of the two);
- a standfirst: a first line set as a lower heading that repeats the page's declared
  description. The same words in a paragraph are the article's lead, and stay;
- a teaser block: after the last paragraph, a heading followed by lists and headings
  only ("More from ...", then headlines of other stories) up to the end of the text;
- a paragraph that is exactly one link's text, of a few words (``extract._linked``):
  another story's headline set between the paragraphs ("Skyrim finally beaten as…"),
  a promotion ("Get access to … Pro"). Text of the story links a phrase, not the whole
  paragraph. So is a list item of five words or more that is a link, or headed by one,
  and is no sentence ("- 15 Amazing Images of Stars").

Lines already furniture by text (``boilerplate.is_furniture``) are looked through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from monitor.cleaner.boilerplate import is_echo, is_furniture, is_sentence, normalise

__all__ = ["HEADINGS", "element_drops", "remove_by_element"]

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MIN_HEADLINE_WORDS = 4
_MIN_LINKED_ITEM_WORDS = 5  # "- 1/2 tsp vanilla extract" may link the product


def remove_by_element(
    lines: Sequence[str], kinds: Sequence[str], *, description: str | None = None
) -> list[str]:
    """``lines`` without headline, standfirst and trailing teaser block (see module doc).

    ``kinds`` holds one element name per line (``extract.Extraction.kinds``); without
    them (plain text) the lines come back unchanged.
    """
    dropped = element_drops(lines, kinds, description=description)
    return [line for i, line in enumerate(lines) if i not in dropped]


def element_drops(
    lines: Sequence[str],
    kinds: Sequence[str],
    *,
    description: str | None = None,
    linked: Sequence[bool] = (),
) -> set[int]:
    """Indices of the lines :func:`remove_by_element` drops (none without ``kinds``).

    ``linked`` (``extract.Extraction.linked``), when given, says which list items are
    links: a trailing list whose items are not (recipe steps, an agenda) is no teaser;
    a paragraph it flags is a link to elsewhere and goes.
    """
    if len(kinds) != len(lines):
        return set()
    teasers = _teaser_block(lines, kinds)
    links: list[int] = []
    if len(linked) == len(lines):
        if not all(linked[i] for i in teasers if kinds[i] == "list"):
            teasers = []
        links = [i for i, kind in enumerate(kinds) if linked[i] and _links_away(lines[i], kind)]
    return set(_lead(lines, kinds, description)) | set(teasers) | set(links)


def _links_away(line: str, kind: str) -> bool:
    """A flagged line that is another story's headline: a paragraph that is one link (the
    flag says so), or a list item headed by a link that is no sentence (a summary point
    that links its first words ends like one)."""
    if kind == "p":
        return True
    words = len(line.removeprefix("- ").split())
    return kind == "list" and words >= _MIN_LINKED_ITEM_WORDS and not is_sentence(line)


def _body(lines: Sequence[str], indices: Iterable[int]) -> Iterator[int]:
    """``indices`` of lines that are not furniture by text, judged lazily."""
    return (i for i in indices if not is_furniture(lines[i]))


def _lead(lines: Sequence[str], kinds: Sequence[str], description: str | None) -> list[int]:
    """The first lines when they are the headline and then a standfirst."""
    dropped = []
    first = list(islice(_body(lines, range(len(lines))), 2))
    if first and kinds[first[0]] == "h1":
        dropped.append(first.pop(0))
    if first and description and kinds[first[0]] in HEADINGS:
        if is_echo(lines[first[0]], [normalise(description)]):
            dropped.append(first[0])
    return dropped


def _teaser_block(lines: Sequence[str], kinds: Sequence[str]) -> list[int]:
    """Lines after the last paragraph when they are a heading, then lists of headlines
    (not of figures such as poll results) and headings."""
    block: list[int] = []
    for i in _body(lines, range(len(lines) - 1, -1, -1)):
        if kinds[i] == "p":
            break
        if kinds[i] not in HEADINGS and kinds[i] != "list":
            return []
        block.append(i)
    else:
        return []  # no paragraph at all: not an article with a tail
    block.reverse()
    if not block or kinds[block[0]] not in HEADINGS:
        return []
    items = [lines[i] for i in block if kinds[i] == "list"]
    headlines = [item for item in items if len(item.split()) >= _MIN_HEADLINE_WORDS]
    return block if items and len(headlines) == len(items) else []
