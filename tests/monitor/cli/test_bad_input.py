"""Issue 23.8: bad input ends in one line naming what and where, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.fixture_site import FixtureSite, Reply
from monitor.store import open_database
from tests.support import FIXTURES
from tests.support.sources import crawl, write_config


def newshound(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True, text=True, cwd=cwd, check=False, timeout=120,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or lines[-1].startswith("Error:"), result.stderr
    return lines[-1]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "newshound.toml").write_text(
        '[storage]\npath = "news.db"\n[[terms]]\nname = "Putin"\n', encoding="utf-8"
    )
    open_database(tmp_path / "news.db").close()
    return tmp_path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["search", "Putin", "--limit", "100000000000000000000"], "'--limit'"),
        (["search", "Putin", "--limit", "1e20"], "'--limit'"),
        (["search", "Putin", "--since", "99999999999d"], "reaches back before the year 1"),
        (["export", "--since", "99999999999d"], "reaches back before the year 1"),
    ],
    ids=["huge-limit", "float-limit", "search-since", "export-since"],
)
def test_out_of_range_options_are_one_line_errors(
    folder: Path, args: list[str], needle: str
) -> None:
    assert needle in one_line_error(newshound(*args, cwd=folder))


@pytest.mark.parametrize("command", [["status"], ["search", "Putin"], ["export"], ["alerts"]])
def test_a_corrupt_database_is_named_in_one_line(folder: Path, command: list[str]) -> None:
    (folder / "news.db").write_bytes(b"this is no SQLite file\n" * 100)
    line = one_line_error(newshound(*command, cwd=folder))
    assert f"{folder / 'news.db'}: file is not a database" in line


def test_clean_reports_a_failing_file_and_goes_on(tmp_path: Path) -> None:
    good = FIXTURES / "cleaner" / "news-en-gas.html"
    result = newshound("clean", "--json", str(tmp_path / "missing.html"), str(good), cwd=tmp_path)
    assert result.returncode == 1
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["path"] == str(good) and record["text"]
    assert f"{tmp_path / 'missing.html'}: cannot read" in result.stderr
    assert "1 of 2 inputs could not be cleaned" in result.stderr


CONSOLE = '[[channels]]\nname = "c"\ntype = "console"\n'
ABOVE_0 = "expected a number of seconds above 0"


@pytest.mark.parametrize(
    ("block", "shown"),
    [
        ('[daemon]\ntick = "0.001s"\n',
         'daemon.tick = "0.001s": expected an interval of at least 1s'),
        (CONSOLE + "timeout = 0\n", f"channels[0].timeout = 0: {ABOVE_0}"),
        (CONSOLE + "timeout = -1\n", f"channels[0].timeout = -1: {ABOVE_0}"),
        (CONSOLE + 'rate_limit = "0/h"\n',
         'channels[0].rate_limit = "0/h": expected a rate of at least 1, such as 20/h'),
    ],
    ids=["tick", "timeout-0", "timeout-negative", "rate-0"],
)  # fmt: skip
def test_check_refuses_values_that_cannot_work(tmp_path: Path, block: str, shown: str) -> None:
    (tmp_path / "newshound.toml").write_text(
        f'[[terms]]\nname = "Putin"\n{block}', encoding="utf-8"
    )
    line = one_line_error(newshound("check", cwd=tmp_path))
    assert line == f"Error: newshound.toml: {shown}"


def test_control_characters_in_json_feed_titles_stay_out_of_csv(tmp_path: Path) -> None:
    with FixtureSite(FIXTURES / "sources" / "jsonfeed") as site:
        feed = json.loads(site.render("/feed.json") or b"{}")
        feed["items"][0]["title"] = "EU weighs\x1b[2J sanctions\r\non two\x00 more\u2028banks"
        feed["items"][0]["url"] = site.url("/articles/gone.html")  # 404: the feed's title it is
        site.routes["/feed.json"] = lambda _: Reply(
            200, json.dumps(feed).encode(), {"Content-Type": "application/feed+json"}
        )
        config = write_config(
            tmp_path, f'[[sources]]\nname = "Courier"\nurl = "{site.url("/feed.json")}"\n'
        )
        crawl(config)
    result = newshound("export", "--format", "csv", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x00" not in result.stdout
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "EU weighs [2J sanctions on two more banks" in [r["title"] for r in rows]
