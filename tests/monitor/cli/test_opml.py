"""OPML: `newshound add --opml` imports a feed reader's list; `export --format opml` writes
the sources back, read again by listparser; the imported feeds are polled for real."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import listparser
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.fixture_site import FixtureSite

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My reader</title></head><body>
  <outline text="News">
    <outline text="Europe">
      <outline type="rss" text="World desk" xmlUrl="{base}/feeds/world.rss"/>
    </outline>
    <outline type="rss" text="Asia desk" xmlUrl="{base}/feeds/asia.atom"/>
  </outline>
  <outline type="rss" text="World again" xmlUrl="{base}/feeds/world.rss"/>
  <outline type="rss" text="Known" xmlUrl="https://known.example/feed"/>
  <outline type="rss" text="Gopher" xmlUrl="gopher://old.example/feed"/>
</body></opml>"""

START = """[storage]
path = "news.db"
[network]
allow_private_addresses = true
[[sources]]
name = "Known"
url = "https://known.example/feed"
enabled = false
[[terms]]
name = "Putin"
aliases = ["Vladimir Putin", "Путин"]
"""


def test_opml_import_nested_once_each_then_polled_and_exported(
    site: FixtureSite, tmp_path: Path
) -> None:
    config = tmp_path / "newshound.toml"
    config.write_text(START, encoding="utf-8")
    opml = tmp_path / "reader.opml"
    opml.write_text(OPML.format(base=site.base), encoding="utf-8")
    result = CliRunner().invoke(main, ["add", "--opml", str(opml), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert f"added 2 sources from {opml} to {config}; 1 already configured" in result.output
    assert "skipped gopher://old.example/feed: not an http:// or https:// URL" in result.output
    sources = load_config(config).sources
    assert [(s.name, s.url) for s in sources[1:]] == [
        ("World desk", f"{site.base}/feeds/world.rss"),
        ("Asia desk", f"{site.base}/feeds/asia.atom"),
    ]
    again = CliRunner().invoke(main, ["add", "--opml", str(opml), "-c", str(config)])
    assert "added 0 sources" in again.output and "3 already configured" in again.output
    # The imported feeds are sources like any other: one daemon cycle polls them.
    run = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "-c", str(config)],
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    db = sqlite3.connect(tmp_path / "news.db")
    try:
        polled = {name for (name,) in db.execute("SELECT name FROM sources WHERE last_success")}
    finally:
        db.close()
    assert polled == {"World desk", "Asia desk"}
    exported = CliRunner().invoke(main, ["export", "--format", "opml", "-c", str(config)])
    assert exported.exit_code == 0 and 'opml version="2.0"' in exported.output
    back = listparser.parse(exported.output.encode())
    assert [(f.title, f.url) for f in back.feeds] == [(s.name, s.url) for s in sources]


def test_a_file_without_feeds_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "newshound.toml"
    config.write_text(START, encoding="utf-8")
    opml = tmp_path / "notes.txt"
    opml.write_text("just some notes", encoding="utf-8")
    result = CliRunner().invoke(main, ["add", "--opml", str(opml), "-c", str(config)])
    assert result.exit_code == 1
    assert f"Error: {opml}: no feeds found (expected OPML outlines with xmlUrl)" in result.output
    assert config.read_text(encoding="utf-8") == START
