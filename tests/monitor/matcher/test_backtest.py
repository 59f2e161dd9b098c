"""Backtest: stored articles read back and matched again with the current config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config import RuleConfig, TermConfig
from monitor.matcher import Matcher
from monitor.matcher.backtest import read_stored_articles, run_backtest


def make_store(path: Path, articles: list[dict], matches: list[dict]) -> sqlite_utils.Database:
    """A database with the store's articles and matches columns that backtest reads."""
    db = sqlite_utils.Database(path)
    db["articles"].create(
        {"id": int, "url": str, "title": str, "summary": str, "text": str, "source": str,
         "matched": int, "rules": str},
        pk="id",
    )  # fmt: skip
    db["matches"].create(
        {"id": int, "article_id": int, "term": str, "count": int, "snippet": str, "hits": str},
        pk="id",
    )
    db["articles"].insert_all(articles)
    db["matches"].insert_all(matches)
    return db


def article(id: int, title: str, text: str | None, rules: tuple[str, ...] = ()) -> dict:
    return {
        "id": id, "url": f"https://example.org/{id}", "title": title, "summary": "",
        "text": text, "source": "Example", "matched": int(text is not None),
        "rules": json.dumps(list(rules)),
    }  # fmt: skip


def match_row(article_id: int, term: str) -> dict:
    return {"article_id": article_id, "term": term, "count": 1, "snippet": "…", "hits": "[]"}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    db = make_store(
        tmp_path / "newshound.db",
        [
            article(1, "Putin speaks", "Putin spoke in Moscow."),
            article(2, "Weather", None),
            article(3, "Xi'an tourism", "Visitors flock to Xi'an.", ("summit",)),
            article(4, "Trade talks", "The SCO met. Putin attended."),
            article(5, "Putin and Xi meet", None),
        ],
        [match_row(1, "Putin"), match_row(3, "Xi"), match_row(4, "Putin")],
    )
    yield db
    db.close()


def test_read_stored_articles(db: sqlite_utils.Database) -> None:
    stored = list(read_stored_articles(db))
    assert [a.id for a in stored] == [1, 2, 3, 4, 5]
    assert stored[0].terms == {"Putin"}
    assert stored[1].terms == frozenset() and stored[1].text is None
    assert stored[2].rules == {"summit"}


def test_backtest_reports_new_gone_and_changed(db: sqlite_utils.Database) -> None:
    terms = [TermConfig("Putin"), TermConfig("Xi"), TermConfig("SCO")]
    matcher = Matcher(terms, [RuleConfig("summit", "Putin AND (Xi OR SCO)")])
    report = run_backtest(db, matcher)
    assert report.checked == 5
    assert report.without_text == 2
    kinds = {c.article.id: c.kind for c in report.changes}
    # 1 unchanged; 3 was a false Xi (Xi'an) and goes; 4 gains SCO and the rule; 5 is new
    # from its title alone.
    assert kinds == {3: "gone", 4: "changed", 5: "new"}
    by_id = {c.article.id: c for c in report.changes}
    assert by_id[4].terms == {"Putin", "SCO"} and by_id[4].rules == {"summit"}
    assert by_id[5].terms == {"Putin", "Xi"}
    assert report.count("new") == 1


def test_backtest_reads_a_file_without_the_rules_column(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "old.db")
    db["articles"].create(
        {"id": int, "url": str, "title": str, "summary": str, "text": str, "matched": int},
        pk="id",
    )
    db["matches"].create({"article_id": int, "term": str, "count": int, "snippet": str})
    db["articles"].insert({"id": 1, "url": "u", "title": "Putin", "summary": None,
                           "text": None, "matched": 0})  # fmt: skip
    report = run_backtest(db, Matcher([TermConfig("Putin")]))
    db.close()
    assert [c.kind for c in report.changes] == ["new"]


def test_backtest_reports_the_matches_inflection_adds(tmp_path: Path) -> None:
    """A Russian article stored before inflected forms were found (kept by store_all):
    "Путина", "Си Цзиньпина" now match, and the backtest says so; one that matched on the
    dictionary form is unchanged."""
    db = make_store(
        tmp_path / "ru.db",
        [
            {**article(1, "Встреча Путина и Си Цзиньпина",
                       "Переговоры Путина с Си Цзиньпином прошли в Кремле."), "matched": 0},
            article(2, "Путин в Пекине", "Путин прилетел в Пекин."),
            {**article(3, "Лососевая путина", "На Камчатке началась путина."), "matched": 0},
        ],
        [match_row(2, "Putin")],
    )  # fmt: skip
    try:
        terms = [TermConfig("Putin", ("Путин",)), TermConfig("Xi", ("Си Цзиньпин",))]
        report = run_backtest(db, Matcher(terms))
    finally:
        db.close()
    assert [(c.article.id, c.kind, sorted(c.terms)) for c in report.changes] == [
        (1, "new", ["Putin", "Xi"]),
    ]
    assert report.count("new") == 1 and report.checked == 3
