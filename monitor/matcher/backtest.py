"""Backtest: re-run the current terms and rules over the articles already stored.

Used by ``newshound backtest`` (``monitor/cli/backtest.py``) so a user can tune terms and
rules without waiting for new news. Reads the store's ``articles`` and ``matches`` tables
(``monitor/store/schema.py``) and writes nothing.

Articles kept without their text (unmatched ones, unless ``store_all``) are re-matched on
their title and summary only; the report counts them, since a body mention there cannot be
seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils

from monitor.matcher.matcher import Matcher

__all__ = ["StoredArticle", "Change", "BacktestReport", "read_stored_articles", "run_backtest"]

_SEPARATOR = "\x1f"  # unit separator: cannot occur in a term name read from TOML


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored, with the term names and rules it matched then."""

    id: int
    url: str
    title: str
    summary: str
    text: str | None  # None: not kept (an unmatched article without store_all)
    terms: frozenset[str]
    rules: frozenset[str]


@dataclass(frozen=True)
class Change:
    """An article whose verdict differs now from when it was stored."""

    article: StoredArticle
    terms: frozenset[str]  # matched now
    rules: frozenset[str]  # hold now

    @property
    def kind(self) -> str:
        """ "new" (matches now, did not), "gone" (matched, does not now) or "changed"."""
        if self.terms and not self.article.terms:
            return "new"
        if self.article.terms and not self.terms:
            return "gone"
        return "changed"


@dataclass(frozen=True)
class BacktestReport:
    checked: int
    without_text: int  # re-matched on title and summary only
    changes: tuple[Change, ...]

    def count(self, kind: str) -> int:
        """How many changes are of ``kind`` ("new", "gone", "changed")."""
        return sum(1 for c in self.changes if c.kind == kind)


def read_stored_articles(db: sqlite_utils.Database) -> Iterator[StoredArticle]:
    """Every stored article, oldest first, with the term names of its ``matches`` rows.

    Reads ``articles.rules`` (a JSON list) when the column exists; older files lack it.
    """
    has_rules = "rules" in db["articles"].columns_dict
    rules_column = "a.rules" if has_rules else "'[]'"
    sql = f"""
        SELECT a.id, a.url, a.title, a.summary, a.text, {rules_column} AS rules,
               group_concat(m.term, char(31)) AS terms
        FROM articles AS a LEFT JOIN matches AS m ON m.article_id = a.id
        GROUP BY a.id ORDER BY a.id
    """
    for row in db.query(sql):
        yield StoredArticle(
            id=row["id"],
            url=row["url"],
            title=row["title"] or "",
            summary=row["summary"] or "",
            text=row["text"],
            terms=frozenset((row["terms"] or "").split(_SEPARATOR)) - {""},
            rules=frozenset(_json_list(row["rules"])),
        )


def run_backtest(db: sqlite_utils.Database, matcher: Matcher) -> BacktestReport:
    """Match every stored article again; report those whose terms or rules differ."""
    checked = without_text = 0
    changes: list[Change] = []
    for article in read_stored_articles(db):
        checked += 1
        if article.text is None:
            without_text += 1
        result = matcher.match(
            title=article.title, summary=article.summary, body=article.text or ""
        )
        terms, rules = frozenset(result.terms), frozenset(result.rules)
        if terms != article.terms or rules != article.rules:
            changes.append(Change(article, terms, rules))
    return BacktestReport(checked, without_text, tuple(changes))


def _json_list(value: str | None) -> list[str]:
    try:
        parsed = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(v) for v in parsed] if isinstance(parsed, list) else []
