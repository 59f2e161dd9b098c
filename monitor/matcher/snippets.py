"""Snippets: the evidence shown for a hit (in ``newshound match``, exports and alerts).

A snippet is the sentence around a hit, cut to about 200 characters, with the hit marked
``«like this»``. Trimmed ends get ``…``. It is taken from the normalised text
(``normalize.py``), so it is on one line with single spaces and no invisible characters.
"""

from __future__ import annotations

import re

__all__ = ["make_snippet", "MARK_OPEN", "MARK_CLOSE"]

MARK_OPEN, MARK_CLOSE = "«", "»"
WIDTH = 200

# Sentence ends: . ! ? … followed by a space, or the CJK full stops (which need none).
_SENTENCE_END = re.compile(r"[.!?…](?=\s)|[。！？]")


def make_snippet(text: str, start: int, end: int, width: int = WIDTH) -> str:
    """The sentence of ``text`` around ``text[start:end]``, at most about ``width``
    characters, the hit marked. ``text`` is normalised text; offsets are into it."""
    room = max(0, width - (end - start)) // 2
    lo = max(0, start - room)
    hi = min(len(text), end + room)
    # Start after the last sentence end before the hit, end at the first one after it.
    left = text[lo:start]
    ends = list(_SENTENCE_END.finditer(left))
    if ends:
        lo += ends[-1].end()
    m = _SENTENCE_END.search(text, end, hi)
    if m:
        hi = m.end()
    lo, hi = _trim_to_words(text, lo, hi, start, end)
    head = text[lo:start].lstrip()
    tail = text[end:hi].rstrip()
    prefix = "…" if lo > 0 and not ends else ""
    suffix = "…" if hi < len(text) and not m else ""
    return f"{prefix}{head}{MARK_OPEN}{text[start:end]}{MARK_CLOSE}{tail}{suffix}"


def _trim_to_words(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """Move a cut that falls inside a word out to the nearest space (if one is near)."""
    if 0 < lo < start and not text[lo - 1].isspace():
        space = text.find(" ", lo, start)
        if 0 <= space <= lo + 20:
            lo = space + 1
    if end < hi < len(text) and not text[hi].isspace() and text[hi - 1] not in ".!?…。！？":
        space = text.rfind(" ", end, hi)
        if space >= hi - 20:
            hi = space
    return lo, hi
