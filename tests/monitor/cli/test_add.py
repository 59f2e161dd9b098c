"""newshound add: the [[sources]] block it writes (discovery itself: tests/scraper)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.cli.add import source_block
from monitor.config import parse_config

CONFIG = parse_config('[[sources]]\nname = "Herald"\nurl = "https://h.example/feed"\n')


def test_block_is_valid_toml_with_a_fresh_name() -> None:
    found = {"url": "https://h.example/atom.xml", "kind": "feed", "title": 'Herald "Daily"'}
    block = tomllib.loads(source_block(CONFIG, found, None, "15m"))["sources"][0]
    assert block == {"name": 'Herald "Daily"', "url": found["url"], "interval": "15m"}
    again = tomllib.loads(source_block(CONFIG, {**found, "title": "Herald"}, None, "10m"))
    assert again["sources"][0]["name"] == "Herald (2)"


def test_sitemap_block_says_its_kind_and_a_titleless_feed_is_named_by_host() -> None:
    found = {"url": "https://s.example/news.xml", "kind": "sitemap", "title": None}
    block = tomllib.loads(source_block(CONFIG, found, None, "10m"))["sources"][0]
    assert block["kind"] == "sitemap" and block["name"] == "s.example"


def test_url_must_be_http_and_a_file_is_needed_unless_printing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    config = tmp_path / "newshound.toml"
    config.write_text("", encoding="utf-8")
    result = runner.invoke(main, ["add", "ftp://x.example/", "-c", str(config)])
    assert result.exit_code == 2 and "http://" in result.output
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)  # no ./newshound.toml to append to
    result = runner.invoke(main, ["add", "https://x.example/"])
    assert result.exit_code == 1 and "--config FILE" in result.output
