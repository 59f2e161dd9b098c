"""Aho-Corasick automata for every spelling of a config, then the exact checks.

Built once per config by :class:`~monitor.matcher.Matcher` (``matcher.py``) from the terms'
names and aliases, their ``exclude`` phrases and the quoted phrases of the rules: one
automaton per view (below), each run over its *view* of the normalised text
(``monitor/normalize.py``); each candidate it reports is then
checked exactly: same letters (case-folded), same case for spellings that keep it, and word
boundaries (``boundaries.py``). A 400-alternative case-insensitive regex does the same job
about 75x slower.

Why a view, and not the text itself: keyed on views, the automaton reports almost nothing
but real candidates, so the Python checks after it stay few:

- *spaced view* (every text): the UTF-8 bytes of the case-folded text
  with every character that cannot be inside a word (spaces, punctuation, and the letters
  of scripts written without spaces) replaced by one space, and a space at each end. A
  spelling that starts with a letter is keyed as a space plus its own view, so it can only
  start after a non-word character ("kat" is not reported inside "ukat"); one that
  ends with a letter gets a space after it too, so the automaton never reports the start of
  a longer word ("kat" in "kato"), which is most of what it would report otherwise.
- *unspaced view* (only texts with Chinese, Japanese, Thai… characters): the UTF-8 bytes of
  the case-folded text, unblanked. Spellings starting in those scripts are keyed by their
  bytes.

Both views are produced from a spelling exactly as from a text, so every true occurrence
is a candidate; the exact checks then drop the rest. The automaton is ahocorasick-rs (the
Rust ``aho-corasick`` crate, as a DFA for up to ``_DFA_MAX_KEYS`` keys): it scans a view
about twice as fast as pyahocorasick did (whose per-byte cost, with a space starting every
key, no choice of keys could lower), and hands back every report of a text in one list.
Where the time goes, for real articles against 400 terms (``bench/matcher.py``):
normalisation (about half), the views, the automaton, the checks. The view of an ASCII text
is one ``bytes.translate``; a mostly-ASCII one has its few other characters replaced
(``_few_chars_views``), not the whole text case-folded and searched by a regex, and a
Cyrillic or Polish one has the few non-word characters a byte test finds blanked
(``_blank_non_word``), with no regex pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import ahocorasick_rs

from monitor.matcher.boundaries import (
    UNSPACED_CLASS,
    ends_word,
    is_unspaced,
    is_word_char,
    starts_word,
)
from monitor.matcher.inflection import Inflector, inflectable
from monitor.normalize import NormalizedText, fold_case, normal_form

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
    # Its inflectable words (inflection.py): (start, end, word id) in ``normal``; empty for
    # a spelling matched exactly as written.
    words: tuple[tuple[int, int, int], ...] = ()


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


def make_spelling(
    kind: Kind, owner: int, text: str, case_sensitive: bool, inflector: Inflector | None = None
) -> Spelling | None:
    """A :class:`Spelling` for ``text``, or None if it normalises to nothing. With an
    ``inflector``, its inflectable words also find their inflected forms."""
    normal = normal_form(text)
    if not normal:
        return None
    words: list[tuple[int, int, int]] = []
    if inflector is not None and not any(is_unspaced(c) for c in normal):
        for m in _WORD.finditer(normal):
            if inflectable(m.group()):
                word_id = inflector.add_word(m.group())
                if word_id is not None:
                    words.append((m.start(), m.end(), word_id))
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
        words=tuple(words),
    )


_WORD = re.compile(r"[^\W_]+")


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
# Both at once, with the ASCII characters the view blanks anyway.
_BLANK_RUN = re.compile(f"[\\W{UNSPACED_CLASS}]+")
# UTF-8 lead bytes of every character in UNSPACED_CLASS, and of its neighbours (Indic, Hangul
# jamo, Vietnamese…), which only cost a regex pass. Single bytes: `in` is then a memchr.
_UNSPACED_LEADS = tuple(
    bytes([b]) for b in (0xE0, 0xE1, *range(0xE3, 0xEA), 0xEF, 0xF0, 0xF1, 0xF2, 0xF3)
)


def _word_leads() -> tuple[bytes, tuple[bytes, ...]]:
    """UTF-8 bytes that tell, without a regex, that a text has no non-ASCII character outside
    ``\\w`` (which the view blanks): ASCII, continuation bytes and the lead bytes of two-byte
    characters that are all ``\\w`` (Latin Extended, most of Cyrillic…) are deleted from the
    text's bytes by the first; the second lists the few non-word characters under lead bytes
    that are otherwise word (``×``, ``÷``…), which must then be absent."""
    word = re.compile(r"\w")
    deleted = bytearray(range(0xC0))
    exceptions: list[bytes] = []
    for lead in range(0xC2, 0xE0):
        first = (lead - 0xC0) << 6
        others = [chr(c) for c in range(first, first + 64) if not word.match(chr(c))]
        if len(others) <= 2:
            deleted.append(lead)
            exceptions += [c.encode("utf-8") for c in others]
    return bytes(deleted), tuple(exceptions)


_WORD_BYTES, _NON_WORD_EXCEPTIONS = _word_leads()


def spaced_view(text: str) -> tuple[bytes, bytes | None]:
    """The spaced view of normalised ``text`` (see the module docstring) as UTF-8 bytes and,
    if ``text`` may hold letters of a script written without spaces, its unspaced view."""
    if text.isascii():
        return text.encode("ascii").translate(_VIEW_BYTES), None
    data = text.encode("utf-8")
    # Each non-ASCII character adds one to three bytes, and has two to four: the first test
    # skips the count of non-ASCII bytes when it would surely be too high.
    if (len(data) - len(text)) * _FEW_RARE_BYTES <= len(data):
        rare = data.translate(None, _ASCII)
        if len(rare) * _FEW_RARE_BYTES <= len(data):
            views = _few_chars_views(text, data, rare)
            if views is not None:
                return views
    folded = fold_case(text)
    data = folded.encode("utf-8")
    if not _may_be_unspaced(data):
        return _blank_non_word(folded, data).translate(_VIEW_BYTES), None
    if len(data) > 2 * len(folded):
        # Mostly Chinese or Japanese: one pass, whose runs are long (only Latin words and
        # digits end them).
        blanked = _BLANK_RUN.sub(_spaces, folded)
    else:
        blanked = _UNSPACED_RUN.sub(_spaces, _NON_WORD.sub(" ", folded))
    return blanked.encode("utf-8").translate(_VIEW_BYTES), data


# Mostly ASCII text (English with an "é", a "€" or an emoji): at most one byte in this many
# is not ASCII, and at most _FEW_CHARS distinct characters are. Its views are then made from
# its UTF-8 bytes by one ``bytes.replace`` per distinct character that they change, not by
# case-folding and a regex pass over the whole text (three to five times slower).
_FEW_RARE_BYTES = 8
_FEW_CHARS = 24
_ASCII = bytes(range(128))


def _few_chars_views(text: str, data: bytes, rare: bytes) -> tuple[bytes, bytes | None] | None:
    """:func:`spaced_view` of ``text``, whose UTF-8 bytes are ``data`` and non-ASCII bytes
    ``rare``, or None if it has too many distinct non-ASCII characters."""
    chars = set(rare.decode("utf-8"))
    if len(chars) > _FEW_CHARS:
        return None
    views = []
    for c in chars:
        char_views = _CHAR_VIEWS.get(c) or _char_views(c)
        if char_views is None:
            return None
        views.append(char_views)
    view = _replaced(text, data, [(c, blank) for c, _, blank, _ in views if blank is not None])
    if not any(unspaced for *_, unspaced in views):
        return view.translate(_VIEW_BYTES), None
    folded = _replaced(text, data, [(c, fold) for c, fold, _, _ in views if fold is not None])
    return view.translate(_VIEW_BYTES), folded


def _replaced(text: str, data: bytes, replacements: list[tuple[str, str]]) -> bytes:
    """The UTF-8 bytes of ``text`` (``data``) with each character ``c`` of ``replacements``
    replaced by its ``r``: ``str.replace`` of one character is a memchr, where
    ``bytes.replace`` of its two or three bytes costs about a nanosecond a byte."""
    if not replacements:
        return data
    for c, r in replacements:
        text = text.replace(c, r)
    return text.encode("utf-8")


# Per non-ASCII character: itself; its case-folded form and its form in the spaced view
# (before ``_VIEW_BYTES``), each None if the same; whether the case-folded form may be in a
# script written without spaces (as ``_may_be_unspaced``). The characters are replaced one
# after the other, which is the same as all at once because a case-folded character folds
# to itself (``_char_views`` gives None for one that does not: no such character in Unicode
# 15, and the text then takes the general path).
_CharViews = tuple[str, str | None, str | None, bool]
_CHAR_VIEWS: dict[str, _CharViews] = {}


def _char_views(c: str) -> _CharViews | None:
    folded = fold_case(c)
    if fold_case(folded) != folded:
        return None
    blank = not folded.isascii() and (
        _NON_WORD.match(folded) is not None or _UNSPACED_RUN.match(folded) is not None
    )
    view = " " if blank else folded
    if len(_CHAR_VIEWS) >= 10_000:
        _CHAR_VIEWS.clear()
    entry = _CHAR_VIEWS[c] = (
        c,
        None if folded == c else folded,
        None if view == c else view,
        _may_be_unspaced(folded.encode("utf-8")),
    )
    return entry


def _blank_non_word(folded: str, data: bytes) -> bytes:
    """``data``, the UTF-8 bytes of ``folded``, with each non-ASCII character outside ``\\w``
    a space, as ``_NON_WORD.sub(" ", folded)`` would make it, but without a regex pass
    when few characters may be such (a Cyrillic or Polish article, typically): only those
    whose lead byte ``_WORD_BYTES`` keeps, and the few exceptions, are looked at, and the
    result is joined from the parts between them (``bytes.replace`` of a two-byte
    character is slow on Cyrillic text, whose bytes are mostly the ones it ends with)."""
    suspects = data.translate(None, _WORD_BYTES)
    if len(suspects) * 64 > len(data):
        return _NON_WORD.sub(" ", folded).encode("utf-8")
    found: list[tuple[int, int]] = []
    for lead in set(suspects):
        size = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        pos = data.find(lead)
        while pos >= 0:
            found.append((pos, size))
            pos = data.find(lead, pos + size)
    # The lead byte first: a memchr, where a two-byte search costs a few µs.
    for c in _NON_WORD_EXCEPTIONS:
        if c[:1] in data and c in data:
            pos = data.find(c)
            while pos >= 0:
                found.append((pos, 2))
                pos = data.find(c, pos + 2)
    if not found:
        return data
    found.sort()
    parts: list[bytes] = []
    done = 0
    for pos, size in found:
        if _NON_WORD.match(data[pos : pos + size].decode("utf-8")):
            parts.append(data[done:pos])
            done = pos + size
    if not parts:
        return data
    parts.append(data[done:])
    return b" ".join(parts)


def _may_be_unspaced(data: bytes) -> bool:
    """True if UTF-8 ``data`` may hold a character in ``UNSPACED_CLASS`` (a dozen memchr,
    where a regex over the text costs ten times more)."""
    return any(lead in data for lead in _UNSPACED_LEADS)


def _spaces(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def unspaced_view(text: str) -> bytes:
    """The unspaced view of normalised ``text``: its case-folded UTF-8 bytes."""
    return fold_case(text).encode("utf-8")


# What the automaton stores for a key: per spelling, the spelling, how many bytes of the key
# follow its last character (the space added after a letter), its length, normal and
# folded forms, case_sensitive, check_start, check_end, and whether a match of the key
# already proves the case-folded letters equal (no check needed).
_Entry = tuple[Spelling, int, int, str, str, bool, bool, bool, bool]


# A spelling with inflectable words, keyed up to the prefix of its word j: (spelling, j,
# the length of the key in characters of the text, without the space in front).
_Inflected = tuple[Spelling, int, int]
# A spelling that is one inflectable word, and the start its case-sensitive spelling must
# have in the text (None if it ignores case).
_Single = tuple[Spelling, str | None]
# The entries of one key whose keyed word is one alias word: (word id, length of its prefix,
# the word case-folded, the entries of longer spellings, the spellings of the word alone).
_Group = tuple[int, int, str, tuple[_Inflected, ...], tuple[_Single, ...]]
Fold = Callable[[str], str]


def _entry(s: Spelling, trim: int, plain: bool) -> _Entry:
    return (
        s, trim, len(s.normal), s.normal, s.folded, s.case_sensitive,
        s.check_start, s.check_end, plain,
    )  # fmt: skip


class SpellingIndex:
    """All spellings in one automaton per view; :meth:`find` yields the whole-word
    occurrences."""

    def __init__(self, spellings: list[Spelling], inflector: Inflector | None = None) -> None:
        spaced: dict[str, tuple[list[_Entry], list[_Inflected]]] = {}
        unspaced: dict[str, tuple[list[_Entry], list[_Inflected]]] = {}
        self._inflector = inflector or Inflector()
        for s in spellings:
            if s.words:
                self._add_inflected(s, spaced)
                if _single_word(s):
                    continue  # its one key finds it as written too
            if not is_unspaced(s.normal[0]):
                view = spaced_view(s.normal)[0]
                key = (b" " if s.check_start else b"") + view
                # A key that ends in a letter gets a space after it, as in the view: a letter
                # there would make a longer word ("kat" in "kato"), so the automaton does not
                # report such prefixes at all.
                trim = 0 if key.endswith(b" ") else 1
                # The view keeps the case-folded bytes of letters and blanks the rest: a
                # case-insensitive spelling whose view is its folded form with no blank (a
                # blank may stand for any non-word character) is proven by the key alone.
                plain = (
                    not s.case_sensitive and b" " not in view and view == s.folded.encode("utf-8")
                )
                key += b" " * trim
                _slot(spaced, key)[0].append(_entry(s, trim, plain))
            else:
                key = unspaced_view(s.normal)
                _slot(unspaced, key)[0].append(_entry(s, 0, False))
        self._spaced = _automaton(spaced, after_space=True)
        self._unspaced = _automaton(unspaced)

    def _add_inflected(
        self, s: Spelling, spaced: dict[str, tuple[list[_Entry], list[_Inflected]]]
    ) -> None:
        """Key a spelling with inflectable words once per such word: the spelling as written
        up to that word, then the word's prefix (inflection.py). Key ``j`` finds the
        occurrences whose words before ``j`` are as written and word ``j`` is not; the
        spelling's own key finds it as written (a one-word spelling has none: its key
        finds both), so each occurrence is found by one key."""
        for j, (start, _, word_id) in enumerate(s.words):
            prefix = self._inflector.word(word_id).prefix
            before = spaced_view(s.normal[:start])[0]
            key = (b" " if s.check_start else b"") + before + prefix.encode("utf-8")
            _slot(spaced, key)[1].append((s, j, start + len(prefix)))

    def find(self, norm: NormalizedText) -> list[tuple[Spelling, int, int]]:
        """Every ``(spelling, start, end)`` in ``norm.text`` that passes the letter, case and
        boundary checks, in order of ``end`` per view; occurrences may overlap."""
        text = norm.text
        found: list[tuple[Spelling, int, int]] = []
        if not text:
            return found
        if text.isascii():
            if self._spaced is not None:
                view = (b" " + text.encode("ascii") + b" ").translate(_VIEW_BYTES)
                self._find_spaced(text, view, True, found)
            return found
        view_bytes, unspaced = spaced_view(text)
        if self._spaced is not None:
            self._find_spaced(text, b" " + view_bytes + b" ", False, found)
        if unspaced is not None and self._unspaced is not None:
            self._find_unspaced(text, unspaced, found)
        return found

    def _find_spaced(
        self, text: str, view: bytes, ascii: bool, found: list[tuple[Spelling, int, int]]
    ) -> None:
        """The spaced view (UTF-8 bytes, one space at each end) of ``text``; ``ascii`` if
        ``text`` is ASCII (one byte per character)."""
        assert self._spaced is not None
        automaton, values = self._spaced
        size = len(text)
        fold = str.lower if ascii else fold_case
        # Map the end of a key in the view to a character offset of the text; the automaton
        # reports in order of end, so each byte is decoded once. Byte 0 is the space in front.
        byte_pos, char_pos = 1, 0
        for key, key_start, key_end in automaton.find_matches_as_indexes(view, overlapping=True):
            exact, inflected, after_space, written = values[key]
            if after_space and not (key_start and view[key_start - 1] == 32):
                continue  # the key without its first byte, a space, found inside a word
            if ascii:
                char_pos = key_end - 1
            else:
                char_pos += len(view[byte_pos:key_end].decode("utf-8"))
                byte_pos = key_end
            if inflected:
                # The end of the word the key stops in: in an ASCII view, the next space
                # (the view keeps exactly the word characters), else a regex on the text.
                if not ascii:
                    word_end = _word_end(text, char_pos)
                elif written is None or not view.startswith(written[1], key_end - written[0]):
                    word_end = view.find(b" ", key_end) - 1
                else:
                    word_end = -1  # the alias word as written: its spellings' own keys find it
                if word_end >= 0:
                    self._find_inflected(text, char_pos, word_end, inflected, fold, found)
            for s, trim, n, normal, folded, case, check_start, check_end, plain in exact:
                end = char_pos - trim
                start = end - n
                if not plain:
                    if start < 0:
                        continue
                    part = text[start:end]
                    if part != normal and (case or fold(part) != folded):
                        continue
                # The view had a space on each side, so the characters there are not
                # letters; only an apostrophe can still join ("O'Neill", "Xi'an").
                if check_start and start and text[start - 1] == "'":
                    if not starts_word(text, start):
                        continue
                if check_end and end < size and text[end] == "'":
                    if not ends_word(text, end):
                        continue
                found.append((s, start, end))

    def _find_inflected(
        self,
        text: str,
        key_end: int,
        pos: int,
        groups: tuple[_Group, ...],
        fold: Fold,
        found: list[tuple[Spelling, int, int]],
    ) -> None:
        """The occurrences of the inflected spellings whose key ends at ``key_end`` in
        ``text``, in the word that ends at ``pos``. The word is read and judged once per
        alias word (``groups``), so a first name that starts many aliases ("Anna …") costs
        one check, not one per alias."""
        for word_id, prefix_length, folded, entries, single in groups:
            start = key_end - prefix_length
            word = text[start:pos]
            as_written = fold(word) == folded
            if not as_written and not self._inflector.accepts(word_id, word):
                continue
            # One-word spellings: the key proved the prefix's letters (case-folded) and a
            # non-word character on each side; only an apostrophe there can still join
            # ("O'Neill", "Xi'an").
            if single and not (
                (start and text[start - 1] == "'" and not starts_word(text, start))
                or (text[pos : pos + 1] == "'" and not ends_word(text, pos))
            ):
                for s, written in single:
                    if written is None or word.startswith(written):
                        found.append((s, start, pos))
            if as_written:
                continue  # longer spellings' own keys find them as written
            for s, j, length in entries:
                start = key_end - length
                if start < 0:
                    continue
                if s.check_start and start and text[start - 1] == "'":
                    if not starts_word(text, start):
                        continue
                part = text[start:key_end]
                if part != s.normal[:length] and (
                    s.case_sensitive or fold(part) != s.folded[:length]
                ):
                    continue
                end = self._match_rest(text, pos, s, j + 1, fold)
                if end is not None:
                    found.append((s, start, end))

    def _match_rest(self, text: str, pos: int, s: Spelling, j: int, fold: Fold) -> int | None:
        """The end of ``s``'s words from ``j`` on, found from ``pos`` in ``text``, or None."""
        alias_pos = s.words[j - 1][1]
        for word_start, word_end, word_id in s.words[j:]:
            at = self._match_written(text, pos, s, alias_pos, word_start, fold)
            if at is None:
                return None
            pos = _word_end(text, at)
            if not self._inflector.accepts(word_id, text[at:pos]):
                return None
            alias_pos = word_end
        end = self._match_written(text, pos, s, alias_pos, len(s.normal), fold)
        if end is None or (s.check_end and not ends_word(text, end)):
            return None
        return end

    @staticmethod
    def _match_written(
        text: str, pos: int, s: Spelling, alias_start: int, alias_end: int, fold: Fold
    ) -> int | None:
        """The end of ``s.normal[alias_start:alias_end]`` (the spelling as written between
        inflectable words) found at ``pos`` in ``text``, or None."""
        n = alias_end - alias_start
        part = text[pos : pos + n]
        if part == s.normal[alias_start:alias_end]:
            return pos + n
        if s.case_sensitive or fold(part) != s.folded[alias_start:alias_end]:
            return None
        return pos + n

    def _find_unspaced(
        self, text: str, view: bytes, found: list[tuple[Spelling, int, int]]
    ) -> None:
        """The unspaced view: spellings that start in a script written without spaces."""
        assert self._unspaced is not None
        automaton, values = self._unspaced
        byte_pos = char_pos = 0
        for key, _, key_end in automaton.find_matches_as_indexes(view, overlapping=True):
            char_pos += len(view[byte_pos:key_end].decode("utf-8"))
            byte_pos = key_end
            end = char_pos
            for s, _, n, normal, folded, case, check_start, check_end, _ in values[key][0]:
                start = end - n
                if start < 0:
                    continue
                part = text[start:end]
                if part != normal and (case or fold_case(part) != folded):
                    continue
                if (check_start and not starts_word(text, start)) or (
                    check_end and not ends_word(text, end)
                ):
                    continue
                found.append((s, start, end))


