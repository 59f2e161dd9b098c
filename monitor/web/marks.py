"""Evidence as HTML: matched aliases in ``<mark>``, text escaped everywhere else.

The matcher stores each hit as ``{alias, field, offset, snippet}`` (``offset`` into the
field's text as stored) and marks snippets with « »; search snippets use the same marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from monitor.store import MARK_CLOSE, MARK_OPEN

__all__ = ["mark_snippet", "mark_hits", "paragraphs"]

_SNIPPET_MARK = re.compile(f"{MARK_OPEN}(.*?){MARK_CLOSE}", re.S)


def mark_snippet(snippet: str | None) -> Markup:
    """A snippet with its «hits» as ``<mark>``; everything else escaped."""
    snippet = snippet or ""
    out, last = [], 0
    for m in _SNIPPET_MARK.finditer(snippet):
        out += [escape(snippet[last : m.start()]), Markup("<mark>"), escape(m[1])]
        out.append(Markup("</mark>"))
        last = m.end()
    out.append(escape(snippet[last:]))
    return Markup("").join(out)


def _hit_span(text: str, offset: int, alias: str) -> tuple[int, int] | None:
    """Where the hit at ``offset`` ends: the alias as written there (any case, any run of
    spaces), or None when the text there is not the alias (the article changed since)."""
    pattern = r"[^\S\n]+".join(re.escape(word) for word in alias.split())
    found = re.compile(pattern, re.I).match(text, offset)
    return (offset, found.end()) if found else None


def mark_hits(text: str | None, hits: Iterable[Mapping[str, Any]], field: str) -> Markup:
    """``text`` escaped, with each of ``hits`` in ``field`` wrapped in ``<mark>``
    (``data-term`` names the term)."""
    text = text or ""
    spans = []
    for hit in hits:
        if hit.get("field") != field or not isinstance(hit.get("offset"), int):
            continue
        span = _hit_span(text, hit["offset"], str(hit.get("alias", "")))
        if span:
            spans.append((*span, str(hit.get("term", ""))))
    out, last = [], 0
    for start, end, term in sorted(spans):
        if start < last:
            continue
        out += [escape(text[last:start]), Markup('<mark data-term="%s">') % term]
        out += [escape(text[start:end]), Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def paragraphs(html: Markup) -> Markup:
    """Marked-up text as ``<p>`` per line (the cleaner puts one paragraph on a line)."""
    lines = [line for line in str(html).split("\n") if line.strip()]
    return Markup("").join(Markup("<p>%s</p>\n") % Markup(line) for line in lines)
