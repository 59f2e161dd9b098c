"""Text normalisation, the first step of matching.

Every field of an article (title, summary, body) and every spelling the matcher looks for
(aliases, ``exclude`` phrases, quoted rule phrases) goes through :func:`normalize_text`, so
both sides of a comparison agree on:

- NFKC (full-width letters, ligatures, compatibility forms; decomposed accents composed),
- apostrophes (``’ ‘ ‛ ′ ʼ ＇`` -> ``'``) and double quotes (``“ ” „ ‟ ″`` -> ``"``),
- whitespace: tabs, newlines, NBSP and the other Unicode spaces -> one ``" "``,
  and runs of spaces collapsed to one (so "Vladimir\\nPutin" is "Vladimir Putin"),
- Unicode hyphens and dashes ``‐ ‑ ‒ – — ― −`` -> ``-``, the ellipsis ``…`` -> ``.``,
- soft hyphens and zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) removed.

The normalised text is a different string from the one given, so offsets are kept
meaningful: :meth:`NormalizedText.original_offset` maps an index in the normalised text
back to an index in the original; only the changes that move offsets (runs of spaces,
removed characters, NFKC expansions) are recorded. Speed matters here (every field of every
article): same-length replacements are ``str.replace`` calls for the characters present, the
result is re-stored as ASCII when it has become ASCII, and the NFKC check is C-level.

Normalisation serves matching only: snippets are cut from the original text (``snippets.py``),
so mapping dashes to ``-`` or the ellipsis to ``.`` changes nothing a reader sees.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

__all__ = ["NormalizedText", "normalize_text", "fold_case", "normal_form", "NOTHING_TO_MATCH"]

# Whitespace other than " ". The rarer Unicode spaces (U+2000-U+200A, U+202F, U+205F,
# U+3000) are left to NFKC, which makes them " " too: looking for each of them in every
# text costs more than all the other replacements together.
_SPACES = "\t\n\r\v\f\x1c\x1d\x1e\x1f\u00a0\u2028\u2029"
# Same-length replacements, so offsets do not move. Dashes and the ellipsis only matter as
# "not a letter" to matching, and mapping them to ASCII keeps most English text on the
# fast ASCII path (snippets are cut from the original text, so they keep them).
_ONE_TO_ONE = {
    **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc\uff07"},
    **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\uff02"},
    **{c: " " for c in _SPACES},
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
    "\u2026": ".",
}
_ONE_TO_ONE_ITEMS = list(_ONE_TO_ONE.items())
_ASCII_SPACES = str.maketrans({c: " " for c in _SPACES if c.isascii()})
_DELETED = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
# Changes that move offsets: runs of spaces, removed characters and every non-ASCII run (with
# the character before it, which a combining mark may compose with): used only in the parts
# of a text that are not NFKC (``_nfkc_regions``); in NFKC text ``_moves`` finds the first two.
_MOVES_NFKC = re.compile(f" {{2,}}|[{_DELETED}]+|(?s:.)?[^\\x00-\\x7f]+")


@dataclass(frozen=True)
class NormalizedText:
    """A field after :func:`normalize_text`.

    ``text`` is normalised; ``_segments`` lists the changed spans as
    ``(norm_start, norm_end, orig_start, orig_end)`` sorted by position (empty when offsets
    did not move) and ``_starts`` their ``norm_start``. When only runs of spaces moved them,
    ``_uncollapsed`` is the text before those were collapsed, and the spans are found from it
    when an offset is first asked for (``_moves``): most texts never need them.
    """

    text: str
    _segments: tuple[tuple[int, int, int, int], ...] = ()
    _starts: tuple[int, ...] = ()
    _uncollapsed: str | None = None

    @cached_property
    def _moves(self) -> tuple[tuple[tuple[int, int, int, int], ...], tuple[int, ...]]:
        """``(_segments, _starts)``, found from ``_uncollapsed`` if set."""
        if self._uncollapsed is None:
            return self._segments, self._starts
        segments = tuple(_collapsed_segments(self._uncollapsed))
        return segments, tuple(s[0] for s in segments)

    @cached_property
    def folded(self) -> str:
        """``text`` lower-cased, with the same length (see :func:`fold_case`)."""
        return fold_case(self.text)

    def original_offset(self, index: int) -> int:
        """The index in the original text of the character at ``index`` in ``text``.

        Inside a span that normalisation rewrote (a ligature, a run of spaces) the start of
        that span in the original is returned; ``len(text)`` maps to the original's length.
        """
        segments, starts = self._moves
        if not segments:
            return index
        i = bisect_right(starts, index) - 1
        if i < 0:
            return index
        norm_start, norm_end, orig_start, orig_end = segments[i]
        if index < norm_end:
            return orig_start
        return orig_end + (index - norm_end)


def fold_case(text: str) -> str:
    """Lower-case ``text`` without changing its length (so offsets stay aligned).

    ``str.lower`` lengthens a few characters ("İ" -> "i̇"); those keep their first
    character. Final sigma is folded to σ so "ΤΣΊΠΡΑΣ" and "Τσίπρας" agree.
    """
    folded = text.lower()
    if len(folded) != len(text):
        folded = "".join(c.lower()[:1] or c for c in text)
    if "ς" in folded:
        folded = folded.replace("ς", "σ")
    return folded


# Why a spelling whose normal form is empty is refused (by config validation and the matcher).
NOTHING_TO_MATCH = "nothing to match (only spaces or invisible characters)"


def normal_form(text: str) -> str:
    """A spelling (alias, ``exclude`` or quoted phrase) as matching compares it: normalised
    and stripped; "" when nothing is left to match."""
    return normalize_text(text.strip()).text.strip()


def normalize_text(text: str) -> NormalizedText:
    """Normalise ``text`` for matching (see the module docstring); never raises."""
    same_length = _replace_one_to_one(text)
    if not same_length.isascii():
        if not unicodedata.is_normalized("NFKC", same_length):
            return _rewrite_all(same_length, _nfkc_regions(same_length))
        if _has_deleted(same_length):
            return _rewrite_all(same_length, [(0, len(same_length), _moves)])
    return _collapse_spaces(same_length)


def _replace_one_to_one(text: str) -> str:
    if text.isascii():
        return text.translate(_ASCII_SPACES)  # fast for ASCII: a cached table
    # str.translate is slow on non-ASCII text; a few replaces of what is there are not.
    for char, replacement in _ONE_TO_ONE_ITEMS:
        if char in text:
            text = text.replace(char, replacement)
    return _compact(text)


def _collapse_spaces(text: str) -> NormalizedText:
    """Runs of spaces to one. Called on every text: ``str.split`` finds the runs in one C
    pass, and when all are two spaces (a paragraph break, typically) the parts are joined
    with one; otherwise a ``str.find`` loop does it. Where offsets moved is found later,
    if ever (``_moves``): a Python step per run cost more than the rest of the work."""
    parts = text.split("  ")
    if len(parts) == 1:
        return NormalizedText(text)
    for part in parts[1:]:
        if not part or part[0] == " ":  # a run of three spaces or more
            return NormalizedText("".join(_collapsed_pieces(text)), _uncollapsed=text)
    return NormalizedText(" ".join(parts), _uncollapsed=text)


def _collapsed_pieces(text: str) -> Iterator[str]:
    """``text`` in pieces that join to it with each run of spaces collapsed to one."""
    pos = 0
    for start, end in _space_runs(text, 0, len(text)):
        yield text[pos : start + 1]
        pos = end
    yield text[pos:]


def _collapsed_segments(text: str) -> Iterator[tuple[int, int, int, int]]:
    """The segments (see :class:`NormalizedText`) of collapsing each run of spaces in
    ``text`` to one."""
    removed = 0
    for start, end in _space_runs(text, 0, len(text)):
        norm_start = start - removed
        yield norm_start, norm_start + 1, start, end
        removed += end - start - 1


def _space_runs(text: str, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """The (start, end) of each run of two spaces or more in ``text[lo:hi]``."""
    start = text.find("  ", lo, hi)
    while start >= 0:
        end = start + 2
        while end < hi and text[end] == " ":
            end += 1
        yield start, end
        start = text.find("  ", end, hi)


# A region of a text to rewrite: start, end, and the pattern of its changes, or a function
# that finds them (start, end) without a regex: ``_space_runs``, ``_moves``.
_Region = tuple[int, int, re.Pattern[str] | Callable[[str, int, int], Iterable[tuple[int, int]]]]


def _rewrite_all(text: str, regions: list[_Region]) -> NormalizedText:
    """Apply every change that each region's pattern finds in it, recording where offsets
    move. No change crosses the border of two regions."""
    pieces: list[str] = []
    segments: list[tuple[int, int, int, int]] = []
    pos = norm_pos = 0
    for lo, hi, pattern in regions:
        spans = (
            _spans(pattern, text, lo, hi)
            if isinstance(pattern, re.Pattern)
            else pattern(text, lo, hi)
        )
        for start, end in spans:
            pieces.append(text[pos:start])
            norm_pos += start - pos
            norm_pos = _rewrite(text[start:end], start, norm_pos, pieces, segments)
            pos = end
    pieces.append(text[pos:])
    return NormalizedText("".join(pieces), tuple(segments), tuple(s[0] for s in segments))


def _spans(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    return (m.span() for m in pattern.finditer(text, lo, hi))


def _moves(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The runs of two spaces or more and the runs of removed characters in ``text[lo:hi]``,
    in order, found by ``str.find``: a regex of the two (``" {2,}|[…]+"``) tries both at
    every position, about 25 ns a character."""
    removed: list[int] = []
    for c in _DELETED:
        at = text.find(c, lo, hi)
        while at >= 0:
            removed.append(at)
            at = text.find(c, at + 1, hi)
    removed.sort()
    spans = list(_space_runs(text, lo, hi))
    i = 0
    while i < len(removed):
        start = end = removed[i]
        while i < len(removed) and removed[i] == end:
            end += 1
            i += 1
        spans.append((start, end))
    spans.sort()
    return spans


