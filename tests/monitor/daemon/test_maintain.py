"""Maintenance: retention, silence, health alerts on channels with health = true."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config import ChannelConfig, Config, DaemonConfig, SourceConfig, StorageConfig
from monitor.daemon.maintain import maintain
from monitor.store import Store, open_database
from monitor.store.articles import ArticleRecord, save_article
from monitor.store.robots import kept_robots, save_robots
from monitor.store.sources import (
    record_fetch_failure,
    record_new_items,
    record_unchanged,
    sync_sources,
)

DAY = 86400.0


@pytest.fixture
def setup(tmp_path: Path) -> tuple[sqlite_utils.Database, Config]:
    config = Config(
        storage=StorageConfig(path=tmp_path / "news.db", keep=30 * DAY),
        sources=(SourceConfig(name="s", url="https://example.org/s.rss", interval=600),),
        channels=(ChannelConfig(name="ops", type="console", health=True),
                  ChannelConfig(name="desk", type="console")),
        daemon=DaemonConfig(max_failures=3),
    )  # fmt: skip
    db = open_database(config.storage.path)
    sync_sources(db, config.sources)
    yield db, config
    db.close()


def add_article(db: sqlite_utils.Database, url: str, fetched: float, matched: int) -> None:
    iso = datetime.fromtimestamp(fetched, UTC).isoformat(timespec="seconds")
    with db.conn:
        db.execute("INSERT INTO articles (url, source, fetched, content_hash, matched) "
                   "VALUES (?, 's', ?, 'h', ?)", [url, iso, matched])  # fmt: skip


def health_alerts(db: sqlite_utils.Database) -> list[tuple[str, dict]]:
    return [(c, json.loads(p)) for c, p in db.execute(
        "SELECT channel, payload FROM outbox WHERE kind = 'health' ORDER BY id")]  # fmt: skip


def test_retention_deletes_old_unmatched_articles_only(setup) -> None:
    db, config = setup
    now = time.time()
    add_article(db, "https://e.org/old-unmatched", now - 40 * DAY, 0)
    add_article(db, "https://e.org/old-matched", now - 40 * DAY, 1)
    add_article(db, "https://e.org/new-unmatched", now - DAY, 0)
    assert maintain(Store.over(db), config, now=now).deleted == 1
    left = {u for (u,) in db.execute("SELECT url FROM articles")}
    assert left == {"https://e.org/old-matched", "https://e.org/new-unmatched"}
    assert (
        maintain(
            Store.over(db), replace(config, storage=replace(config.storage, keep=None))
        ).deleted
        == 0
    )


def test_robots_answers_past_their_day_are_deleted(setup) -> None:
    """Every host an article came from gets a robots.txt row; months of crawling must not
    keep them all."""
    db, config = setup
    now = time.time()
    save_robots(db, "https://old.example", 200, b"User-agent: *", now=now - 2 * DAY)
    save_robots(db, "https://fresh.example", 200, b"User-agent: *", now=now - 3600)
    maintain(Store.over(db), config, now=now)
    assert [o for (o,) in db.execute("SELECT origin FROM robots_txt")] == ["https://fresh.example"]
    kept = kept_robots(db, "https://fresh.example", now=now)
    assert kept is not None and kept[0] == b"User-agent: *"


def test_failing_source_alerts_health_channels_once_and_again_on_recovery(setup) -> None:
    db, config = setup
    for _ in range(3):
        record_fetch_failure(db, "s", status=503, error="HTTP 503")
    first = maintain(Store.over(db), config)
    assert first.health_changes == (("s", "ok", "failing"),) and first.alerts == 1
    assert maintain(Store.over(db), config).alerts == 0  # told once
    record_unchanged(db, "s", 304)
    assert maintain(Store.over(db), config).health_changes == (("s", "failing", "ok"),)
    alerts = health_alerts(db)
    assert [(c, a["state"]) for c, a in alerts] == [("ops", "failing"), ("ops", "recovered")]
    assert "HTTP 503" in alerts[0][1]["message"]


def test_source_quiet_far_longer_than_its_rhythm_is_flagged_silent(setup) -> None:
    db, config = setup
    start = time.time() - 10 * DAY
    for i in range(6):  # new items every two hours, then nothing
        add_article(db, f"https://e.org/{i}", start + i * 7200, 1)
    with db.conn:
        db.execute("UPDATE sources SET last_new_item = ? WHERE name = 's'", [start + 5 * 7200])
    report = maintain(Store.over(db), config, now=start + 5 * 7200 + 3600)
    assert report.silent == ()
    report = maintain(Store.over(db), config, now=start + 5 * 7200 + 2 * DAY)
    assert report.silent == ("s",)
    assert [a["state"] for _, a in health_alerts(db)] == ["silent"]


# --- empty article text ----------------------------------------------------------------------


def store(db: sqlite_utils.Database, url: str, text: str, **kwargs: object) -> int | None:
    """Store an unmatched article the way the pipeline does (real ``save_article``)."""
    record = ArticleRecord(url=url, source="s", title="A title", text=text)
    article_id = save_article(db, record, [], [], [], keep_text=False, **kwargs)  # type: ignore[arg-type]
    record_new_items(db, "s", 1)
    return article_id


def states(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return [(c, a["state"]) for c, a in health_alerts(db)]


def test_source_giving_empty_text_alerts_once_and_again_on_recovery(setup) -> None:
    db, config = setup
    store(db, "https://e.org/ok", "A proper article body.")
    store(db, "https://e.org/e1", "")
    store(db, "https://e.org/e2", "  \n ")  # whitespace is empty too
    assert maintain(Store.over(db), config).health_changes == ()  # two empty are not yet a pattern
    store(db, "https://e.org/e3", "")
    report = maintain(Store.over(db), config)
    assert report.health_changes == (("s", "ok", "empty"),) and report.alerts == 1
    [(channel, alert)] = health_alerts(db)
    assert channel == "ops" and alert["state"] == "empty"  # only the health = true channel
    assert "empty article text" in alert["message"] and "https://e.org/e3" in alert["message"]
    fetched = db.execute("SELECT fetched FROM articles WHERE url = 'https://e.org/e1'").fetchone()
    assert alert["since"] == fetched[0]  # the run's first empty article
    store(db, "https://e.org/e4", "")
    assert maintain(Store.over(db), config).alerts == 0  # told once, however long it lasts
    store(db, "https://e.org/back", "Text again.")
    recovered = maintain(Store.over(db), config)
    assert recovered.health_changes == (("s", "empty", "ok"),) and recovered.alerts == 1
    assert maintain(Store.over(db), config).alerts == 0
    assert states(db) == [("ops", "empty"), ("ops", "recovered")]
    assert "has recovered" in health_alerts(db)[1][1]["message"]


def test_linkless_items_duplicates_and_old_rows_do_not_count_as_empty(setup) -> None:
    db, config = setup
    first = store(db, "https://e.org/first", "The first copy of a wire story.")
    for i in range(3):  # link-less feed items: only the feed's (empty) summary to go on
        store(db, f"urn:newshound:entry:{i}", "")
    for i in range(3):  # near-duplicates are not the source's own pages
        store(db, f"https://e.org/dup{i}", "", duplicate_of=first)
    with db.conn:  # rows stored before articles.text_chars existed: unknown, not empty
        for i in range(3):
            db.execute(
                "INSERT INTO articles (url, source, fetched, content_hash, text_chars) "
                "VALUES (?, 's', '2026-01-01', 'h', NULL)", [f"https://e.org/old{i}"],
            )  # fmt: skip
    assert maintain(Store.over(db), config).health_changes == ()
    assert health_alerts(db) == []


def test_failing_outranks_empty_and_a_crashed_run_does_not_announce_twice(setup) -> None:
    db, config = setup
    for i in range(3):
        store(db, f"https://e.org/e{i}", "")
    for _ in range(3):
        record_fetch_failure(db, "s", status=503, error="HTTP 503")
    assert maintain(Store.over(db), config).health_changes == (("s", "ok", "failing"),)
    record_unchanged(db, "s", 304)  # polls work again, but the pages still give no text
    assert maintain(Store.over(db), config).health_changes == (("s", "failing", "empty"),)
    # a run that queued its alert and died before recording the state: the rerun is silent
    with db.conn:
        db.execute("UPDATE sources SET health_state = 'failing'")
    assert maintain(Store.over(db), config).alerts == 0
    assert states(db) == [("ops", "failing"), ("ops", "empty")]


def test_older_database_gets_the_text_chars_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_database(path).close()
    with sqlite3.connect(path) as conn:  # a file from before the column
        conn.execute("ALTER TABLE articles DROP COLUMN text_chars")
        conn.execute("PRAGMA user_version = 0")  # written by a release before the fingerprint
        conn.execute(
            "INSERT INTO articles (url, source, fetched, content_hash) "
            "VALUES ('https://e.org/x', 's', '2026-01-01', 'h')"
        )
    conn.close()
    db = open_database(path)
    try:
        assert db.execute("SELECT text_chars FROM articles").fetchall() == [(None,)]
    finally:
        db.close()
