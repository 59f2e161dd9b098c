"""Per-source state in SQLite: next poll, backoff, pause, due sources (store/sources.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config import SourceConfig
from monitor.store import open_database
from monitor.store.pages import own_pages, record_page
from monitor.store.sources import (
    describe_sources,
    due_sources,
    get_source_state,
    get_source_states,
    record_fetch_failure,
    record_fetched,
    record_unchanged,
    record_unchanged_many,
    sync_sources,
)

SOURCES = [SourceConfig(name=n, url=f"https://example.org/{n}.rss", interval=60) for n in "abc"]


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    d = open_database(tmp_path / "news.db")
    sync_sources(d, SOURCES)
    yield d
    d.close()


def row(db: sqlite_utils.Database, name: str) -> dict:
    return next(db.query("SELECT * FROM sources WHERE name = ?", [name]))


def test_new_sources_are_due_at_once_and_polled_ones_after_their_interval(db) -> None:
    assert due_sources(db, "abc") == ["a", "b", "c"]
    before = time.time()
    record_unchanged(db, "a", 304)
    record_fetched(db, "b", status=200, etag='"x"', last_modified=None, content_hash="h", items=3)
    assert due_sources(db, "abc") == ["c"]
    for name in "ab":
        assert before + 60 <= row(db, name)["next_poll"] <= time.time() + 66
    assert row(db, "b")["items_seen"] == 3


def test_due_sources_skip_in_flight_unconfigured_and_respect_the_limit(db) -> None:
    assert due_sources(db, "abc", exclude={"a"}) == ["b", "c"]
    assert due_sources(db, "ab") == ["a", "b"]
    assert due_sources(db, "abc", limit=1) == ["a"]


def test_a_due_source_brings_the_sources_of_its_host_whose_interval_has_passed(
    tmp_path: Path,
) -> None:
    """One crawl asks a site for all its feeds that may be polled (one connection, one TLS
    handshake), never one sooner than its interval, nor one in backoff or of another host."""
    now = time.time()
    rows = {  # name: (url, next_poll, last_poll, failures)
        "due": ("https://news.example/world.rss", now - 1, now - 70, 0),
        "ready": ("https://news.example/asia.rss", now + 30, now - 61, 0),  # jitter only
        "recent": ("https://news.example/europe.rss", now + 50, now - 20, 0),
        "failing": ("https://news.example/sport.rss", now + 100, now - 120, 1),
        "elsewhere": ("https://other.example/feed.rss", now + 30, now - 61, 0),
    }
    db = open_database(tmp_path / "news.db")
    sync_sources(db, [SourceConfig(name=n, url=r[0], interval=60) for n, r in rows.items()])
    for name, (_, next_poll, last_poll, failures) in rows.items():
        db.execute("UPDATE sources SET next_poll = ?, last_poll = ?, failures = ? WHERE name = ?",
                   [next_poll, last_poll, failures, name])  # fmt: skip
    db.conn.commit()
    assert due_sources(db, rows, now=now) == ["due", "ready"]
    assert due_sources(db, rows, now=now, exclude={"ready"}) == ["due"]
    assert due_sources(db, rows, now=now, limit=1) == ["due"]
    assert due_sources(db, set(rows) - {"ready"}, now=now) == ["due"]  # not configured
    db.execute("UPDATE sources SET next_poll = ? WHERE name = 'due'", [now + 10])
    assert due_sources(db, rows, now=now) == []  # nothing due: nothing pulled forward


def test_failures_back_off_and_a_success_resets_them(db) -> None:
    waits = []
    for _ in range(3):
        record_fetch_failure(db, "a", status=503, error="HTTP 503")
        r = row(db, "a")
        waits.append(r["next_poll"] - r["last_poll"])
    assert row(db, "a")["failures"] == 3 and waits[0] < waits[1] < waits[2]
    assert row(db, "a")["last_error"] == "HTTP 503"
    record_unchanged(db, "a", 304)
    assert row(db, "a")["failures"] == 0 and row(db, "a")["last_error"] is None


def test_gone_source_is_paused_after_max_failures_and_unpaused_by_a_new_url(db) -> None:
    for _ in range(2):
        record_fetch_failure(db, "a", status=404, error="HTTP 404", max_failures=3)
    assert row(db, "a")["paused"] == 0
    record_fetch_failure(db, "a", status=404, error="HTTP 404", max_failures=3)
    assert row(db, "a")["paused"] == 1
    assert "a" not in due_sources(db, "abc", now=time.time() + 10**6)
    assert describe_sources(db, SOURCES)[0]["state"] == "paused"
    sync_sources(db, [SourceConfig(name="a", url="https://example.org/new.rss", interval=60)])
    assert row(db, "a")["paused"] == 0 and "a" in due_sources(db, "abc")


def test_retry_after_of_a_failed_poll_pushes_the_next_poll(db) -> None:
    for _ in range(5):
        record_fetch_failure(db, "a", status=429, error="HTTP 429", retry_after="3600",
                             max_failures=5)  # fmt: skip
    r = row(db, "a")
    assert r["next_poll"] - r["last_poll"] >= 3600
    assert r["paused"] == 0  # a 429 pauses nothing


def test_describe_sources_gives_each_configured_source_a_state(db) -> None:
    record_unchanged(db, "a", 304)
    record_fetch_failure(db, "b", status=None, error="DNS lookup failed")
    disabled = SourceConfig(name="d", url="https://example.org/d.rss", enabled=False)
    states = {s["name"]: s["state"] for s in describe_sources(db, [*SOURCES, disabled])}
    assert states == {"a": "ok", "b": "failing", "c": "new", "d": "disabled"}


def test_unchanged_in_a_batch_is_recorded_as_one_at_a_time(db) -> None:
    def state(name: str) -> dict:
        skip = ("id", "name", "url", "last_poll", "last_success", "next_poll")
        return {k: v for k, v in row(db, name).items() if k not in skip}

    record_fetch_failure(db, "a", status=503, error="HTTP 503")
    record_fetch_failure(db, "b", status=503, error="HTTP 503")
    record_unchanged(db, "a", 304)
    when = time.time()
    record_unchanged_many(db, [("b", 304, when, 60.0)])
    assert state("b") == state("a")
    assert row(db, "b")["last_poll"] == row(db, "b")["last_success"] == when
    assert when + 60 <= row(db, "b")["next_poll"] <= when + 60 * 1.5
    record_unchanged_many(db, [])  # nothing to write: no error


def test_source_states_in_one_query_are_the_single_ones(db) -> None:
    record_fetched(db, "a", status=200, etag='"e"', last_modified="Mon", content_hash="h")
    states = get_source_states(db, ["a", "b", "zzz"])
    assert set(states) == {"a", "b"}
    assert states["a"] == get_source_state(db, "a")
    assert states["b"] == get_source_state(db, "b")


def test_sync_keeps_state_of_unchanged_sources_and_writes_a_changed_interval(db) -> None:
    record_fetched(db, "b", status=200, etag='"v1"', last_modified=None, content_hash="h", items=3)
    before = row(db, "b")
    sync_sources(db, SOURCES)  # every crawl does this with its batch
    assert row(db, "b") == before
    sync_sources(db, [SourceConfig(name="b", url="https://example.org/b.rss", interval=300,
                                   kind="feed")])  # fmt: skip
    after = row(db, "b")
    assert (after["interval_s"], after["kind"], after["etag"]) == (300, "feed", '"v1"')


def test_a_new_url_forgets_what_the_old_one_led_to(db) -> None:
    record_page(db, "a", "https://example.org/moved/a.rss", "moved")
    record_page(db, "b", "https://example.org/b-feed.xml", "feed")
    sync_sources(db, [SourceConfig(name="b", url="https://example.org/b.rss", interval=300)])
    assert [s["moved_to"] for s in describe_sources(db, SOURCES)] == [
        "https://example.org/moved/a.rss", None, None,
    ]  # fmt: skip
    assert list(own_pages(db, {"b"})) == ["b"]  # a new interval keeps them
    sync_sources(db, [SourceConfig(name="a", url="https://example.org/elsewhere.rss")])
    assert own_pages(db, {"a", "b"}).keys() == {"b"}
    assert describe_sources(db, SOURCES)[0]["moved_to"] is None
