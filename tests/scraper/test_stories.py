"""One story once: wire copy at three outlets, AMP copies, edits stored as updates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from monitor.fixture_site import FixtureSite, Reply
from tests.support.sources import crawl, rows, serve, write_config

SOURCES = """
[[sources]]
name = "Alpha"
url = "{a}/feed.rss"
[[sources]]
name = "Beta"
url = "{b}/feed.rss"
[[sources]]
name = "Gamma"
url = "{c}/feed.rss"
"""
UPDATES_CHANNEL = """
[alerts]
max_age = "520w"   # the fixture stories have fixed dates
[[channels]]
name = "updates"
type = "console"
terms = ["sanctions"]
alert_on_updates = true
"""
WIRE = {"/world/putin-xi-energy.html", "/2026/11/27/kremlin-talks.html",
        "/news/putin-xi-pipeline.html"}  # fmt: skip


@pytest.fixture(scope="module")
def outlets(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[FixtureSite], Path]]:
    folder = tmp_path_factory.mktemp("wire")
    with serve("wire/outlet-a", "wire/outlet-b", "wire/outlet-c") as sites:
        a, b, c = (s.base for s in sites)
        config = write_config(folder, SOURCES.format(a=a, b=b, c=c), UPDATES_CHANNEL)
        crawl(config)
        yield sites, config


def articles(config: Path) -> dict[str, dict[str, Any]]:
    got = rows(
        config.parent / "news.db",
        "SELECT id, url, source, title, matched, duplicate_of, updates FROM articles",
    )
    return {
        urlsplit(url).path: {"id": i, "url": url, "source": s, "title": t, "matched": m,
                             "duplicate_of": d, "updates": u}
        for i, url, s, t, m, d, u in got
    }  # fmt: skip


def outbox(config: Path) -> list[tuple[str, str]]:
    got = rows(
        config.parent / "news.db",
        "SELECT o.channel, a.url FROM outbox o JOIN articles a ON a.id = o.article_id",
    )
    return sorted((ch, urlsplit(url).path) for ch, url in got)


def test_wire_story_stored_once_plus_two_linked_duplicates(
    outlets: tuple[list[FixtureSite], Path],
) -> None:
    _, config = outlets
    stored = articles(config)
    copies = [stored[p] for p in WIRE]
    assert {c["source"] for c in copies} == {"Alpha", "Beta", "Gamma"}
    (first,) = [c for c in copies if c["duplicate_of"] is None]
    assert sorted(c["duplicate_of"] for c in copies if c is not first) == [first["id"]] * 2
    assert all(c["matched"] for c in copies)


def test_wire_story_alerts_once(outlets: tuple[list[FixtureSite], Path]) -> None:
    _, config = outlets
    assert [path for ch, path in outbox(config) if path in WIRE] == [
        next(p for p, a in articles(config).items() if p in WIRE and a["duplicate_of"] is None)
    ]


def test_amp_link_stored_under_the_pages_canonical_url(
    outlets: tuple[list[FixtureSite], Path],
) -> None:
    (alpha, _, _), config = outlets
    stored = articles(config)
    assert stored["/city/trees.html"]["url"] == f"{alpha.base}/city/trees.html"
    assert "/amp/city/trees.html" not in stored


def test_a_page_cannot_claim_another_sites_url(outlets: tuple[list[FixtureSite], Path]) -> None:
    (_, _, gamma), config = outlets
    stored = articles(config)
    assert stored["/news/putin-xi-pipeline.html"]["url"].startswith(gamma.base)
    assert not [a for a in stored.values() if "other-site.example" in a["url"]]


@pytest.fixture(scope="module")
def edited(outlets: tuple[list[FixtureSite], Path]) -> tuple[list[FixtureSite], Path, int]:
    """Alpha's feed and page change: the terminal story gets a new title and a sentence
    with a watched term; Alpha's feed also lists the tree story's main URL now."""
    sites, config = outlets
    alpha = sites[0]
    before = len(alpha.requests)

    def serve_as(path: str, ctype: str) -> Any:
        return lambda rec: Reply(200, alpha.render(path) or b"", {"Content-Type": ctype})

    alpha.routes["/feed.rss"] = serve_as("/feed.v2.rss", "application/rss+xml")
    alpha.routes["/business/terminal-closed.html"] = serve_as(
        "/business/terminal-closed.v2.html", "text/html; charset=utf-8"
    )
    crawl(config)
    return sites, config, before


def test_edited_article_is_updated_in_place_and_counted(
    edited: tuple[list[FixtureSite], Path, int],
) -> None:
    _, config, _ = edited
    stored = articles(config)
    terminal = stored["/business/terminal-closed.html"]
    assert terminal["updates"] == 1 and terminal["matched"] == 1
    assert terminal["title"] == "Container terminal closed until Tuesday after crane collapse"
    assert len([p for p in stored if "terminal" in p]) == 1


def test_update_alerts_only_a_channel_that_asked_for_updates(
    edited: tuple[list[FixtureSite], Path, int],
) -> None:
    _, config, _ = edited
    got = outbox(config)
    assert ("updates", "/business/terminal-closed.html") in got
    assert ("desk", "/business/terminal-closed.html") not in got
    assert len([row for row in got if row[1] in WIRE]) == 1


def test_main_url_of_a_stored_amp_copy_is_not_fetched(
    edited: tuple[list[FixtureSite], Path, int],
) -> None:
    (alpha, _, _), _, before = edited
    assert "/city/trees.html" not in [urlsplit(r.path).path for r in alpha.requests[before:]]


def digest(*links: str) -> Any:
    """A route serving an RSS feed that lists ``links``."""
    items = "".join(
        f"<item><title>Digest item {i}</title><link>{link}</link>"
        f'<guid isPermaLink="false">d-{i}</guid></item>'
        for i, link in enumerate(links)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Digest</title>{items}'
    body += "</channel></rss>"
    return lambda rec: Reply(200, body.encode(), {"Content-Type": "application/rss+xml"})


def test_a_link_to_a_story_stored_under_another_url_is_fetched_once(tmp_path: Path) -> None:
    # A digest feed lists a tracking link to Alpha's story; the page behind it names the
    # story's own URL, already stored from Alpha's feed. That page is fetched once: when
    # the digest changes again, the link is known without fetching it.
    with serve("wire/outlet-a") as (alpha,):
        story = alpha.render("/world/putin-xi-energy.html") or b""
        alpha.routes["/r/8812"] = lambda rec: Reply(
            200, story, {"Content-Type": "text/html; charset=utf-8"}
        )
        alpha.routes["/digest.rss"] = digest()
        config = write_config(
            tmp_path,
            f'[[sources]]\nname = "Alpha"\nurl = "{alpha.base}/feed.rss"\n'
            f'[[sources]]\nname = "Digest"\nurl = "{alpha.base}/digest.rss"\n',
        )
        crawl(config)
        alpha.routes["/digest.rss"] = digest(f"{alpha.base}/r/8812")
        crawl(config)
        alpha.routes["/digest.rss"] = digest(
            f"{alpha.base}/r/8812", f"{alpha.base}/city/trees.html"
        )
        crawl(config)
        assert alpha.paths().count("/r/8812") == 1
        assert alpha.paths().count("/digest.rss") == 3
    sources = rows(tmp_path / "news.db", "SELECT url, source FROM articles WHERE url LIKE ?",
                   ("%putin-xi-energy%",))  # fmt: skip
    assert [source for _, source in sources] == ["Alpha"]
