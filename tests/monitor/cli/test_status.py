"""``newshound status``: each source's state; exit 1 when any is failing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.store import open_database
from monitor.store.sources import record_fetch_failure, record_unchanged, sync_sources

CONFIG = """
[storage]
path = "news.db"
[[sources]]
name = "Good"
url = "https://example.org/good.rss"
[[sources]]
name = "Bad"
url = "https://example.org/bad.rss"
"""


def make(tmp_path: Path, *, bad: bool) -> Path:
    path = tmp_path / "newshound.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    db = open_database(config.storage.path)
    sync_sources(db, config.sources)
    record_unchanged(db, "Good", 304)
    if bad:
        record_fetch_failure(db, "Bad", status=503, error="HTTP 503")
    else:
        record_unchanged(db, "Bad", 304)
    db.close()
    return path


def test_status_lists_each_source_and_fails_when_one_is_failing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", "--config", str(make(tmp_path, bad=True))])
    assert result.exit_code == 1
    assert "ok        Good" in result.output and "failing   Bad" in result.output
    assert "error: HTTP 503 (1 in a row)" in result.output


def test_status_json_and_exit_zero_when_all_are_healthy(tmp_path: Path) -> None:
    config = make(tmp_path, bad=False)
    result = CliRunner().invoke(main, ["status", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    sources = json.loads(result.output)
    assert [(s["name"], s["state"]) for s in sources] == [("Good", "ok"), ("Bad", "ok")]
    assert {"last_success", "last_error", "next_poll", "items_seen"} <= set(sources[0])


def test_status_without_a_database_says_so(tmp_path: Path) -> None:
    path = tmp_path / "newshound.toml"
    path.write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(main, ["status", "--config", str(path)])
    assert result.exit_code == 1 and "no database at" in result.output
