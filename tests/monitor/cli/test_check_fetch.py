"""`newshound check --fetch` on the fixture site: what each source is, its items, its
errors; a homepage whose feed is read instead is named in `status` and warned about once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite, Reply, Route

HOME = """<html><head><title>Fixture News</title>
<link rel="alternate" type="application/rss+xml" href="/feeds/world.rss"></head>
<body><h1>Fixture News</h1><p>Today's stories.</p></body></html>"""
STORY = "<html><head><title>A story</title></head><body><p>Just a story.</p></body></html>"


def serve_pages(site: FixtureSite) -> None:
    def page(body: str) -> Route:
        return lambda _: Reply(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    site.routes["/home.html"] = page(HOME)
    site.routes["/story.html"] = page(STORY)
    site.routes["/private.rss"] = lambda _: Reply(403, b"no")


def add_sources(config: Path, site: FixtureSite, *names: str) -> None:
    blocks = {
        "Home": "/home.html", "Story": "/story.html", "Gone": "/gone.rss",
        "Forbidden": "/private.rss",
    }  # fmt: skip
    text = config.read_text(encoding="utf-8")
    for name in names:
        text += f'\n[[sources]]\nname = "{name}"\nurl = "{site.base}{blocks[name]}"\n'
    config.write_text(text, encoding="utf-8")


def test_check_fetch_says_what_each_source_is(site: FixtureSite, site_config: Path) -> None:
    serve_pages(site)
    add_sources(site_config, site, "Home", "Story", "Gone", "Forbidden")
    result = subprocess.run([sys.executable, "-m", "monitor", "check", "--fetch", "-c",
                             str(site_config)], capture_output=True, text=True, timeout=300,
                            check=False)  # fmt: skip
    lines = {line.split(" (", 1)[0].split(None, 1)[1]: line for line in
             result.stdout.splitlines()[1:]}  # fmt: skip
    base = site.base
    assert lines["Fixture World"].startswith("ok ") and lines["Fixture World"].endswith(
        "feed, 7 items"
    )
    assert lines["Fixture Asia"].endswith("feed, 4 items")
    assert lines["Home"].endswith(f"not a feed: using {base}/feeds/world.rss found on it, 7 items")
    assert (
        lines["Story"].startswith("FAILED")
        and "not a feed: a page that announces no feed" in (lines["Story"])
    )
    assert lines["Gone"].endswith("HTTP 404") and lines["Forbidden"].endswith("HTTP 403")
    assert result.returncode == 1 and "Error: 3 of 6 sources failed to fetch" in result.stderr
    assert "Traceback" not in result.stderr


def test_substituted_feed_named_in_status_and_warned_once(
    site: FixtureSite, site_config: Path
) -> None:
    serve_pages(site)
    add_sources(site_config, site, "Home")
    first = run_crawl(site_config, timeout=120)
    assert first.returncode == 0, first.stderr[-3000:]
    warning = f"source='Home' url={site.base}/home.html is not a feed: using"
    assert first.stderr.count(warning) == 1
    status = CliRunner().invoke(main, ["status", "-c", str(site_config)])
    home = status.output.split("Home", 1)[1]
    assert f"using {site.base}/feeds/world.rss found on {site.base}/home.html" in home
    again = run_crawl(site_config, timeout=120)  # the feed is polled directly now
    assert again.returncode == 0 and warning not in again.stderr
