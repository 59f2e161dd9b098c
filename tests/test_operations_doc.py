"""docs/operations.md stays true: its unit file is the shipped one, its command lines use
options the CLI has, its TOML loads, and it names each operations flag."""

from __future__ import annotations

import re
import shlex

import click
import pytest

from monitor.cli import main
from monitor.config import parse_config
from tests.support import ROOT

DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", DOC, re.M | re.S)


def test_unit_file_in_the_docs_is_the_shipped_one() -> None:
    [unit] = [body for lang, body in BLOCKS if lang == "ini"]
    assert unit == (ROOT / "contrib" / "newshound.service").read_text(encoding="utf-8")


def command_lines() -> list[list[str]]:
    out = []
    for lang, body in BLOCKS:
        for line in body.splitlines() if lang == "sh" else []:
            words = shlex.split(line.split(" > ")[0], comments=True)
            if words[:1] == ["sudo"]:
                words = words[1:]
            if words[:1] == ["newshound"]:
                out.append(words[1:])
    return out


@pytest.mark.parametrize("words", command_lines(), ids=" ".join)
def test_every_command_line_uses_options_the_cli_has(words: list[str]) -> None:
    command = main.get_command(click.Context(main), words[0])
    assert command is not None, words
    options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in words[1:]:
        if word.startswith("-"):
            assert word in options, f"newshound {words[0]} has no {word}"


@pytest.mark.parametrize("toml", [b for lang, b in BLOCKS if lang == "toml"])
def test_every_toml_block_loads(toml: str) -> None:
    parse_config(toml, env={})


@pytest.mark.parametrize("flag", [
    "alerts --test", "alerts --sent", "--since", "check --fetch", "add --opml",
    "export --format opml", "init --systemd", "--log-format", "--log-level",
    "alerts --enable", "status --json",
])  # fmt: skip
def test_each_operations_flag_is_documented(flag: str) -> None:
    assert f"newshound {flag}" in DOC or f"`{flag}" in DOC or f" {flag} " in DOC
