"""Snippets: the evidence shown for a hit (in ``newshound match``, exports and alerts).

A snippet is the sentence around a hit, cut to about 200 characters, with the hit marked
``«like this»``; a cut inside a sentence gets ``…``. It is taken from the field's text as
given (not the normalised text the matcher searched), so curly quotes and dashes read as
written; line breaks and runs of whitespace become one space and invisible characters (soft
hyphens, zero-width spaces) are dropped, so a snippet is always one clean line.
"""

from __future__ import annotations

__all__ = ["make_snippet", "MARK_OPEN", "MARK_CLOSE"]

MARK_OPEN, MARK_CLOSE = "«", "»"
WIDTH = 200

_INVISIBLE_CHARS = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS))


def make_snippet(text: str, start: int, end: int, width: int = WIDTH) -> str:
    """The sentence of ``text`` around ``text[start:end]``, at most about ``width``
    characters, the hit marked."""
    room = max(0, width - (end - start)) // 2
    lo = max(0, start - room)
    hi = min(len(text), end + room)
    head, tail = text[lo:start], text[end:hi]
    cut = _last_sentence_end(head)
    if cut >= 0:
        lo += cut
    elif lo > 0:
        lo = _word_start_after(text, lo, start)
    stop = _first_sentence_end(tail)
    if stop >= 0:
        hi = end + stop
    elif hi < len(text):
        hi = _word_end_before(text, hi, end)
    prefix = "…" if lo > 0 and cut < 0 else ""
    suffix = "…" if hi < len(text) and stop < 0 else ""
    head = _tidy(text[lo:start]).lstrip()
    tail = _tidy(text[end:hi]).rstrip()
    return f"{prefix}{head}{MARK_OPEN}{_tidy(text[start:end])}{MARK_CLOSE}{tail}{suffix}"


# Sentence ends: ". " "! " "? " (a closing quote may follow the mark), a line break, and the
# CJK full stops, which need no space. str.rfind / str.find, not a regex: this runs for
# every hit, and a regex is several times slower.
def _last_sentence_end(head: str) -> int:
    """The index just after the last sentence end in ``head``, or -1."""
    quote = head.rfind('." ')
    cut = max(head.rfind(". "), head.rfind("! "), head.rfind("? "), quote + 1 if quote >= 0 else -1)
    cut = max(cut + 1, head.rfind("\n"))
    if not head.isascii():
        cut = max(cut, head.rfind("。") + 1, head.rfind("！") + 1, head.rfind("？") + 1)
    return cut if cut > 0 else -1


def _first_sentence_end(tail: str) -> int:
    """The index just after the first sentence end in ``tail``, or -1."""
    found = [tail.find(e) + 1 for e in (". ", "! ", "? ") if e in tail]
    if not tail.isascii():
        found += [tail.find(e) + 1 for e in "。！？" if e in tail]
    if '." ' in tail:
        found.append(tail.find('." ') + 2)
    if "\n" in tail:
        found.append(tail.find("\n"))
    return min(found) if found else -1


def _tidy(part: str) -> str:
    """One line: invisible characters dropped, each run of whitespace one space."""
    if not part.isascii() and any(c in part for c in _INVISIBLE_CHARS):
        part = part.translate(_INVISIBLE)
    if "  " not in part and "\n" not in part and "\t" not in part and "\r" not in part:
        return part
    inner = " ".join(part.split())
    head = " " if part[:1].isspace() else ""
    tail = " " if part[-1:].isspace() and inner else ""
    return f"{head}{inner}{tail}"


def _word_start_after(text: str, lo: int, start: int) -> int:
    """Move a cut that falls inside a word forward to the next space, if one is near."""
    if text[lo - 1].isspace():
        return lo
    space = text.find(" ", lo, min(start, lo + 20))
    return space + 1 if space >= 0 else lo


def _word_end_before(text: str, hi: int, end: int) -> int:
    """Move a cut that falls inside a word back to the previous space, if one is near."""
    if text[hi].isspace():
        return hi
    space = text.rfind(" ", max(end, hi - 20), hi)
    return space if space >= 0 else hi
