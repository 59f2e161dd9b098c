"""``newshound match``: text in, the DESIGN.md JSON out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main

CONFIG = Path(__file__).parents[3] / "fixtures" / "matcher" / "config.toml"
TEXT = "Putin met Xi’s envoy in Xi'an. Later, Putin flew on to the SCO summit."


def run(*args: str, input: str | None = None) -> tuple[int, dict | None, str]:
    result = CliRunner().invoke(main, ["match", *args], input=input)
    data = json.loads(result.stdout) if result.exit_code in (0, 1) else None
    return result.exit_code, data, result.output


def test_json_shape_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    code, data, _ = run("--config", str(CONFIG), str(path))
    assert code == 0
    assert data == {
        "terms": {
            "Putin": {
                "count": 2,
                "snippets": [
                    "«Putin» met Xi’s envoy in Xi'an.",
                    "Later, «Putin» flew on to the SCO summit.",
                ],
            },
            "Xi": {"count": 1, "snippets": ["Putin met «Xi»’s envoy in Xi'an."]},
            "SCO": {"count": 1, "snippets": ["Later, Putin flew on to the «SCO» summit."]},
        },
        "rules": ["summit"],
    }


def test_stdin_dash() -> None:
    code, data, _ = run("-c", str(CONFIG), "-", input="Путин и 习近平")
    assert code == 0
    assert set(data["terms"]) == {"Putin", "Xi"}
    assert data["rules"] == ["summit"]


def test_unmatched_terms_are_absent_and_exit_1_as_grep() -> None:
    code, data, _ = run("-c", str(CONFIG), "-", input="Taxis in Xinjiang; disco in Scotland.")
    assert code == 1
    assert data == {"terms": {}, "rules": []}


def test_output_is_one_json_object_on_one_line() -> None:
    result = CliRunner().invoke(main, ["match", "-c", str(CONFIG), "-"], input=TEXT)
    assert result.stdout.count("\n") == 1
    assert isinstance(json.loads(result.stdout), dict)


def test_title_and_summary_options() -> None:
    code, data, _ = run("-c", str(CONFIG), "--title", "Kremlin denies", "-", input="Nothing.")
    assert code == 0
    assert list(data["terms"]) == ["Kremlin"]


def test_default_config_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./newshound.toml: the built-in default
    result = CliRunner().invoke(main, ["match", "-"], input="Vladimir Putin and Xi Jinping")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data["terms"]) == {"Putin", "Xi"}
    assert data["rules"] == ["summit"]


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[[terms]]\nname = "Putin"\n[[rules]]\nname = "r"\nquery = "Putin AND ("\n',
        encoding="utf-8",
    )
    code, _, output = run("-c", str(config), "-", input="x")
    assert code == 2
    assert 'rules[0].query = "Putin AND ("' in output
    assert "position" in output


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, output = run("-c", str(CONFIG), str(tmp_path / "nope.txt"))
    assert code == 2
    assert "nope.txt: cannot read" in output
