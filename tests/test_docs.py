"""The README and every page under docs/ stay true: their TOML loads, their links lead
somewhere, every command and config key is documented, generated parts are current."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import COMMANDS, main
from monitor.config import Config, load_config
from tests.support import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
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
ENV = {"NEWSHOUND_WEBHOOK_SECRET": "x", "SMTP_PASSWORD": "x", "APPRISE_URL": "json://localhost",
       "REDIS_PASSWORD": "x"}  # fmt: skip
# dataclass field -> its key in the TOML file (per-alias inflect is written in `aliases`)
TOML_KEY = {"from_addr": "from", "inflect_aliases": "aliases"}


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _blocks(lang: str) -> list[tuple[str, str]]:
    return [
        (f"{_name(page)}#{i}", block)
        for page in PAGES
        for i, block in enumerate(
            re.findall(rf"```{lang}\n(.*?)```", page.read_text("utf-8"), re.S)
        )
    ]


def _links() -> list[tuple[str, str]]:
    """(page, target) for every relative Markdown link, anchors and code blocks left out."""
    out = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text("utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                out.append((_name(page), target.split("#")[0]))
    return out


TOML_BLOCKS = _blocks("toml")
LINKS = _links()


@pytest.mark.parametrize("where,block", TOML_BLOCKS, ids=[w for w, _ in TOML_BLOCKS])
def test_toml_blocks_load(where: str, block: str, tmp_path: Path) -> None:
    """Each block loads; a fragment without terms gets the watch terms it refers to."""
    path = tmp_path / "newshound.toml"
    path.write_text(block if "[[terms]]" in block else TERMS + block, encoding="utf-8")
    load_config(path, env=ENV)


def test_readme_and_configuration_have_toml_examples() -> None:
    assert {w.split("#")[0] for w, _ in TOML_BLOCKS} >= {"README.md", "docs/configuration.md"}


@pytest.mark.parametrize("page,target", LINKS, ids=[f"{p}->{t}" for p, t in LINKS])
def test_relative_links_resolve(page: str, target: str) -> None:
    assert (ROOT / page).parent.joinpath(target).exists(), f"{page} links to missing {target}"


def test_every_docs_page_is_in_the_index() -> None:
    index = (DOCS / "index.md").read_text("utf-8")
    missing = [
        p.name for p in DOCS.glob("*.md") if p.name != "index.md" and f"({p.name})" not in index
    ]
    assert not missing, f"docs/index.md does not link {missing}"


def test_readme_is_a_front_door() -> None:
    lines = README.read_text("utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail into docs/"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_an_example_a_table_row_and_a_reference(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"], prog_name="newshound")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`newshound {name} --help` has no example"
    assert re.search(rf"^\| `newshound {name}` \|", README.read_text("utf-8"), re.M), (
        f"README's command table has no row for `newshound {name}`"
    )
    assert f"\n## newshound {name}\n" in (DOCS / "cli.md").read_text("utf-8")


def _config_keys() -> list[tuple[str, str]]:
    """(table, key) for every key of every table of the config tree."""
    out = []
    for field in dataclasses.fields(Config):
        kind = typing.get_type_hints(Config)[field.name]
        table = next(
            (t for t in (kind, *typing.get_args(kind)) if dataclasses.is_dataclass(t)), None
        )
        if table is None:
            continue  # the file's path, its warnings: not keys
        brackets = "[[{}]]" if typing.get_origin(kind) is tuple else "[{}]"
        for key in dataclasses.fields(table):
            out.append((brackets.format(field.name), TOML_KEY.get(key.name, key.name)))
    return out


CONFIG_KEYS = _config_keys()


@pytest.mark.parametrize("table,key", CONFIG_KEYS, ids=[f"{t}.{k}" for t, k in CONFIG_KEYS])
def test_every_config_key_is_in_the_reference(table: str, key: str) -> None:
    text = (DOCS / "configuration.md").read_text("utf-8")
    section = text.split(f"## `{table}`\n", 1)
    assert len(section) == 2, f"docs/configuration.md has no section {table}"
    assert f"| `{key}` |" in section[1].split("\n## ", 1)[0], f"{table} {key} undocumented"


def test_generated_sections_are_current() -> None:
    """cog writes each command's --help and the schema into docs/; regenerate with
    `cog -r README.md docs/*.md` when this fails."""
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(README), *map(str, DOCS.glob("*.md"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
