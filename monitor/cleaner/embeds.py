"""Posts embedded in the story (a tweet quoted as evidence), freed from their wrappers.

Runs inside ``extract.py`` on the parsed page, before trafilatura. Sites embed a social
post with the network's own markup (``<blockquote class="twitter-tweet">``: the post's
text, then "— Name (@handle) date"), often inside a wrapper named "social-media-embed";
trafilatura drops the wrapper as a share widget and the quoted words are lost, though the
story quotes them ("a whole lot of people on Twitter pointed it out:"). So the post's
``<blockquote>`` takes its wrapper's place, without the class, and is read as a quote.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

__all__ = ["free_embedded_posts"]

_POSTS = etree.XPath("//body//blockquote[contains(@class, 'twitter-tweet')]")
_SPACES = re.compile(r"\s+")
_MAX_WRAPPER_EXTRA = 40  # characters a wrapper may add to the post ("Embedded tweet")
_STOP = frozenset({"body", "html", "article", "main", "section"})


def free_embedded_posts(tree: HtmlElement) -> int:
    """Put each embedded post's ``<blockquote>`` in place of the wrappers that hold
    nothing else, as a plain quote. How many posts were freed."""
    freed = 0
    for post in _POSTS(tree):
        size = _size(post)
        if not size:
            continue
        wrapper = post
        while (parent := wrapper.getparent()) is not None and parent.tag not in _STOP:
            if _size(parent) > size + _MAX_WRAPPER_EXTRA:
                break
            wrapper = parent
        for name in list(post.attrib):
            del post.attrib[name]
        if wrapper is not post:
            post.tail = wrapper.tail
            wrapper.getparent().replace(wrapper, post)
        freed += 1
    return freed


def _size(element: HtmlElement) -> int:
    return len(_SPACES.sub("", "".join(_TEXT(element))))


_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")