# Characters of text that is not NFKC are searched for what NFKC changes in windows of at
# most about this many.
_WINDOW = 256


def _nfkc_regions(text: str) -> list[_Region]:
    """``text`` (not NFKC) cut into regions for :func:`_rewrite_all`: the windows that NFKC
    changes or that hold a removed character get ``_MOVES_NFKC``, the rest only runs of
    spaces.

    Without this, a Cyrillic or Korean article with one "½" or "ⓒ" would cost a Python step
    for each of its words. The windows are found by halving the text (``is_normalized`` is a
    C check), cut only at a space after a non-space: a change never crosses there (a space
    does not compose with what comes before it, nor does any pattern's match cross it), and
    what lies outside every window is NFKC already and has no removed character, so there
    ``_MOVES_NFKC`` would change only the runs of spaces."""
    windows: list[tuple[int, int]] = []
    _find_windows(text, 0, len(text), windows)
    regions: list[_Region] = []
    pos = 0
    for lo, hi in windows:
        if pos < lo:
            regions.append((pos, lo, _space_runs))
        regions.append((lo, hi, _MOVES_NFKC))
        pos = hi
    if pos < len(text):
        regions.append((pos, len(text), _space_runs))
    return regions


def _find_windows(text: str, lo: int, hi: int, windows: list[tuple[int, int]]) -> None:
    """Append to ``windows`` those of ``text[lo:hi]`` that NFKC changes or that hold a
    removed character, in order, adjacent ones merged."""
    part = text[lo:hi]
    if unicodedata.is_normalized("NFKC", part) and not _has_deleted(part):
        return
    cut = _cut(text, lo, hi) if hi - lo > _WINDOW else -1
    if cut < 0:
        if windows and windows[-1][1] == lo:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
        return
    _find_windows(text, lo, cut, windows)
    _find_windows(text, cut, hi, windows)


