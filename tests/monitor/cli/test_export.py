"""newshound export: JSON, CSV and an Atom feed per term or rule that feedparser accepts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.store import open_database
from monitor.store.articles import ArticleRecord, save_article

CONFIG = """
[storage]
path = "news.db"
[[terms]]
name = "Putin"
[[terms]]
name = "Xi"
[[rules]]
name = "summit"
query = "Putin AND Xi"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "newshound.toml"
    path.write_text(CONFIG, encoding="utf-8")
    db = open_database(tmp_path / "news.db")
    rows = [
        ("https://n.example/summit", "Putin & Xi <meet>", ["Putin", "Xi"], ["summit"], None),
        ("https://n.example/putin", "Putin speaks\x0b", ["Putin"], [], None),
        ("https://m.example/copy", "Putin speaks (copy)", ["Putin"], [], 2),
        ("https://n.example/plain", "Nothing", [], [], None),
    ]
    for url, title, terms, rules, dup in rows:
        matches = [{"term": t, "count": 1, "snippet": f"«{t}» said"} for t in terms]
        record = ArticleRecord(url=url, source="N", title=title, text="t",
                               published="2026-11-27T10:00:00+00:00")  # fmt: skip
        save_article(db, record, matches, rules, [], keep_text=False, duplicate_of=dup)
    db.close()
    return path


def export(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["export", "-c", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_keeps_the_contract_keys_and_leaves_duplicates_out(config: Path) -> None:
    rows = json.loads(export(config))
    assert [r["url"] for r in rows] == ["https://n.example/putin", "https://n.example/summit"]
    assert {"url", "title", "source", "published", "terms"} <= set(rows[0])
    assert rows[1]["terms"] == ["Putin", "Xi"] and rows[1]["rules"] == ["summit"]
    with_dupes = json.loads(export(config, "--duplicates"))
    assert {r["url"]: r["duplicate_of"] for r in with_dupes}["https://m.example/copy"] == (
        "https://n.example/putin"
    )


def test_term_rule_and_since_filters(config: Path) -> None:
    assert [r["url"] for r in json.loads(export(config, "--term", "Xi"))] == [
        "https://n.example/summit"
    ]
    assert [r["url"] for r in json.loads(export(config, "--rule", "summit"))] == [
        "https://n.example/summit"
    ]
    assert len(json.loads(export(config, "--since", "1h"))) == 2
    result = CliRunner().invoke(main, ["export", "-c", str(config), "--since", "soon"])
    assert result.exit_code == 2 and "--since" in result.output


def test_csv_has_a_header_and_one_row_per_article(config: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(export(config, "--format", "csv"))))
    assert [r["terms"] for r in rows] == ["Putin", "Putin;Xi"]


@pytest.mark.parametrize("filters", [(), ("--term", "Putin"), ("--rule", "summit")])
def test_atom_parses_back_without_bozo(config: Path, filters: tuple[str, ...]) -> None:
    body = export(config, "--format", "atom", *filters).encode("utf-8")
    parsed = feedparser.parse(io.BytesIO(body))  # bytes: a str would be taken for a path
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id.startswith("urn:newshound:")
    titles = {e.title for e in parsed.entries}
    assert "Putin & Xi <meet>" in titles
    if filters:
        assert filters[1] in parsed.feed.title
    assert all(e.link.startswith("https://n.example/") for e in parsed.entries)


def test_atom_feed_id_is_stable_per_filter(config: Path) -> None:
    def feed_id(*a: str) -> str:
        return feedparser.parse(io.BytesIO(export(config, "--format", "atom", *a).encode())).feed.id

    assert feed_id("--term", "Xi") == feed_id("--term", "Xi") != feed_id("--term", "Putin")
