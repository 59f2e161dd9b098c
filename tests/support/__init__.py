"""What the tests (and the benches) share: where the fixtures are, configs written for them.

Test-only: nothing under ``monitor/`` or ``scraper/`` imports this package. The fixtures
(servers, CAs) are in ``tests/conftest.py``; these are the plain functions behind them.
"""

from __future__ import annotations

from pathlib import Path

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite

__all__ = ["FIXTURES", "ROOT", "SITE", "crawl", "write_config", "write_site_config"]

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "fixtures"
SITE = ROOT / "monitor" / "demo" / "site"  # `newshound demo`'s news site, shipped in the wheel


def write_config(folder: Path, *blocks: str, private_addresses: bool = True) -> Path:
    """``folder/newshound.toml``: a database in ``folder/news.db``, loopback sources and
    channels allowed (unless ``private_addresses`` is false), then ``blocks`` of TOML."""
    allow = "true" if private_addresses else "false"
    head = f'[storage]\npath = "{folder / "news.db"}"\n\n[network]\n'
    head += f"allow_private_addresses = {allow}\n"
    path = folder / "newshound.toml"
    path.write_text("\n".join([head, *blocks]), encoding="utf-8")
    return path


def write_site_config(
    site: FixtureSite, folder: Path, *, interval: str | None = None, extra: str = ""
) -> Path:
    """The demo site's newshound.toml with the site's base URL, ``folder/news.db``, the
    sources' ``interval`` if given, then ``extra`` TOML."""
    text = (SITE / "newshound.toml").read_text(encoding="utf-8")
    text = text.replace("{BASE}", site.base).replace('"demo.db"', f'"{folder / "news.db"}"')
    if interval is not None:
        text = text.replace('interval = "1m"', f'interval = "{interval}"')
    path = folder / "newshound.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def crawl(config: Path) -> None:
    """One ``scrapy crawl feeds`` over ``config``; fails the test when the crawl failed."""
    result = run_crawl(config, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