def _cut(text: str, lo: int, hi: int) -> int:
    """The first position from the middle of ``text[lo:hi]`` on that holds a space after a
    non-space, or -1 if there is none."""
    cut = text.find(" ", (lo + hi) // 2, hi)
    while cut > 0 and text[cut - 1] == " ":
        cut = text.find(" ", cut + 1, hi)
    return cut


def _compact(text: str) -> str:
    """``text`` stored as ASCII if it now is: ``str.replace`` keeps the wider storage of the
    original (curly quotes and dashes gone, an English article is still a UCS-2 string), and
    every later step is several times faster on an ASCII string."""
    try:
        return text.encode("ascii").decode("ascii")
    except UnicodeEncodeError:
        return text


def _has_deleted(text: str) -> bool:
    return any(c in text for c in _DELETED)


def _rewrite(
    span: str,
    orig_start: int,
    norm_pos: int,
    pieces: list[str],
    segments: list[tuple[int, int, int, int]],
) -> int:
    """Append the normalised form of ``span`` to ``pieces``; return the new norm position."""
    if span[0] == " ":
        if span.strip(" ") == "":  # a run of spaces
            pieces.append(" ")
            segments.append((norm_pos, norm_pos + 1, orig_start, orig_start + len(span)))
            return norm_pos + 1
    if span[0] in _DELETED and span.strip(_DELETED) == "":
        segments.append((norm_pos, norm_pos, orig_start, orig_start + len(span)))
        return norm_pos
    return _rewrite_clusters(span, 0, len(span), orig_start, norm_pos, pieces, segments)


# A part of a non-ASCII run longer than this that NFKC would change is cut in two.
_SPLIT_ABOVE = 32


def _rewrite_clusters(
    span: str,
    lo: int,
    hi: int,
    orig_start: int,
    norm_pos: int,
    pieces: list[str],
    segments: list[tuple[int, int, int, int]],
) -> int:
    """Append the normalised form of ``span[lo:hi]`` (a non-ASCII run, or part of one that
    starts a cluster) to ``pieces``; return the new norm position.

    The run is normalised cluster by cluster (a base character with the marks that follow
    it), so offsets stay exact between clusters. A part that NFKC leaves as it is (a C
    check) is appended whole, and a longer one that it changes is cut in two at a cluster
    start: only the clusters that change cost a Python step each, so a Korean article with
    one "ⓒ" or a Cyrillic one with one "½" is not normalised character by character."""
    part = span[lo:hi]
    if (
        unicodedata.is_normalized("NFKC", part)
        and not _has_deleted(part)
        and not (part[0] == " " and pieces and pieces[-1].endswith(" "))
    ):
        pieces.append(part)
        return norm_pos + len(part)
    if hi - lo > _SPLIT_ABOVE:
        mid = (lo + hi) // 2
        while mid < hi and _continues_cluster(span[mid]):
            mid += 1
        if mid < hi:
            norm_pos = _rewrite_clusters(span, lo, mid, orig_start, norm_pos, pieces, segments)
            return _rewrite_clusters(span, mid, hi, orig_start, norm_pos, pieces, segments)
    for offset, cluster in _clusters(part):
        out = "" if cluster in _DELETED else unicodedata.normalize("NFKC", cluster)
        if out == " " and pieces and pieces[-1].endswith(" "):
            out = ""  # a Unicode space after a space: one space, as for runs of " "
        pieces.append(out)
        if out != cluster:
            start = orig_start + lo + offset
            segments.append((norm_pos, norm_pos + len(out), start, start + len(cluster)))
        norm_pos += len(out)
    return norm_pos


def _clusters(span: str) -> list[tuple[int, str]]:
    """Split ``span`` into (offset, cluster): a character and the marks that compose with it."""
    out: list[tuple[int, str]] = []
    start = 0
    for i in range(1, len(span) + 1):
        if i == len(span) or not _continues_cluster(span[i]):
            out.append((start, span[start:i]))
            start = i
    return out


def _continues_cluster(c: str) -> bool:
    # Combining marks, and Hangul vowel/final jamo (which compose with the syllable before).
    return unicodedata.category(c)[0] == "M" or "\u1160" <= c <= "\u11ff"