def _slot(
    keys: dict[str, tuple[list[_Entry], list[_Inflected]]], key: bytes
) -> tuple[list[_Entry], list[_Inflected]]:
    """The entries of ``key`` (a view's bytes): exact spellings, inflected spellings."""
    return keys.setdefault(key.decode("latin-1"), ([], []))


def _groups(inflected: list[_Inflected]) -> tuple[_Group, ...]:
    """The inflected entries of one key grouped by the alias word keyed (see ``_Group``)."""
    groups: dict[int, tuple[int, str, list[_Inflected], list[_Single]]] = {}
    for entry in inflected:
        s, j, length = entry
        start, end, word_id = s.words[j]
        _, _, entries, single = groups.setdefault(
            word_id, (length - start, s.folded[start:end], [], [])
        )
        if _single_word(s):
            single.append((s, s.normal[:length] if s.case_sensitive else None))
        else:
            entries.append(entry)
    return tuple(
        (word_id, prefix_length, folded, tuple(entries), tuple(single))
        for word_id, (prefix_length, folded, entries, single) in groups.items()
    )


def _written(groups: tuple[_Group, ...]) -> tuple[int, bytes] | None:
    """For ``_Value``: the prefix length and view of the one alias word of ``groups``, if
    they have no spellings of that word alone (whose occurrences as written are hits)."""
    words = {(prefix_length, folded) for _, prefix_length, folded, _, single in groups}
    if len(words) != 1 or any(single for *_, single in groups):
        return None
    prefix_length, folded = words.pop()
    return prefix_length, folded.encode("utf-8") + b" "


