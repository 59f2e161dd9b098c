"""Matching: watch terms (names, aliases, scripts) and rules over a cleaned article.

``Matcher(config.terms, config.rules).match(title=, summary=, body=)`` -> ``MatchResult``.
Term semantics are in DESIGN.md ("Term semantics") and in the module docstrings:
``normalize.py`` (text before matching), ``boundaries.py`` (what a whole word is),
``index.py`` (the automaton and the case rule), ``rules.py`` (query syntax),
``snippets.py`` (evidence), ``matcher.py`` (putting them together).
"""

from monitor.matcher.matcher import Matcher
from monitor.matcher.result import Hit, MatchResult, TermMatch

__all__ = ["Matcher", "MatchResult"]

# Hit and TermMatch are part of MatchResult; importable from here without being in __all__.
_ = (Hit, TermMatch)
