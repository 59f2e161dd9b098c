"""The article store: URL keys, updates in place, near-duplicates, retention."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from monitor.store import open_database
from monitor.store.articles import (
    ArticleRecord,
    OutboxEntry,
    find_known,
    iter_matched_articles,
    remember_listed_url,
    save_article,
    update_article,
)
from monitor.store.duplicates import find_near_duplicate, text_signature
from monitor.store.retention import prune_old_articles

WIRE = (
    "Russian President Vladimir Putin and Chinese President Xi Jinping agreed on Thursday to "
    "expand energy cooperation, including a long-delayed gas pipeline, during three hours of "
    "talks in the Kremlin. The two leaders signed eleven documents covering trade settlement "
    "in national currencies, nuclear power, grain exports and a joint lunar research station, "
    "officials from both delegations said. Energy analysts said the pipeline still faced "
    "unresolved questions about price and financing."
)
OTHER = (
    "The city council approved a plan on Thursday to plant ten thousand trees along the river "
    "over the next five years, funded by a new parking levy. Council members said the trees "
    "would lower summer temperatures in the old town and reduce flooding after heavy rain. "
    "Residents will be able to sponsor a tree and choose from twelve native species."
)
PUTIN = [{"term": "Putin", "count": 2, "snippet": "«Putin»"}]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_database(tmp_path / "news.db")
    yield database
    database.close()


def save(db: sqlite_utils.Database, url: str, text: str = WIRE, **kw: object) -> int | None:
    record = ArticleRecord(url=url, source=str(kw.pop("source", "S")), title="T", text=text,
                           guid=kw.pop("guid", None))  # type: ignore[arg-type]  # fmt: skip
    outbox = [OutboxEntry("desk", f"msg_{url}", {"url": url})]
    return save_article(db, record, PUTIN, [], outbox, keep_text=False, **kw)  # type: ignore[arg-type]


def test_amp_mobile_and_http_copies_are_known_by_their_key(db: sqlite_utils.Database) -> None:
    aid = save(db, "https://www.news.example/world/story")
    for copy in ("https://m.news.example/world/story", "http://news.example/world/story/",
                 "https://news.example/amp/world/story?amp=1"):  # fmt: skip
        assert find_known(db, copy, None, "S") == aid
    assert find_known(db, "https://news.example/world/other", None, "S") is None


def test_guid_known_only_within_its_source(db: sqlite_utils.Database) -> None:
    aid = save(db, "https://news.example/a", guid="g-1")
    assert find_known(db, "https://news.example/moved", "g-1", "S") == aid
    assert find_known(db, "https://news.example/moved", "g-1", "Other") is None


def test_a_story_is_known_by_its_listed_url_and_by_copies_of_its_own(
    db: sqlite_utils.Database,
) -> None:
    # The feed listed a tracking link; the page named its own URL, which is stored.
    listed = "https://news.example/r/8812?utm_source=rss"
    record = ArticleRecord(url="https://news.example/world/story", source="S", title="T",
                           text=WIRE, listed_url=listed)  # fmt: skip
    aid = save_article(db, record, PUTIN, [], [], keep_text=False)
    assert find_known(db, "https://news.example/r/8812", None, "Other") == aid
    assert find_known(db, "https://amp.news.example/world/story/", None, "Other") == aid
    assert find_known(db, "https://news.example/world/other", None, "Other") is None


def test_a_remembered_listed_url_is_known_until_its_story_goes(
    db: sqlite_utils.Database,
) -> None:
    aid = save(db, "https://news.example/world/story")
    assert aid is not None
    listed = "https://news.example/r/8812?utm_source=rss"
    assert find_known(db, listed, None, "Digest") is None
    remember_listed_url(db, listed, aid)
    assert find_known(db, listed, None, "Digest") == aid
    assert find_known(db, "https://www.news.example/r/8812", None, "Digest") == aid  # any spelling
    db.execute("DELETE FROM articles WHERE id = ?", [aid])
    assert find_known(db, listed, None, "Digest") is None
    assert db.execute("SELECT count(*) FROM listed_urls").fetchone()[0] == 0


def test_update_rewrites_in_place_counts_and_replaces_matches(db: sqlite_utils.Database) -> None:
    aid = save(db, "https://news.example/a")
    assert aid is not None
    edited = ArticleRecord(
        url="https://news.example/a", source="S", title="T2", text=WIRE + " More."
    )
    sanctions = [{"term": "sanctions", "count": 1, "snippet": "«sanctions»"}]
    assert update_article(db, aid, edited, sanctions, ["r"], keep_text=False)
    row = db.execute("SELECT title, updates, updated, rules FROM articles WHERE id = ?", [aid])
    title, updates, updated, rules = row.fetchone()
    assert (title, updates, rules) == ("T2", 1, '["r"]') and updated
    assert [t for (t,) in db.execute("SELECT term FROM matches")] == ["sanctions"]
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_update_measures_the_new_text_for_the_empty_page_check(db: sqlite_utils.Database) -> None:
    """``newshound status`` calls a source ``empty`` from ``text_chars``: a page that
    cleaned to nothing and was then fixed by its publisher must not stay empty."""
    aid = save(db, "https://news.example/a", text="")
    assert aid is not None
    fixed = ArticleRecord(url="https://news.example/a", source="S", title="T", text=WIRE)
    assert update_article(db, aid, fixed, PUTIN, [], keep_text=False)
    assert db.execute("SELECT text_chars FROM articles").fetchone() == (len(WIRE),)


def test_update_with_the_same_title_and_text_is_no_update(db: sqlite_utils.Database) -> None:
    aid = save(db, "https://news.example/a")
    assert aid is not None
    same = ArticleRecord(url="https://news.example/a", source="S", title="T", text=WIRE,
                         entry_hash="new")  # fmt: skip
    assert not update_article(db, aid, same, PUTIN, [], keep_text=False)
    assert db.execute("SELECT updates, entry_hash FROM articles").fetchone() == (0, "new")


def test_near_duplicate_found_through_small_edits_and_linked(db: sqlite_utils.Database) -> None:
    signature = text_signature(WIRE)
    assert signature is not None
    first = save(db, "https://alpha.example/a", signature=signature)
    edited = "MOSCOW (Wire) - " + WIRE.replace("three hours", "nearly three hours") + " Ends."
    copy = text_signature(edited)
    assert copy is not None and find_near_duplicate(db, copy) == first
    second = save(db, "https://beta.example/b", edited, duplicate_of=first, signature=copy)
    # a third copy points at the first, not at the copy it resembles most
    assert find_near_duplicate(db, copy) == first
    assert [r["url"] for r in iter_matched_articles(db)] == ["https://alpha.example/a"]
    dupes = list(iter_matched_articles(db, duplicates=True))
    assert {r["id"]: r["duplicate_of"] for r in dupes} == {
        second: "https://alpha.example/a", first: None,
    }  # fmt: skip


def test_different_stories_and_short_texts_are_not_duplicates(db: sqlite_utils.Database) -> None:
    signature = text_signature(WIRE)
    assert signature is not None
    save(db, "https://alpha.example/a", signature=signature)
    other = text_signature(OTHER)
    assert other is not None and find_near_duplicate(db, other) is None
    assert text_signature("Putin and Xi met.") is None


def test_prune_deletes_old_unmatched_only_and_keeps_search_in_step(
    db: sqlite_utils.Database,
) -> None:
    save(db, "https://news.example/matched")
    unmatched = ArticleRecord(url="https://news.example/plain", source="S", title="plain", text="x")
    save_article(db, unmatched, [], [], [], keep_text=True)
    assert prune_old_articles(db, 90 * 86400) == 0
    assert prune_old_articles(db, 90 * 86400, now=time.time() + 91 * 86400) == 1
    urls = [u for (u,) in db.execute("SELECT url FROM articles")]
    assert urls == ["https://news.example/matched"]
    assert (
        db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'plain'").fetchone()[
            0
        ]
        == 0
    )
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2


def refuse(db: sqlite_utils.Database, table: str) -> None:
    """Make every insert into ``table`` fail, as a full disk would part-way through."""
    db.execute(
        f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )


@pytest.mark.parametrize("table", ["matches", "outbox", "minhash_bands"])
def test_an_article_whose_alert_cannot_be_written_is_not_stored_either(
    db: sqlite_utils.Database, table: str
) -> None:
    """The article, its matches, its outbox row and its signature: all or nothing. An
    article kept without its outbox row would never be alerted (dedupe skips it next poll)."""
    refuse(db, table)
    with pytest.raises(sqlite3.IntegrityError, match="full"):
        save(db, "https://e.com/a", signature=text_signature(WIRE))
    for name in ("articles", "matches", "outbox", "articles_fts"):
        assert db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == 0, name
    db.execute(f"DROP TRIGGER refuse_{table}")
    # once the disk has room again, the next poll stores it whole
    article_id = save(db, "https://e.com/a", signature=text_signature(WIRE))
    assert db.execute("SELECT article_id FROM outbox").fetchall() == [(article_id,)]


def test_an_update_whose_alert_cannot_be_written_changes_nothing(
    db: sqlite_utils.Database,
) -> None:
    article_id = save(db, "https://e.com/a")
    assert article_id is not None
    db.execute("DELETE FROM outbox")
    refuse(db, "outbox")
    record = ArticleRecord(url="https://e.com/a", source="S", title="T2", text=OTHER)
    with pytest.raises(sqlite3.IntegrityError, match="full"):
        update_article(db, article_id, record, PUTIN, [],
                       [OutboxEntry("desk", "msg_u", {"url": "u"})], keep_text=True)  # fmt: skip
    assert db.execute("SELECT title, updates FROM articles").fetchall() == [("T", 0)]
