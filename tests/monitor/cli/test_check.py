"""`newshound check`: non-zero exit with a one-line reason on a bad config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GOOD = """
[[sources]]
name = "Example"
url = "https://93.184.215.14/feed/"
interval = "10m"
[[terms]]
name = "Putin"
[[rules]]
name = "r"
query = "Putin"
"""


def run_check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "newshound.toml"
    config.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(config)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip


def test_good_config_passes(tmp_path: Path) -> None:
    result = run_check(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 sources, 1 terms, 1 rules")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (('interval = "10m"', 'intervl = "10m"'), "sources[0].intervl: unknown key"),
        (('interval = "10m"', 'interval = "ten"'), 'sources[0].interval = "ten"'),
        (('query = "Putin"', 'query = "Putin AND Xi"'), "unknown term 'Xi'"),
    ],
    ids=["typo-key", "bad-interval", "rule-unknown-term"],
)
def test_bad_config_exits_non_zero_with_one_line(
    tmp_path: Path, change: tuple[str, str], needle: str
) -> None:
    result = run_check(tmp_path, GOOD.replace(*change))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/feed", "http://10.0.0.5/feed", "http://169.254.169.254/latest/",
     "http://100.64.1.1/", "http://[::1]/", "http://[::ffff:10.0.0.1]/", "http://2130706433/",
     "http://0x7f000001/", "http://localhost:8080/", "http://[fd00::1]/"],
    ids=["loopback", "rfc1918", "metadata", "cgnat", "ipv6-loopback", "ipv4-mapped",
         "decimal", "hex", "localhost", "unique-local"],
)  # fmt: skip
def test_private_source_refused_naming_url(tmp_path: Path, url: str) -> None:
    result = run_check(tmp_path, GOOD.replace("https://93.184.215.14/feed/", url))
    assert result.returncode != 0
    assert f'source "Example" ({url}): refused' in result.stderr
    assert "allow_private_addresses" in result.stderr
