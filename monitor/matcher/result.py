"""What the matcher returns: hits, per-term matches and the article's result.

Made by :class:`~monitor.matcher.Matcher` (``matcher.py``); read by the store (``matches``
rows), the alert routing and ``newshound match`` (:meth:`MatchResult.to_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Hit", "TermMatch", "MatchResult", "MAX_HITS", "MAX_SNIPPETS"]

SNIPPETS_SHOWN = 3
# Per term and article (docs/matching.md, "Limits"): hits kept with their offsets, and how
# many of the first of them carry a snippet; the count counts every hit.
MAX_HITS = 100
MAX_SNIPPETS = 10


@dataclass(frozen=True)
class Hit:
    """One occurrence of a term.

    ``alias`` is the spelling as configured (the name or an alias), ``field`` is "title",
    "summary" or "body", ``offset`` the index of the hit's first character in that field as
    given to :meth:`Matcher.match` (before normalisation), ``snippet`` the sentence around
    it with the hit marked «like this», ``found`` the words found there as written
    ("Путина" for the alias "Путин"; they end at ``offset + len(found)``).
    """

    term: str
    alias: str
    field: str
    offset: int
    snippet: str
    found: str = ""  # the text at offset, as written: the alias or an inflected form of it


@dataclass(frozen=True)
class TermMatch:
    """A matched term: ``count`` hits (never overlapping), of which the first ``MAX_HITS``
    are kept in ``hits``, in field then text order; the first ``MAX_SNIPPETS`` of those
    carry a snippet, the others an empty one."""

    name: str
    count: int
    hits: tuple[Hit, ...]

    @property
    def snippets(self) -> list[str]:
        """Up to three distinct snippets, in hit order."""
        return list(dict.fromkeys(h.snippet for h in self.hits if h.snippet))[:SNIPPETS_SHOWN]


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict on one article.

    ``terms`` holds only the matched terms, in config order; ``rules`` the names of the
    rules that hold, in config order.
    """

    terms: Mapping[str, TermMatch] = field(default_factory=dict)
    rules: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """True if any term matched."""
        return bool(self.terms)

    def to_json(self) -> dict[str, Any]:
        """``{"terms": {name: {"count": N, "snippets": [...]}}, "rules": [...]}`` (DESIGN.md)."""
        terms = {name: {"count": m.count, "snippets": m.snippets} for name, m in self.terms.items()}
        return {"terms": terms, "rules": list(self.rules)}
