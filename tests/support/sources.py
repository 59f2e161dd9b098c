"""The crawl tests' sites of fixtures/sources/: loopback servers, configs, databases."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.fixture_site import FixtureSite, Reply
from tests.support import FIXTURES, crawl
from tests.support import write_config as _write_config

__all__ = ["SOURCES", "crawl", "serve", "write_config", "rows", "serve_dated"]

SOURCES = FIXTURES / "sources"

TERMS = """
[[terms]]
name = "Putin"
aliases = ["Vladimir Putin"]
[[terms]]
name = "Xi"
aliases = ["Xi Jinping"]
[[terms]]
name = "SCO"
aliases = ["Shanghai Cooperation Organisation"]
[[terms]]
name = "sanctions"
aliases = ["sanction", "sanctioned"]
[[rules]]
name = "summit"
query = "Putin AND Xi"
[[channels]]
name = "desk"
type = "console"
"""


@contextmanager
def serve(*names: str) -> Iterator[list[FixtureSite]]:
    """Serve fixtures/sources/<name> for each name, each on its own loopback port."""
    sites = [FixtureSite(SOURCES / name).start() for name in names]
    try:
        yield sites
    finally:
        for s in sites:
            s.stop()


def write_config(folder: Path, sources: str, extra: str = "") -> Path:
    """A config in ``folder`` with the test terms, a console channel and ``sources``."""
    return _write_config(folder, sources, TERMS, extra)


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def serve_dated(site: FixtureSite, path: str) -> None:
    """Serve ``path`` with {TODAY}, {YESTERDAY}, {LAST_MONTH}, {LAST_YEAR} as W3C dates
    relative to now (a news sitemap is only read for recent entries), with an ETag."""
    now = datetime.now(UTC).replace(microsecond=0)
    dates = {
        b"{TODAY}": now - timedelta(hours=1), b"{YESTERDAY}": now - timedelta(days=1),
        b"{LAST_MONTH}": now - timedelta(days=30), b"{LAST_YEAR}": now - timedelta(days=365),
    }  # fmt: skip
    body = site.render(path) or b""
    for token, when in dates.items():
        body = body.replace(token, when.isoformat().encode())
    etag = f'"{hash(body) & 0xFFFFFFFF:x}"'

    def reply(rec: Any) -> Reply:
        if rec.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"Content-Type": "application/xml", "ETag": etag})

    site.routes[path] = reply
