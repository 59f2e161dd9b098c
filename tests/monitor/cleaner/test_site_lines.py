"""Per-site learning: line hashes (cleaner side) and their counts per host (store side)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from monitor.cleaner import clean_html
from monitor.cleaner.site_lines import drop_site_lines, line_hash, line_hashes
from monitor.store.site_lines import MIN_PAGES, record_site_lines, site_boilerplate

FOOTER = "Example Media is a member of the Independent Press Standards Organisation"


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = sqlite_utils.Database(sqlite3.connect(tmp_path / "store.db"))
    try:
        from monitor.store.schema import ensure_schema
    except ImportError:  # the store's schema module not there yet: same DDL here
        database.executescript(
            "CREATE TABLE IF NOT EXISTS site_lines (host TEXT NOT NULL, hash TEXT NOT NULL,"
            " pages INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (host, hash));"
            "CREATE TABLE IF NOT EXISTS site_hosts (host TEXT PRIMARY KEY,"
            " pages INTEGER NOT NULL DEFAULT 0);"
        )
    else:
        ensure_schema(database)
    yield database
    database.conn.close()


def test_hash_ignores_case_spacing_and_edge_punctuation() -> None:
    assert line_hash("Follow us on Mastodon!") == line_hash("  follow US on   mastodon ")


def test_only_short_lines_are_candidates() -> None:
    assert line_hash("word " * 60) is None
    assert line_hashes("short line\n\n" + "long " * 60) == {line_hash("short line")}


def test_drop_site_lines_keeps_the_rest() -> None:
    lines = ["An article sentence.", FOOTER]
    assert drop_site_lines(lines, {line_hash(FOOTER)}) == ["An article sentence."]


def test_line_learnt_after_enough_pages(db: sqlite_utils.Database) -> None:
    for page in range(MIN_PAGES):
        assert site_boilerplate(db, "example.org") == frozenset()
        record_site_lines(db, "example.org", line_hashes(f"Story {page}\n{FOOTER}"))
    assert site_boilerplate(db, "example.org") == {line_hash(FOOTER)}
    assert site_boilerplate(db, "other.org") == frozenset()


def test_line_on_a_minority_of_pages_not_learnt(db: sqlite_utils.Database) -> None:
    for page in range(4 * MIN_PAGES):
        text = f"Story {page}" + (f"\n{FOOTER}" if page % 3 == 0 else "")
        record_site_lines(db, "example.org", line_hashes(text))
    assert site_boilerplate(db, "example.org") == frozenset()


def test_learnt_line_stays_learnt_once_pages_no_longer_show_it(
    db: sqlite_utils.Database,
) -> None:
    for page in range(MIN_PAGES):
        record_site_lines(db, "example.org", line_hashes(f"Story {page}\n{FOOTER}"))
    for page in range(3 * MIN_PAGES):  # the cleaner now drops the footer before recording
        record_site_lines(db, "example.org", line_hashes(f"Later story {page}"))
    assert line_hash(FOOTER) in site_boilerplate(db, "example.org")


def test_clean_html_drops_learnt_lines() -> None:
    body = "".join(
        f"<p>Paragraph {i} of a real article, long enough to be kept as prose by trafilatura.</p>"
        for i in range(6)
    )
    html = f"<html><body><article><p>{FOOTER}.</p>{body}</article></body></html>"
    assert FOOTER in clean_html(html).text  # a sentence at the top: only learning drops it
    assert FOOTER not in clean_html(html, site_boilerplate={line_hash(FOOTER)}).text
