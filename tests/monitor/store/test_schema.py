"""Opening the database: the schema is created once, and an up-to-date file is only read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.store import open_database
from monitor.store.schema import SCHEMA_FINGERPRINT


def test_a_new_file_gets_the_schema_and_its_fingerprint(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    try:
        assert {"sources", "articles", "outbox", "matches"} <= set(db.table_names())
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_FINGERPRINT
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


def test_opening_an_up_to_date_file_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    open_database(path).close()
    db = open_database(path)
    try:
        assert db.conn.total_changes == 0
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # per connection
    finally:
        db.close()


def test_a_file_with_another_fingerprint_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_database(path).close()
    with sqlite3.connect(path) as conn:  # as a release with another schema left it
        conn.execute("DROP TABLE outbox")
        conn.execute("PRAGMA user_version = 12345")
    conn.close()
    db = open_database(path)
    try:
        assert "outbox" in db.table_names()
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_FINGERPRINT
    finally:
        db.close()


@pytest.mark.parametrize("table_made", [False, True], ids=["old-file", "upgrade-cut-short"])
def test_a_listed_urls_key_kept_on_the_article_moves_to_its_table(
    tmp_path: Path, table_made: bool
) -> None:
    # Before listed_urls, a story whose page named another URL kept the listed URL's key
    # in articles.url_key; the upgrade moves it, and keys the story by its own URL. An
    # upgrade killed after making the table but before marking the file is done again.
    path = tmp_path / "old.db"
    open_database(path).close()
    with sqlite3.connect(path) as conn:
        if not table_made:
            conn.execute("DROP TABLE listed_urls")
        conn.execute("PRAGMA user_version = 12345")
        conn.executemany(
            "INSERT INTO articles (id, url, url_key, source, fetched, content_hash) "
            "VALUES (?, ?, ?, 'S', '2026-11-28T00:00:00+00:00', 'h')",
            [(1, "https://news.example/world/story", "news.example/r/8812"),
             (2, "https://news.example/city/trees", "news.example/city/trees")],
        )  # fmt: skip
    conn.close()
    db = open_database(path)
    try:
        assert db.execute("SELECT url_key, article_id FROM listed_urls").fetchall() == [
            ("news.example/r/8812", 1)
        ]
        keys = db.execute("SELECT id, url_key FROM articles ORDER BY id").fetchall()
        assert keys == [(1, "news.example/world/story"), (2, "news.example/city/trees")]
    finally:
        db.close()
