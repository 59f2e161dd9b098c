"""robots.txt kept per origin for a day (store/robots.py)."""

from __future__ import annotations

import time
from pathlib import Path

from monitor.store import open_database
from monitor.store.robots import MAX_AGE, kept_robots, save_robots


def test_robots_kept_a_day_then_asked_again(tmp_path: Path) -> None:
    db = open_database(tmp_path / "news.db")
    now = time.time()
    save_robots(db, "http://a.example", 200, b"User-agent: *\nDisallow: /x", now=now)
    assert kept_robots(db, "http://a.example", now=now + 10) == (
        b"User-agent: *\nDisallow: /x",
        now,
    )
    assert kept_robots(db, "https://a.example", now=now + 10) is None  # another origin
    assert kept_robots(db, "http://a.example", now=now + MAX_AGE + 1) is None


def test_robots_not_kept_when_the_answer_settles_nothing(tmp_path: Path) -> None:
    db = open_database(tmp_path / "news.db")
    save_robots(db, "http://b.example", 503, b"busy")
    assert kept_robots(db, "http://b.example") is None
    save_robots(db, "http://b.example", 404, b"not found")  # 4xx: no rules, kept
    kept = kept_robots(db, "http://b.example")
    assert kept is not None and kept[0] == b"not found"


def test_kept_robots_names_the_answer_by_its_fetch_time(tmp_path: Path) -> None:
    """A crawl worker keeps its answers under the fetch time: a robots.txt fetched again
    must read as another one, even with the same body."""
    db = open_database(tmp_path / "news.db")
    now = time.time()
    save_robots(db, "http://c.example", 200, b"User-agent: *", now=now - 100)
    assert kept_robots(db, "http://c.example", now=now) == (b"User-agent: *", now - 100)
    save_robots(db, "http://c.example", 200, b"User-agent: *", now=now - 50)
    assert kept_robots(db, "http://c.example", now=now) == (b"User-agent: *", now - 50)
