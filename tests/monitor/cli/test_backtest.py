"""``newshound backtest``: what the current config would match in the store, and would not."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner

from monitor.cli import main


def make_config(tmp_path: Path, terms: str) -> Path:
    config = tmp_path / "newshound.toml"
    config.write_text(f'[storage]\npath = "store.db"\n{terms}', encoding="utf-8")
    return config


def make_store(path: Path) -> None:
    db = sqlite_utils.Database(path)
    db["articles"].insert_all(
        [
            {"id": 1, "url": "https://example.org/1", "title": "Putin speaks",
             "summary": "", "text": "Putin spoke.", "source": "Ex", "matched": 1, "rules": "[]"},
            {"id": 2, "url": "https://example.org/2", "title": "Xi'an by night",
             "summary": "", "text": "Xi'an at night.", "source": "Ex", "matched": 1,
             "rules": "[]"},
            {"id": 3, "url": "https://example.org/3", "title": "Xi visits Moscow",
             "summary": "", "text": None, "source": "Ex", "matched": 0, "rules": "[]"},
        ],
        pk="id",
    )  # fmt: skip
    db["matches"].insert_all(
        [
            {"article_id": 1, "term": "Putin", "count": 1, "snippet": "…", "hits": "[]"},
            {"article_id": 2, "term": "Xi", "count": 1, "snippet": "…", "hits": "[]"},
        ]
    )
    db.close()


TERMS = '[[terms]]\nname = "Putin"\n[[terms]]\nname = "Xi"\n'


def test_prints_new_and_gone_matches_and_a_summary(tmp_path: Path) -> None:
    make_store(tmp_path / "store.db")
    result = CliRunner().invoke(main, ["backtest", "-c", str(make_config(tmp_path, TERMS))])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == '- https://example.org/2 "Xi\'an by night": was Xi; now nothing'
    assert lines[1] == '+ https://example.org/3 "Xi visits Moscow": was nothing; now Xi'
    assert lines[2] == (
        "3 articles checked (1 without stored text: title and summary only): "
        "1 would match now, 1 would no longer match, 0 changed terms or rules"
    )


def test_json_lines(tmp_path: Path) -> None:
    make_store(tmp_path / "store.db")
    config = make_config(tmp_path, TERMS)
    result = CliRunner().invoke(main, ["backtest", "-c", str(config), "--json"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["change"]) for r in records] == [(2, "gone"), (3, "new")]
    assert records[1]["terms_now"] == ["Xi"] and records[1]["text_stored"] is False


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["backtest", "-c", str(make_config(tmp_path, TERMS))])
    assert result.exit_code == 1
    assert "store.db: no database yet" in result.output


def test_the_database_is_not_written(tmp_path: Path) -> None:
    make_store(tmp_path / "store.db")
    before = (tmp_path / "store.db").read_bytes()
    CliRunner().invoke(main, ["backtest", "-c", str(make_config(tmp_path, TERMS))])
    assert (tmp_path / "store.db").read_bytes() == before
