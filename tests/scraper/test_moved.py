"""A source whose URL redirects permanently is polled where it moved, and says so."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.fixture_site import FixtureSite, Reply
from tests.support import SITE
from tests.support.sources import crawl, rows, write_config

OLD, NEW = "/old/world.rss", "/feeds/world.rss"


def poll(site: FixtureSite, config: Path) -> list[str]:
    """One crawl; the feed URLs it asked for (not pages, not robots.txt)."""
    before = len(site.requests)
    crawl(config)
    return [r.path for r in site.requests[before:] if r.path in (OLD, NEW)]


def moved_to(config: Path) -> str | None:
    result = CliRunner().invoke(main, ["status", "--config", str(config), "--json"])
    assert result.exit_code in (0, 1), result.output
    (source,) = json.loads(result.stdout)
    return source["moved_to"]


def age_move(db: Path, days: float) -> None:
    """Make the recorded move ``days`` old."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE source_pages SET found = ?", [time.time() - days * 86400])
    conn.close()


def redirect(site: FixtureSite, status: int) -> None:
    site.routes[OLD] = lambda _: Reply(status, b"", {"Location": site.url(NEW)})


def serve_feed_at_old(site: FixtureSite) -> None:
    """The site moves the feed back: its old URL answers with the feed itself."""
    feed = site.render(NEW) or b""
    site.routes[OLD] = lambda _: Reply(200, feed, {"Content-Type": "application/rss+xml"})


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[FixtureSite, Path]]:
    """The fixture site, with its world feed configured at a URL that redirects to it."""
    with FixtureSite(SITE) as site:
        config = write_config(tmp_path, f'[[sources]]\nname = "World"\nurl = "{site.url(OLD)}"\n')
        yield site, config


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_move_is_polled_at_the_new_url_and_shown(
    world: tuple[FixtureSite, Path], status: int
) -> None:
    site, config = world
    redirect(site, status)
    assert poll(site, config) == [OLD, NEW]
    assert rows(config.parent / "news.db", "SELECT count(*) FROM articles")[0][0] > 0
    assert moved_to(config) == site.url(NEW)
    text = CliRunner().invoke(main, ["status", "--config", str(config)]).output
    assert f"moved permanently to {site.url(NEW)}" in text

    before = len(site.requests)
    assert poll(site, config) == [NEW]  # one request, not two, and still a conditional one
    again = next(r for r in site.requests[before:] if r.path == NEW)
    assert "If-None-Match" in again.headers


@pytest.mark.parametrize("status", [302, 307])
def test_a_temporary_redirect_is_followed_from_the_sources_url_every_time(
    world: tuple[FixtureSite, Path], status: int
) -> None:
    site, config = world
    redirect(site, status)
    assert poll(site, config) == poll(site, config) == [OLD, NEW]
    assert moved_to(config) is None


def test_when_the_new_url_fails_the_next_poll_asks_the_sources_url(
    world: tuple[FixtureSite, Path],
) -> None:
    site, config = world
    redirect(site, 301)
    poll(site, config)
    site.routes[NEW] = lambda _: Reply(410, b"gone")
    serve_feed_at_old(site)
    assert poll(site, config) == [NEW]  # the move, tried and failed
    assert moved_to(config) is None
    assert poll(site, config) == [OLD]


def test_a_day_later_the_sources_url_is_asked_again_and_a_move_undone_is_forgotten(
    world: tuple[FixtureSite, Path],
) -> None:
    site, config = world
    db = config.parent / "news.db"
    redirect(site, 301)
    poll(site, config)
    age_move(db, 2)
    assert poll(site, config) == [OLD, NEW]  # still moved: the recheck renews it
    assert moved_to(config) == site.url(NEW)
    assert poll(site, config) == [NEW]
    age_move(db, 2)
    serve_feed_at_old(site)
    assert poll(site, config) == [OLD]  # the site moved the feed back
    assert moved_to(config) is None
    assert poll(site, config) == [OLD]
