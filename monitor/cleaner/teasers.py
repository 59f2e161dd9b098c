"""Related-story teasers, found by shape in the page tree and removed before extraction.

Runs inside ``extract.py`` on the parsed page, before trafilatura. A teaser list ("You
may also like", "Mehr zum Thema", "Читайте также") names other stories' subjects, so
its words must not reach matching: a chess report whose teaser reads "SCO summit: Putin
and Xi agree…" is not about the SCO. Its wording varies with every site and language;
its shape does not:

- a run of at least two sibling items, each **headed by a link** (the item's text starts
  with the text of a link, after at most a short date or category label), and
- each ending in a **cut-off excerpt** (``…``, ``...``, ``[…]``, optionally followed by
  a "read more" link), each short (a teaser, not a paragraph of the story).

An item is one element (``<li>``, ``<article>``, ``<div>``, or an ``<a>`` wrapping a
heading and an excerpt) or two siblings: a link-only heading, then the excerpt. The
items go, and so does the label just before them ("You may also like") once nothing
else is left around it. A story's own paragraphs do not start with a link and end in an
ellipsis twice in a row; a list of links without excerpts is left to ``structure.py``.

The same stories hide in a paragraph as a hover card: a person's name in the sentence,
and beside it, shown on hover, their photo and their latest stories' headlines
(:func:`drop_link_cards`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree
from lxml.html import HtmlElement

__all__ = ["drop_link_cards", "drop_teasers"]

# Text nodes that contain an ellipsis anywhere; the pattern below decides if one ends them.
_ELLIPSIS_TEXT = etree.XPath(
    "//body//text()[contains(., '…') or contains(., '...') or contains(., '. . .')]"
)
_CUT_OFF = re.compile(r"(?:…|\.\.\.|\. \. \.)[\s\]\)»›>→]*$")
_SPACES = re.compile(r"\s+")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MIN_ITEMS = 2
_MAX_ITEM_WORDS = 90  # headline and excerpt together; a story's paragraph may be longer
_MAX_HEADLINE_WORDS = 30
_MAX_LABEL_CHARS = 40  # a date or category before the headline link
_MAX_CLIMB = 6  # levels from the excerpt's element up to the item
_MAX_HEADING_WORDS = 8  # "You may also like", "Mehr aus dem Ressort Politik"


def drop_teasers(tree: HtmlElement) -> int:
    """Remove teaser runs (see module doc) from ``tree`` in place; how many items went."""
    owners: list[HtmlElement] = []
    for text in _ELLIPSIS_TEXT(tree):
        if _CUT_OFF.search(text):
            parent = text.getparent()
            owner = parent.getparent() if text.is_tail else parent
            if owner is not None:
                owners.append(owner)
    if len(owners) < _MIN_ITEMS:
        return 0
    # For each possible container, the children through which excerpts reach it.
    reached: dict[HtmlElement, set[HtmlElement]] = defaultdict(set)
    depth: dict[HtmlElement, int] = {}
    for owner in owners:
        child = owner
        for level in range(_MAX_CLIMB):
            parent = child.getparent()
            if parent is None:
                break
            reached[parent].add(child)
            depth[parent] = min(depth.get(parent, level), level)
            child = parent
    removed: set[HtmlElement] = set()
    dropped = 0
    for container in sorted(reached, key=lambda c: depth[c]):
        if len(reached[container]) < _MIN_ITEMS or _inside(container, removed):
            continue
        run = _teaser_run(container, reached[container])
        if len(run) < _MIN_ITEMS:
            continue
        items = [item for pair in run for item in pair]
        if any(_inside(item, removed) for item in items):
            continue
        label = _label_before(items[0])
        for item in items:
            _drop(item)
        removed.update(items)
        dropped += len(run)
        if label is not None:
            _drop(label)
        _drop_empty_label(container)
    return dropped


def _teaser_run(container: HtmlElement, reached: set[HtmlElement]) -> list[tuple[HtmlElement, ...]]:
    """The longest run of consecutive teaser items among ``container``'s children."""
    best: list[tuple[HtmlElement, ...]] = []
    run: list[tuple[HtmlElement, ...]] = []
    headline: HtmlElement | None = None  # a link-only child still waiting for its excerpt
    for child in container:
        text = _text(child) if isinstance(child.tag, str) else ""
        if not text:
            continue  # images, empty spacers, ad slots between items do not break a run
        if child in reached and _cut_off(text):
            if _link_headed(child, text):
                run.append((child,))
            elif headline is not None:
                run.append((headline, child))
            else:
                best, run = max(best, run, key=len), []
            headline = None
        elif _link_only(child) and headline is None:
            headline = child
        else:
            best, run = max(best, run, key=len), []
            headline = child if _link_only(child) else None
    return max(best, run, key=len)


