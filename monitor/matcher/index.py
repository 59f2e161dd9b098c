"""One Aho-Corasick automaton for every spelling of a config, then the exact checks.

Built once per config by :class:`~monitor.matcher.Matcher` (``matcher.py``) from the terms'
names and aliases, their ``exclude`` phrases and the quoted phrases of the rules. It runs
over a *view* of the normalised text (``normalize.py``); each candidate it reports is then
checked exactly: same letters (case-folded), same case for spellings that keep it, and word
boundaries (``boundaries.py``). A 400-alternative case-insensitive regex does the same job
about 75x slower.

Why a view, and not the text itself: pyahocorasick finds a node's children by a linear scan,
so a root with hundreds of children (every first letter of every alias, hundreds of Chinese
characters) costs that scan on nearly every character of the text. The view gives the root
almost no children:

- *spaced view* (every text): the UTF-8 bytes of the case-folded text (as a latin-1 str)
  with every character that cannot be inside a word (spaces, punctuation, and the letters
  of scripts written without spaces) replaced by one space, and a space in front. A spelling
  that starts with a letter is keyed as a space plus its own view, so it can only start
  after a non-word character: the root has one child, " ", for all of them.
- *unspaced view* (only texts with Chinese, Japanese, Thai… characters): the UTF-8 bytes of
  the case-folded text, unblanked. Spellings starting in those scripts are keyed by their
  bytes, so the root gains only their lead bytes (a handful), not one child per character.

Both views are produced from a spelling exactly as from a text, so every true occurrence
is a candidate; the exact checks then drop the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import ahocorasick

from monitor.matcher.boundaries import (
    UNSPACED_CLASS,
    ends_word,
    is_unspaced,
    is_word_char,
    starts_word,
)
from monitor.matcher.normalize import NormalizedText, fold_case, normalize_text

__all__ = ["Kind", "Spelling", "SpellingIndex", "keeps_case", "make_spelling"]


class Kind(Enum):
    """What a spelling stands for."""

    ALIAS = "alias"  # the name or an alias of a term: a hit
    EXCLUDE = "exclude"  # a term's exclude phrase: cancels the term's hits it covers
    PHRASE = "phrase"  # a quoted phrase of a rule


@dataclass(frozen=True)
class Spelling:
    """One string to find. ``owner`` is the term index (ALIAS, EXCLUDE) or phrase index."""

    kind: Kind
    owner: int
    text: str  # as configured, e.g. "Vladimir Putin"
    normal: str  # after normalize_text
    folded: str  # normal, case-folded
    case_sensitive: bool
    check_start: bool  # the first character needs a word boundary before it
    check_end: bool  # the last character needs a word boundary after it


def keeps_case(spelling: str, override: bool | None = None) -> bool:
    """True if ``spelling`` matches only as written.

    ``override`` (a term's ``case_sensitive``) wins when set. Otherwise acronyms (every cased
    letter a capital: "SCO", "ШОС", "G7") and spellings of two letters or fewer ("Xi", "Си")
    keep their case, so "Pius XI" is not Xi and "disco" is not SCO; the rest ignore it.
    The rule applies per spelling: "Xi" keeps case, "Xi Jinping" does not.
    """
    if override is not None:
        return override
    letters = sum(1 for c in spelling if c.isalpha())
    return letters <= 2 or spelling.isupper()


def make_spelling(kind: Kind, owner: int, text: str, case_sensitive: bool) -> Spelling | None:
    """A :class:`Spelling` for ``text``, or None if it normalises to nothing."""
    normal = normalize_text(text.strip()).text.strip()
    if not normal:
        return None
    return Spelling(
        kind=kind,
        owner=owner,
        text=text,
        normal=normal,
        folded=fold_case(normal),
        case_sensitive=case_sensitive,
        # An edge in a script without spaces matches as a substring; an edge that is not a
        # letter or digit ("C++", "U.S.") needs no boundary either, unlike regex \b.
        check_start=is_word_char(normal[0]),
        check_end=is_word_char(normal[-1]),
    )


# ASCII bytes: letters lower-cased, digits and "_" kept, everything else a space; the
# bytes of non-ASCII characters are kept.
_VIEW_BYTES = bytes(
    (b + 32 if 65 <= b <= 90 else b) if b >= 128 or chr(b).isalnum() or b == 95 else 32
    for b in range(256)
)
# Non-ASCII characters that cannot be inside a word, and runs of letters of the scripts
# written without spaces.
_NON_WORD = re.compile(r"[^\x00-\x7f\w]")
_UNSPACED_RUN = re.compile(f"[{UNSPACED_CLASS}]+")
# UTF-8 lead bytes of every character in UNSPACED_CLASS, and of its neighbours (Indic, Hangul
# jamo, Vietnamese…), which only cost a regex pass. Single bytes: `in` is then a memchr.
_UNSPACED_LEADS = tuple(
    bytes([b]) for b in (0xE0, 0xE1, *range(0xE3, 0xEA), 0xEF, 0xF0, 0xF1, 0xF2, 0xF3)
)


def spaced_view(text: str) -> tuple[bytes, bool]:
    """The spaced view of normalised ``text`` (see the module docstring) as UTF-8 bytes, and
    whether ``text`` may hold letters of a script written without spaces."""
    if text.isascii():
        return text.encode("ascii").translate(_VIEW_BYTES), False
    folded = _NON_WORD.sub(" ", fold_case(text))
    data = folded.encode("utf-8")
    unspaced = _may_be_unspaced(data)
    if unspaced:
        data = _UNSPACED_RUN.sub(_spaces, folded).encode("utf-8")
    return data.translate(_VIEW_BYTES), unspaced


def _may_be_unspaced(data: bytes) -> bool:
    """True if UTF-8 ``data`` may hold a character in ``UNSPACED_CLASS`` (a dozen memchr,
    where a regex over the text costs ten times more)."""
    return any(lead in data for lead in _UNSPACED_LEADS)


def _spaces(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def unspaced_view(text: str) -> bytes:
    """The unspaced view of normalised ``text``: its case-folded UTF-8 bytes."""
    return fold_case(text).encode("utf-8")


class SpellingIndex:
    """All spellings in one automaton; :meth:`find` yields the whole-word occurrences."""

    def __init__(self, spellings: list[Spelling]) -> None:
        by_key: dict[tuple[str, bool], list[Spelling]] = {}
        for s in spellings:
            spaced = not is_unspaced(s.normal[0])
            if spaced:
                key = (b" " if s.check_start else b"") + spaced_view(s.normal)[0]
            else:
                key = unspaced_view(s.normal)
            by_key.setdefault((key.decode("latin-1"), spaced), []).append(s)
        self._has_unspaced = any(not spaced for _, spaced in by_key)
        # Keys are added in order of their first byte, " " first: pyahocorasick's linear
        # scan of a node's children then finds the commonest edge at once.
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        for (word, spaced), group in sorted(by_key.items(), key=lambda kv: kv[0][0]):
            # A spaced key that ends in a letter needs a space after it in the view too: a
            # cheap first test that drops prefixes of longer words ("kat" in "kato").
            self._automaton.add_word(word, (spaced, spaced and word[-1] != " ", tuple(group)))
        self._empty = not by_key
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, norm: NormalizedText) -> list[tuple[Spelling, int, int]]:
        """Every ``(spelling, start, end)`` in ``norm.text`` that passes the letter, case and
        boundary checks, in order of ``end`` per view; occurrences may overlap."""
        text = norm.text
        found: list[tuple[Spelling, int, int]] = []
        if self._empty or not text:
            return found
        view, unspaced = spaced_view(text)
        self._find_in_view(text, b" " + view, True, found)
        if unspaced and self._has_unspaced:
            self._find_in_view(text, unspaced_view(text), False, found)
        return found

    def _find_in_view(
        self, text: str, view: bytes, spaced: bool, found: list[tuple[Spelling, int, int]]
    ) -> None:
        ascii_view = view.isascii()
        # The spaced view has one extra character in front.
        byte_pos, char_pos = (1, 0) if spaced else (0, 0)
        size = len(view)
        for last, (key_spaced, space_after, group) in self._automaton.iter(view.decode("latin-1")):
            end_byte = last + 1
            if key_spaced is not spaced or (
                space_after and end_byte < size and view[end_byte] != 32
            ):
                continue
            if ascii_view:
                end = end_byte - (1 if spaced else 0)
            else:
                # Map a byte offset of the view to a character offset of the text; the
                # automaton reports in order of end, so each byte is decoded once.
                char_pos += len(view[byte_pos:end_byte].decode("utf-8"))
                byte_pos = end_byte
                end = char_pos
            for s in group:
                start = end - len(s.normal)
                if start < 0 or not _same_letters(text, start, end, s):
                    continue
                if spaced:
                    # The view had a space on each side, so the characters there are not
                    # letters; only an apostrophe can still join ("O'Neill", "Xi'an").
                    if s.check_start and start and text[start - 1] == "'":
                        if not starts_word(text, start):
                            continue
                    if s.check_end and end < len(text) and text[end] == "'":
                        if not ends_word(text, end):
                            continue
                elif (s.check_start and not starts_word(text, start)) or (
                    s.check_end and not ends_word(text, end)
                ):
                    continue
                found.append((s, start, end))


def _same_letters(text: str, start: int, end: int, s: Spelling) -> bool:
    found = text[start:end]
    if found == s.normal:
        return True
    return not s.case_sensitive and fold_case(found) == s.folded
