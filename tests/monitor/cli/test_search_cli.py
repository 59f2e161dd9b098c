"""newshound search: highlighted results, --term, --since, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.store import open_database
from monitor.store.articles import ArticleRecord, save_article


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "newshound.toml"
    path.write_text('[storage]\npath = "news.db"\n[[terms]]\nname = "sanctions"\n', "utf-8")
    db = open_database(tmp_path / "news.db")
    record = ArticleRecord(url="https://n.example/banks", source="N", title="EU sanctions banks",
                           text="Ministers sanctioned two banks on Friday.")  # fmt: skip
    save_article(db, record, [{"term": "sanctions", "count": 2, "snippet": ""}], [], [],
                 keep_text=False)  # fmt: skip
    db.close()
    return path


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["search", "-c", str(config), *args])
    return result.exit_code, result.output


def test_plain_output_marks_the_hits(config: Path) -> None:
    code, out = run(config, "sanction")
    assert code == 0
    assert "EU «sanctions» banks  [sanctions]" in out and "«sanctioned»" in out
    assert "https://n.example/banks" in out


def test_json_lines_and_filters(config: Path) -> None:
    code, out = run(config, '"two banks"', "--json", "--term", "sanctions", "--since", "1d")
    assert code == 0
    (hit,) = [json.loads(line) for line in out.splitlines()]
    assert hit["url"] == "https://n.example/banks" and hit["terms"] == ["sanctions"]
    assert run(config, "banks", "--json", "--term", "Putin") == (0, "")


def test_nothing_found_is_said_on_stderr_and_bad_since_is_a_usage_error(config: Path) -> None:
    code, out = run(config, "tulips")
    assert code == 0 and "no stored article matches 'tulips'" in out
    assert run(config, "banks", "--since", "2 days")[0] == 2