def _text(element: HtmlElement) -> str:
    return _SPACES.sub(" ", element.text_content()).strip()


def _cut_off(text: str) -> bool:
    return bool(_CUT_OFF.search(_strip_more(text))) and len(text.split()) <= _MAX_ITEM_WORDS


def _strip_more(text: str) -> str:
    """The text without a trailing "Read more ›" that follows the ellipsis."""
    cut = max(text.rfind("…"), text.rfind("..."))
    if cut >= 0 and len(text) - cut <= 30 and not _CUT_OFF.search(text):
        return text[: cut + (1 if text[cut] == "…" else 3)]
    return text


def _link_headed(item: HtmlElement, text: str) -> bool:
    """The item's text starts with a link's text (after a short label): a headline link,
    or a link around the whole item."""
    for link in item.iter("a"):
        if link.get("href") is None:
            continue
        headline = _text(link)
        if not headline:
            continue
        at = text.find(headline[:60])
        if not 0 <= at <= _MAX_LABEL_CHARS:
            return False
        if headline == text[at:]:
            return True
        words = len(headline.split())
        return words <= _MAX_HEADLINE_WORDS and (words >= 2 or len(headline) >= 8)
    return False


def _link_only(element: HtmlElement) -> bool:
    """A headline that is all link: ``<h3><a>…</a></h3>``, ``<a>``."""
    text = _text(element)
    if not text or len(text.split()) > _MAX_HEADLINE_WORDS:
        return False
    links = [element] if element.tag == "a" else list(element.iter("a"))
    return sum(len(_text(link)) for link in links if link.get("href") is not None) >= len(text)


def _label_before(first: HtmlElement) -> HtmlElement | None:
    """The heading just before the first item ("You may also like"), if there is one."""
    label = first.getprevious()
    while label is not None and not _text(label):
        label = label.getprevious()
    return label if label is not None and _is_label(label) else None


def _is_label(element: HtmlElement) -> bool:
    text = _text(element)
    if not text or len(text.split()) > _MAX_HEADING_WORDS or text[-1] in ".!?…":
        return False
    return element.tag in _HEADINGS or element.find(".//p") is None


def _drop_empty_label(container: HtmlElement) -> None:
    """Once ``container`` is left empty, the label just before it goes too
    (``<h2>Related</h2><ul>…</ul>``), looking one level further up."""
    for _ in range(2):
        if _text(container):
            return
        label = _label_before(container)
        if label is not None:
            _drop(label)
            return
        parent = container.getparent()
        if parent is None:
            return
        container = parent


def _inside(element: HtmlElement, removed: set[HtmlElement]) -> bool:
    node: HtmlElement | None = element
    while node is not None:
        if node in removed:
            return True
        node = node.getparent()
    return False


def _drop(element: HtmlElement) -> None:
    if element.getparent() is not None:
        element.drop_tree()


# A card of links inside a paragraph: an element holding a picture and links, nothing
# else, within a <p> ("Ilhan Omar" and, on hover, her photo and three of her stories).
_CARD_CANDIDATES = etree.XPath("//p//*[.//img][count(.//a[@href]) >= $links]")
_MIN_CARD_LINKS = 2
_MIN_CARD_LINK_SHARE = 0.9
_MIN_CARD_CHARS = 40


def drop_link_cards(tree: HtmlElement) -> int:
    """Remove from ``tree`` the link cards that pages hide in a paragraph and show on
    hover (a person's or a topic's photo, name and latest stories): an element inside a
    ``<p>`` that holds an image and at least two links, and whose text is all link text.
    The innermost such element goes (a card's own wrapper may hold the name the
    sentence needs: "threatened to kill Rep. Ilhan Omar (D-Minn.)"). How many went."""
    cards = [
        element
        for element in _CARD_CANDIDATES(tree, links=_MIN_CARD_LINKS)
        if element.tag != "a" and _is_card(element)
    ]
    inner = [card for card in cards if not any(card in other.iterancestors() for other in cards)]
    for card in inner:
        _drop(card)
    return len(inner)


def _is_card(element: HtmlElement) -> bool:
    text = _text(element)
    if len(text) < _MIN_CARD_CHARS:
        return False
    linked = sum(len(_text(link)) for link in element.iter("a") if link.get("href") is not None)
    return linked >= _MIN_CARD_LINK_SHARE * len(text)