def _single_word(s: Spelling) -> bool:
    """True if ``s`` is one inflectable word ("Путин"): its prefix key finds it as written
    too, and it gets no key of its own (one automaton report per occurrence, not two)."""
    return len(s.words) == 1 and s.words[0][:2] == (0, len(s.normal))


def _word_end(text: str, pos: int) -> int:
    """The end of the word that goes on at ``text[pos]`` (``is_word_char``, as a regex)."""
    m = _WORD_CHARS.match(text, pos)
    return m.end() if m else pos


# Letters, digits, "_" and the combining marks of Latin and Cyrillic, outside the scripts
# written without spaces: boundaries.is_word_char for the words inflection deals with.
_WORD_CHARS = re.compile(f"(?:[^\\W{UNSPACED_CLASS}]|[\u0300-\u036f\u0483-\u0489])+")


# What the automaton reports for a key: its exact entries, its inflected ones (grouped),
# whether its first byte, a space, was left out of the automaton's key (``_automaton``), and,
# if every group is the same alias word of longer spellings only (a first name), the length
# of the key's prefix of it and the word's view (with the space after it): where an ASCII
# view holds that word as written there, the report has nothing to find.
_Value = tuple[tuple[_Entry, ...], tuple[_Group, ...], bool, tuple[int, bytes] | None]
_Automaton = tuple[ahocorasick_rs.BytesAhoCorasick, list[_Value]]
# Past this many keys the automaton is a contiguous NFA: a DFA's memory grows with its keys
# (about 3 MB at 1,700, 30 MB at 20,000), for a scan only about 15% faster.
_DFA_MAX_KEYS = 5_000
# Spaced keys of at most this many bytes after their space keep it: a short key without it
# ("ant " for the acronym ANT) is reported inside many words ("important "), and costs a
# Python step each time, for no faster scan.
_SHORT_KEY = 5


