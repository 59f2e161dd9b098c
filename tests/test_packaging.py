"""`pip install` of the wheel, not the source tree: `newshound demo` runs from any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support import ROOT, SITE

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))["articles"]


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_demo_from_any_folder(tmp_path: Path) -> None:
    """The wheel carries the demo's news site: installed (no checkout on the path), the
    demo serves it, crawls it and lists the matched articles. The venv sees the
    system's site-packages so that nothing is downloaded; the wheel's own files come
    first on its path."""
    source = tmp_path / "src"  # a copy: building writes build/ and *.egg-info beside it
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "tests", "bench",
    ))  # fmt: skip
    wheels = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", source, "-w", wheels, "--no-deps",
         "--no-build-isolation", "--no-index", "--quiet", cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("newshound-*.whl")
    venv.create(tmp_path / "venv", system_site_packages=True)  # pip: this one's, below
    python = tmp_path / "venv" / "bin" / "python"
    # --force-reinstall: the checkout's own editable install of the same version is visible
    # through the system site-packages, and pip would call the wheel already installed.
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--quiet",
         "--force-reinstall", "--no-deps", wheel, cwd=tmp_path)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    folder = tmp_path / "anywhere"
    folder.mkdir()
    where = _run(python, "-c", "import monitor; print(monitor.__file__)", cwd=folder, env=env)
    assert Path(where.strip()).is_relative_to(tmp_path / "venv"), where

    out = _run(tmp_path / "venv" / "bin" / "newshound", "demo", cwd=folder, env=env)
    matched = [path for path, info in EXPECTED.items() if info["terms"]]
    assert matched
    for path in matched:
        assert path in out, f"{path} missing from the installed demo's output:\n{out}"
    for path in set(EXPECTED) - set(matched):
        assert path not in out
