"""Evidence: turning found occurrences into hits with offsets and snippets, on demand.

``matcher.py`` records where each term was found; this module makes the :class:`Hit` (alias,
field, offset into the text as given, snippet) from it. :class:`LazyTerms`, the mapping in
:attr:`MatchResult.terms`, does that the first time a term's :class:`TermMatch` is read: the
names, ``len``, ``in`` and the rules never need it, so routing by term name, backtests and
unmatched articles do not pay for snippets (about a third of matching time otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from monitor.matcher.index import Spelling
from monitor.matcher.result import MAX_HITS, MAX_SNIPPETS, Hit, TermMatch
from monitor.matcher.snippets import make_snippet
from monitor.normalize import NormalizedText

__all__ = ["Found", "LazyTerms", "make_hits", "make_term_match", "resolve_overlaps"]


_Span = tuple[Spelling, int, int]  # spelling, start, end in the normalised text


class Found(NamedTuple):
    """The occurrences of a term in one field, whose text as given is ``text``: each
    ``(spelling, start, end)`` at ``norm.text[start:end]``, overlaps not yet resolved (see
    :func:`resolve_overlaps`)."""

    field: str
    text: str
    norm: NormalizedText
    spans: list[_Span]


def resolve_overlaps(spans: list[_Span], excludes: Sequence[_Span] = ()) -> list[_Span]:
    """Drop spans an exclude phrase covers, then keep the leftmost-longest of overlaps
    ("Vladimir Putin" is one hit of Putin, not two), in text order."""
    if len(spans) == 1 and not excludes:
        return spans
    kept: list[_Span] = []
    last_end = -1
    for span in sorted(spans, key=_leftmost_longest):
        _, start, end = span
        if start < last_end:
            continue
        if any(x_start <= start and end <= x_end for _, x_start, x_end in excludes):
            continue
        kept.append(span)
        last_end = end
    return kept


def _leftmost_longest(span: _Span) -> tuple[int, int]:
    return span[1], -span[2]


def make_hits(term: str, found: Found, spans: list[_Span], snippets: int) -> Iterator[Hit]:
    """The :class:`Hit` of each of ``spans`` (resolved spans of ``found``): offset and
    snippet are taken from the text as given; only the first ``snippets`` get a snippet."""
    norm, text = found.norm, found.text
    for i, (spelling, norm_start, norm_end) in enumerate(spans):
        start = norm.original_offset(norm_start)
        end = norm.original_offset(norm_end - 1) + 1
        yield Hit(
            term=term,
            alias=spelling.text,
            field=found.field,
            offset=start,
            snippet=make_snippet(text, start, end) if i < snippets else "",
            found=text[start:end],
        )


def make_term_match(term: str, found: list[Found]) -> TermMatch:
    """A term's :class:`TermMatch`: every hit counted, the first ``MAX_HITS`` kept, the
    first ``MAX_SNIPPETS`` of those with a snippet (a page made of watch terms would
    otherwise make a hit and a snippet per word: hundreds of MB)."""
    count = 0
    hits: list[Hit] = []
    for f in found:
        spans = resolve_overlaps(f.spans)
        count += len(spans)
        room = MAX_HITS - len(hits)
        if room > 0:
            hits += make_hits(term, f, spans[:room], max(0, MAX_SNIPPETS - len(hits)))
    return TermMatch(term, count, tuple(hits))


class LazyTerms(Mapping[str, TermMatch]):
    """Term name -> :class:`TermMatch`, in the order given; each built when first read.

    Behaves as a read-only dict (equality, iteration, ``len``); safe to read from several
    threads (a race builds the same value twice).
    """

    __slots__ = ("_found", "_built")

    def __init__(self, found: dict[str, list[Found]]) -> None:
        self._found = found
        self._built: dict[str, TermMatch] = {}

    def __getitem__(self, name: str) -> TermMatch:
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = make_term_match(name, self._found[name])
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def __contains__(self, name: object) -> bool:
        return name in self._found

    def __repr__(self) -> str:
        return repr(dict(self))
