"""FTS5 search: porter stemming, phrases, filters, highlighted snippets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from monitor.store import open_database
from monitor.store.articles import ArticleRecord, save_article, update_article
from monitor.store.search import SearchError, rebuild_search_index, search_articles

STORIES = [
    ("https://n.example/banks", "EU sanctions two more banks",
     "Ministers sanctioned the banks for financing the development bank project.", ["sanctions"]),
    ("https://n.example/summit", "Putin meets Xi in Beijing",
     "The leaders discussed a new development bank and energy deals.", ["Putin", "Xi"]),
    ("https://n.example/trees", "Council plants trees", "Ten thousand trees by the river.", []),
]  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_database(tmp_path / "news.db")
    for url, title, text, terms in STORIES:
        matches = [{"term": t, "count": 1, "snippet": ""} for t in terms]
        record = ArticleRecord(url=url, source="N", title=title, text=text)
        save_article(database, record, matches, [], [], keep_text=True)
    yield database
    database.close()


def urls(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.url for h in hits]


def test_stemmed_word_finds_every_form(db: sqlite_utils.Database) -> None:
    assert urls(search_articles(db, "sanction")) == ["https://n.example/banks"]
    assert urls(search_articles(db, "planting")) == ["https://n.example/trees"]


def test_phrase_and_boolean_queries(db: sqlite_utils.Database) -> None:
    assert sorted(urls(search_articles(db, '"development bank"'))) == [
        "https://n.example/banks", "https://n.example/summit",
    ]  # fmt: skip
    assert urls(search_articles(db, '"bank development"')) == []
    assert urls(search_articles(db, "bank NOT Putin")) == ["https://n.example/banks"]
    assert urls(search_articles(db, "trees OR Beijing")) != []


def test_hits_are_marked_in_title_and_snippet(db: sqlite_utils.Database) -> None:
    (hit,) = search_articles(db, "sanction")
    assert hit.title_marked == "EU «sanctions» two more banks"
    assert "«sanctioned»" in hit.snippet and hit.terms == ("sanctions",)


def test_term_and_since_filters(db: sqlite_utils.Database) -> None:
    assert urls(search_articles(db, "bank", terms=["Putin"])) == ["https://n.example/summit"]
    assert urls(search_articles(db, "bank", since="2999-01-01T00:00:00+00:00")) == []


def test_query_that_is_not_fts_syntax_is_taken_word_by_word(db: sqlite_utils.Database) -> None:
    assert urls(search_articles(db, "Putin-Xi")) == ["https://n.example/summit"]
    with pytest.raises(SearchError, match="empty"):
        search_articles(db, "  ")


def test_index_follows_updates_and_rebuilds_when_behind(db: sqlite_utils.Database) -> None:
    edited = ArticleRecord(url="https://n.example/trees", source="N", title="Council plants oaks",
                           text="Oaks by the river.")  # fmt: skip
    update_article(db, 3, edited, [], [], keep_text=True)
    assert urls(search_articles(db, "oak")) == ["https://n.example/trees"]
    assert urls(search_articles(db, "thousand")) == []
    assert rebuild_search_index(db) is False
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
    assert rebuild_search_index(db) is True
    assert urls(search_articles(db, "oak")) == ["https://n.example/trees"]
