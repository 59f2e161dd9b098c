"""``newshound demo``: the whole pipeline offline, on the bundled fixture site."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite
from monitor.store import Store

SITE = Path(__file__).resolve().parent.parent / "demo" / "site"  # package data: in the wheel too


@click.command("demo")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the demo database in this folder instead of a temporary one.")  # fmt: skip
def demo(keep: Path | None) -> None:
    """Serve the fixture news site on 127.0.0.1, crawl it, print what matched.

    Example: newshound demo
    """
    if not (SITE / "newshound.toml").exists():
        raise click.ClickException(f"{SITE}: the demo site is missing from this installation")
    with tempfile.TemporaryDirectory(prefix="newshound-demo-") as tmp, FixtureSite(SITE) as site:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "newshound.toml"
        text = (SITE / "newshound.toml").read_text(encoding="utf-8").replace("{BASE}", site.base)
        config.write_text(text, encoding="utf-8")
        click.echo(f"serving {SITE} at {site.base}; crawling into {folder / 'demo.db'}", err=True)
        result = run_crawl(config, timeout=120)
        if result.returncode != 0:
            raise click.ClickException("crawl failed:\n" + result.stderr[-3000:])
        store = Store(folder / "demo.db")
        try:
            rows = list(store.matched_articles())
            seen = store.count_articles()
        finally:
            store.close()
    for row in rows:
        click.echo(f"\n{row['title']}\n  {row['url']}")
        click.echo(f"  terms: {', '.join(row['terms'])}" + (
            f"; rules: {', '.join(row['rules'])}" if row["rules"] else ""))  # fmt: skip
        for m in row["matches"]:
            click.echo(f"  {m['term']}: {m['snippet']}")
    click.echo(f"\n{len(rows)} of {seen} articles matched.", err=True)
