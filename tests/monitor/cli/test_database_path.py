"""An unusable database path: `check` and `run` say so in one line, never a traceback;
the systemd unit and `newshound init --systemd` agree on where the database lives."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from tests.support import ROOT

UNIT = ROOT / "contrib" / "newshound.service"
CONFIG = '[storage]\npath = "{path}"\n[[terms]]\nname = "Putin"\n'


def newshound(
    tmp_path: Path, command: str, db: str, **env: str
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "newshound.toml"
    config.write_text(CONFIG.format(path=db), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "monitor", command, "--config", str(config)],
        capture_output=True, text=True, check=False, timeout=120, env={**os.environ, **env},
    )  # fmt: skip


def unusable(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(id, database path, what the error says), each made for real under tmp_path."""
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder.db").mkdir()
    (tmp_path / "notes.db").write_text("these are my notes, not a database")
    return [
        ("parent-is-a-file", f"{tmp_path}/a-file/news.db", "a-file is not a folder"),
        ("path-is-a-folder", f"{tmp_path}/a-folder.db", "is a folder, expected a SQLite file"),
        ("not-sqlite", f"{tmp_path}/notes.db", "not a SQLite database"),
        # Not writable for anyone, root included, as ProtectSystem=strict makes /etc.
        ("read-only-folder", "/proc/newshound/news.db", "cannot be made in /proc"),
    ]


@pytest.mark.parametrize("command", ["check", "run"])
def test_unusable_database_path_is_one_line(tmp_path: Path, command: str) -> None:
    for case, db, needle in unusable(tmp_path):
        result = newshound(tmp_path, command, db)
        assert result.returncode == 1, (case, result.stderr)
        lines = [x for x in result.stderr.splitlines() if not x.startswith("warning: ")]
        assert len(lines) == 1 and lines[0].startswith("Error: "), (case, result.stderr)
        assert needle in lines[0] and f"database {db}" in lines[0], (case, lines)
    assert "Traceback" not in result.stderr


def test_run_names_the_state_directory_under_systemd(tmp_path: Path) -> None:
    result = newshound(tmp_path, "run", "/proc/newshound/news.db", STATE_DIRECTORY=str(tmp_path))
    assert result.returncode == 1
    assert f'set [storage] path = "{tmp_path}/newshound.db"' in result.stderr


def test_check_passes_a_new_and_an_existing_database(tmp_path: Path) -> None:
    db = tmp_path / "data" / "news.db"  # its folder can be made
    assert newshound(tmp_path, "check", str(db)).returncode == 0
    assert not db.parent.exists()  # check changes nothing
    db.parent.mkdir()
    from monitor.store import open_database

    open_database(db).close()
    result = newshound(tmp_path, "check", str(db))
    assert result.returncode == 0 and f"database {db}" in result.stdout


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT, encoding="utf-8")
    return unit


def test_init_systemd_puts_the_database_in_the_units_state_directory(tmp_path: Path) -> None:
    service = _unit()["Service"]
    assert service["ProtectSystem"] == "strict"
    text = CliRunner().invoke(main, ["init", "--systemd"]).output
    path = tmp_path / "newshound.toml"
    path.write_text(text, encoding="utf-8")
    db = load_config(path).storage.path
    assert db.parent == Path("/var/lib") / service["StateDirectory"]
    assert str(db.parent) == service["WorkingDirectory"]
    assert "--config /etc/newshound/newshound.toml" in service["ExecStart"]


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    binary = shutil.which("newshound") or sys.executable
    unit = tmp_path / "newshound.service"  # ExecStart must name a binary that exists here
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/newshound", binary))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                            check=False, timeout=60)  # fmt: skip
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
