"""The README stays true: its TOML loads, every command is documented, help is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import COMMANDS, main
from monitor.config import parse_config

README_PATH = Path(__file__).resolve().parent.parent / "README.md"
README = README_PATH.read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", README, re.S)
TERMS = """
[[terms]]
name = "Putin"
[[terms]]
name = "Xi"
[[terms]]
name = "SCO"
[[rules]]
name = "summit"
query = "Putin AND (Xi OR SCO)"
"""
ENV = {"NEWSHOUND_WEBHOOK_SECRET": "x", "SMTP_PASSWORD": "x", "APPRISE_URL": "json://localhost"}


@pytest.mark.parametrize("block", TOML_BLOCKS, ids=[f"block{i}" for i in range(len(TOML_BLOCKS))])
def test_readme_toml_blocks_load(block: str) -> None:
    """Each block loads; a fragment without terms gets the watch terms it refers to."""
    parse_config(block if "[[terms]]" in block else TERMS + block, env=ENV)


def test_readme_has_toml_examples() -> None:
    assert len(TOML_BLOCKS) >= 1


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_exists_and_is_in_readme(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"], prog_name="newshound")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`newshound {name} --help` has no example"
    assert f"newshound {name}" in README, f"README does not document `newshound {name}`"


def test_readme_generated_sections_are_current() -> None:
    """cog writes each command's --help and the schema into the README; regenerate with
    `cog -r README.md` when this fails."""
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(README_PATH)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
