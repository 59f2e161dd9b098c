"""The matcher: an article's title, summary and body in, the evidence of watched terms out.

Stage 3 of the pipeline (after the cleaner, before the store); also behind
``newshound match`` and ``newshound backtest``. Built once per config::

    matcher = Matcher(config.terms, config.rules)
    result = matcher.match(title=..., summary=..., body=...)

Each field is normalised (``monitor/normalize.py``), scanned once by the automaton of every spelling
(``index.py``), boundary-checked (``boundaries.py``); then per term: hits in fields the term
does not watch are dropped, hits covered by one of its ``exclude`` phrases are cancelled,
and overlapping hits of one term are resolved leftmost-longest ("Vladimir Putin" is one hit
of Putin, not two). Rules are evaluated last, on the matched term names and the quoted
phrases found in any field.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config import RuleConfig, TermConfig
from monitor.matcher.evidence import Found, LazyTerms, resolve_overlaps
from monitor.matcher.index import Kind, Spelling, SpellingIndex, keeps_case, make_spelling
from monitor.matcher.inflection import Inflector
from monitor.matcher.result import MatchResult
from monitor.normalize import NOTHING_TO_MATCH, normalize_text
from monitor.query import Query, QuerySyntaxError, parse_query

__all__ = ["Matcher"]

FIELDS = ("title", "summary", "body")

_Hit = tuple[Spelling, int, int]

# Characters of each field that are matched (docs/matching.md, "Limits"): all of a page's
# text as the crawl keeps it (NEWSHOUND_PAGE_MAX_TEXT, 2 MiB); past it, nothing is found.
MAX_MATCHED_CHARS = 2 * 1024 * 1024  # spelling, start, end in the normalised text


class Matcher:
    """Matches articles against ``terms`` and evaluates ``rules``.

    Raises ``ValueError`` if a rule's query does not parse or names an unknown term (a
    config from ``load_config`` has been checked for both already). The instance is
    immutable after construction and safe to share between threads.
    """

    def __init__(self, terms: Sequence[TermConfig], rules: Sequence[RuleConfig] = ()) -> None:
        self._terms = tuple(terms)
        self._names = tuple(t.name for t in self._terms)
        # Per field, the terms that watch it.
        self._watching = {
            field: frozenset(i for i, t in enumerate(self._terms) if field in t.fields)
            for field in FIELDS
        }
        self._rules = tuple((rule.name, _parse_rule(rule, self._terms)) for rule in rules)
        self._phrases = tuple(dict.fromkeys(p for _, query in self._rules for p in query.phrases()))
        inflector = Inflector()
        spellings = [
            s for i, term in enumerate(self._terms) for s in _term_spellings(i, term, inflector)
        ]
        for i, phrase in enumerate(self._phrases):
            spelling = make_spelling(Kind.PHRASE, i, phrase, keeps_case(phrase))
            if spelling is not None:
                spellings.append(spelling)
        self._index = SpellingIndex(spellings, inflector)

    def match(self, title: str = "", summary: str = "", body: str = "") -> MatchResult:
        """Match one article. Never raises on any text; reads at most
        ``MAX_MATCHED_CHARS`` of each field.

        The hits and snippets of ``result.terms[name]`` are built when first read
        (``evidence.py``); term names, counts by ``len`` of hits, and rules are not.
        """
        try:
            return self._match(title, summary, body)
        except UnicodeEncodeError:  # a lone surrogate (a JSON feed's "\ud800"), as "?"
            fields = (f.encode("utf-8", "replace").decode("utf-8") for f in (title, summary, body))
            return self._match(*fields)

    def _match(self, title: str, summary: str, body: str) -> MatchResult:
        found: dict[int, list[Found]] = {}
        phrases: set[str] = set()
        # Bounded work on any page: only the start of a very long field is matched.
        if title:
            self._match_field("title", title[:MAX_MATCHED_CHARS], found, phrases)
        if summary:
            self._match_field("summary", summary[:MAX_MATCHED_CHARS], found, phrases)
        if body:
            self._match_field("body", body[:MAX_MATCHED_CHARS], found, phrases)
        names = self._names
        terms = LazyTerms({names[i]: found[i] for i in sorted(found)})
        if not self._rules:
            return MatchResult(terms=terms)
        rules = tuple(name for name, query in self._rules if query.evaluate(terms, phrases))
        return MatchResult(terms=terms, rules=rules)

    def _match_field(
        self, field: str, text: str, found: dict[int, list[Found]], phrases: set[str]
    ) -> None:
        norm = normalize_text(text)
        hits = self._index.find(norm)
        if not hits:
            return
        watching = self._watching[field]
        aliases: dict[int, list[_Hit]] = {}
        excludes: dict[int, list[_Hit]] = {}
        for hit in hits:
            spelling = hit[0]
            kind = spelling.kind
            if kind is _ALIAS:
                owner = spelling.owner
                spans = aliases.get(owner)
                if spans is None:
                    aliases[owner] = [hit]
                else:
                    spans.append(hit)
            elif kind is _EXCLUDE:
                excludes.setdefault(spelling.owner, []).append(hit)
            else:
                phrases.add(self._phrases[spelling.owner])
        for owner, spans in aliases.items():
            if owner not in watching:
                continue
            # Overlaps are resolved when the hits are read (evidence.py): they change the
            # count, never whether a term matched. An exclude phrase can, so it is applied now.
            if owner in excludes:
                spans = resolve_overlaps(spans, excludes[owner])
                if not spans:
                    continue
            kept = Found(field, text, norm, spans)
            earlier = found.get(owner)
            if earlier is None:
                found[owner] = [kept]
            else:
                earlier.append(kept)


_ALIAS, _EXCLUDE = Kind.ALIAS, Kind.EXCLUDE


def _term_spellings(index: int, term: TermConfig, inflector: Inflector) -> list[Spelling]:
    """The spellings of one term: its name and aliases (which also find their inflected
    forms, unless ``inflect = false``), then its exclude phrases (exact)."""
    out: list[Spelling] = []
    for where, text in term.keyed_spellings():
        kind = Kind.EXCLUDE if where.startswith("exclude") else Kind.ALIAS
        inflects = kind is Kind.ALIAS and term.inflects(text)
        spelling = make_spelling(
            kind,
            index,
            text,
            keeps_case(text, term.case_sensitive),
            inflector if inflects else None,
        )
        if spelling is None:
            raise ValueError(f"term {term.name!r}: {where} = {text!r}: {NOTHING_TO_MATCH}")
        out.append(spelling)
    return out


def _parse_rule(rule: RuleConfig, terms: tuple[TermConfig, ...]) -> Query:
    try:
        query = parse_query(rule.query)
    except QuerySyntaxError as e:
        raise ValueError(f"rule {rule.name!r}: query {rule.query!r}: {e}") from None
    names = {t.name for t in terms}
    for name in query.term_names():
        if name not in names:
            raise ValueError(f"rule {rule.name!r}: query {rule.query!r}: unknown term {name!r}")
    return query
