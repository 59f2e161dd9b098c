"""Maintenance: retention, silence, health alerts on channels with health = true."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config import ChannelConfig, Config, DaemonConfig, SourceConfig, StorageConfig
from monitor.daemon.maintain import maintain
from monitor.store import open_database
from monitor.store.sources import record_fetch_failure, record_unchanged, sync_sources

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
    assert maintain(db, config, now=now).deleted == 1
    left = {u for (u,) in db.execute("SELECT url FROM articles")}
    assert left == {"https://e.org/old-matched", "https://e.org/new-unmatched"}
    assert maintain(db, replace(config, storage=replace(config.storage, keep=None))).deleted == 0


def test_failing_source_alerts_health_channels_once_and_again_on_recovery(setup) -> None:
    db, config = setup
    for _ in range(3):
        record_fetch_failure(db, "s", status=503, error="HTTP 503")
    first = maintain(db, config)
    assert first.health_changes == (("s", "ok", "failing"),) and first.alerts == 1
    assert maintain(db, config).alerts == 0  # told once
    record_unchanged(db, "s", 304)
    assert maintain(db, config).health_changes == (("s", "failing", "ok"),)
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
    report = maintain(db, config, now=start + 5 * 7200 + 3600)
    assert report.silent == ()
    report = maintain(db, config, now=start + 5 * 7200 + 2 * DAY)
    assert report.silent == ("s",)
    assert [a["state"] for _, a in health_alerts(db)] == ["silent"]