def _automaton(
    keys: dict[str, tuple[list[_Entry], list[_Inflected]]], after_space: bool = False
) -> _Automaton | None:
    """An automaton of ``keys`` and, per key index it reports, the key's entries; or None if
    there are no keys.

    With ``after_space`` (the spaced view, whose keys all start with a space), the automaton
    is given each key longer than ``_SHORT_KEY`` without that space, and the caller checks
    the byte before a report:
    with hundreds of keys sharing their first byte, a byte that starts every word of the
    text, the Rust crate's prefilter stops at each space and costs about a third of the
    scan; a few more reports (a key's word inside a longer one) cost far less."""
    if not keys:
        return None
    patterns: list[bytes] = []
    values: list[_Value] = []
    for key, (exact, inflected) in sorted(keys.items()):
        pattern = key.encode("latin-1")
        strip = after_space and len(pattern) > _SHORT_KEY + 1 and pattern[0] == 32
        patterns.append(pattern[1:] if strip else pattern)
        groups = _groups(inflected)
        values.append((tuple(exact), groups, strip, _written(groups)))
    automaton = ahocorasick_rs.BytesAhoCorasick(
        patterns,
        implementation=ahocorasick_rs.Implementation.DFA
        if len(patterns) <= _DFA_MAX_KEYS
        else None,
    )
    return automaton, values
