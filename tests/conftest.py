"""Shared fixtures: real servers on 127.0.0.1 and real SQLite files in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from monitor.fixture_site import FixtureSite

# CI runs the property tests derandomized (the same examples every run, so a red build
# means a change broke something); locally they explore fresh examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """The fixture news site (fixtures/site) served on a loopback port."""
    with FixtureSite(FIXTURES / "site") as s:
        yield s


def write_site_config(site: FixtureSite, folder: Path) -> Path:
    """fixtures/site/newshound.toml with the site's base URL and ``folder/news.db``."""
    text = (FIXTURES / "site" / "newshound.toml").read_text(encoding="utf-8")
    text = text.replace("{BASE}", site.base).replace('"demo.db"', f'"{folder / "news.db"}"')
    path = folder / "newshound.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def site_config(site: FixtureSite, tmp_path: Path) -> Path:
    """fixtures/site/newshound.toml with the site's base URL and a database in tmp_path."""
    return write_site_config(site, tmp_path)
