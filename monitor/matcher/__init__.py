"""Matching: watch terms (names, aliases, scripts) and rules over a cleaned article.

``Matcher(config.terms, config.rules).match(title=, summary=, body=)`` -> ``MatchResult``.
Term semantics are in DESIGN.md ("Term semantics") and in the module docstrings:
``monitor/normalize.py`` (text before matching), ``boundaries.py`` (what a whole word is),
``index.py`` (the automaton and the case rule), ``monitor/query.py`` (rule query syntax),
``snippets.py`` (evidence), ``matcher.py`` (putting them together). Normalisation and the
query syntax sit below ``monitor.config``, which checks spellings and queries with them.
"""

from monitor.matcher.matcher import Matcher
from monitor.matcher.result import Hit, MatchResult, TermMatch

__all__ = ["Matcher", "MatchResult"]

# Hit and TermMatch are part of MatchResult; importable from here without being in __all__.
_ = (Hit, TermMatch)
