"""The web tests' fixtures: one crawl of the fixture site for the whole package, a copy of
its database, and ``newshound serve`` on the copy as a real process on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.fixture_site import FixtureSite
from tests.support import SITE, write_site_config
from tests.web.server import crawl, serving

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))["articles"]
MATCHED = {path for path, a in EXPECTED.items() if a["terms"]}
UNMATCHED = set(EXPECTED) - MATCHED
TOKEN = "web-test-token-0123456789"
# A piece of each fixture article's title, as pages show it.
TITLES = {
    "/articles/putin-beijing.html": "Russia’s Putin hails ‘unprecedented’ ties with China",
    "/articles/eu-sanctions-russian-banks.html": "EU adopts new sanctions on Russian banks",
    "/articles/sco-tianjin.html": "A year after Tianjin, SCO members turn summit pledges",
    "/articles/xi-sco-secretary-general.html": "Xi Jinping meets SCO secretary-general",
    "/articles/shipping-company-sanctions.html": "US imposes sanctions on Dubai shipping firm",
    "/articles/lisbon-tile-museum.html": "Lisbon's tile museum",
    "/articles/xian-terracotta.html": "Beyond the warriors: two slow days in Xi'an",
    "/articles/pius-xi-lateran.html": "Vatican archive sheds new light on Pius XI",
    "/articles/japan-early-snow.html": "Early cold snap brings heavy snow",
    "/articles/azores-deep-sea-corals.html": "deep-sea corals off the Azores",
}
assert set(TITLES) == set(EXPECTED)


def copy_crawl(site: FixtureSite, crawled: Path, folder: Path) -> Path:
    """A config of the fixture site in ``folder`` whose database is a copy of ``crawled``."""
    config = write_site_config(site, folder)
    source, copy = sqlite3.connect(crawled), sqlite3.connect(config.parent / "news.db")
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = WAL")
    finally:
        source.close()
        copy.close()
    return config


@pytest.fixture(scope="package")
def web_site() -> Iterator[FixtureSite]:
    with FixtureSite(SITE) as s:
        yield s


@pytest.fixture(scope="package")
def crawled(web_site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database of one crawl of the fixture site (the package's only crawl)."""
    config = write_site_config(web_site, tmp_path_factory.mktemp("crawl"))
    crawl(config)
    return config.parent / "news.db"


@pytest.fixture(scope="package")
def web_config(
    web_site: FixtureSite, crawled: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A config of the fixture site whose database is a copy of the crawl's."""
    return copy_crawl(web_site, crawled, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="package")
def served(web_config: Path) -> Iterator[str]:
    """``newshound serve`` on the copy, with a login token: its base URL."""
    with serving(web_config, token=TOKEN) as base:
        yield base
