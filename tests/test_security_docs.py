"""docs/security.md stays true: every figure in its tables is the constant in the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text("utf-8")
ROWS = re.findall(r"^\| [^|]+ \| `([A-Z_]+)` \| ([^|]+) \|", PAGE, re.M)
# Where each named limit lives, first match wins.
MODULES = [
    "scraper.settings", "scraper.feedparse", "scraper.spiders.sitemaps",
    "scraper.spiders.feeds", "monitor.cleaner.document", "scraper.middlewares.public_address",
]  # fmt: skip
UNITS = {"MiB": 2**20, "KiB": 2**10, "s": 1}
# Limits the page must list (a new one belongs here and on the page).
REQUIRED = {
    "DOWNLOAD_MAXSIZE", "NEWSHOUND_FEED_MAXSIZE", "MAX_UNPACKED", "DOWNLOAD_TIMEOUT",
    "REDIRECT_MAX_TIMES", "NEWSHOUND_PAGE_MAX_ELEMENTS", "NEWSHOUND_FEED_MAX_ELEMENTS",
    "NEWSHOUND_MAX_TEXT_RUN", "NEWSHOUND_PAGE_MAX_TEXT", "MAX_ENTRIES", "MAX_DOCUMENT_BYTES",
    "MAX_ELEMENTS", "MAX_TEXT_BYTES", "MAX_SITEMAP_DEPTH",
}  # fmt: skip


def constant(name: str) -> int | float:
    for module in MODULES:
        value = getattr(importlib.import_module(module), name, None)
        if value is not None:
            return value  # type: ignore[no-any-return]
    raise AssertionError(f"docs/security.md names {name}, which no module defines")


def figure(text: str) -> float:
    """``"10 MiB"`` -> 10485760, ``"30 s"`` -> 30, ``"1,000"`` -> 1000."""
    number, _, unit = text.strip().partition(" ")
    return float(number.replace(",", "")) * UNITS.get(unit, 1)


def test_page_lists_every_limit() -> None:
    assert REQUIRED <= {name for name, _ in ROWS}


@pytest.mark.parametrize(("name", "shown"), ROWS, ids=[f"{n}" for n, _ in ROWS])
def test_each_figure_is_the_code(name: str, shown: str) -> None:
    assert figure(shown) == constant(name), f"{name}: page says {shown.strip()}"


def test_dns_ttl_and_matching_line() -> None:
    from scraper.middlewares.public_address import DNS_TTL

    assert f"`DNS_TTL` ({DNS_TTL:g} s)" in PAGE
    assert "Matching: see docs/matching.md." in PAGE
