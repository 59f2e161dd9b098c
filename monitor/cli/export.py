"""``newshound export``: the stored matched articles as JSON, CSV or Atom."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from monitor.cli import config_option, open_config
from monitor.store import open_database
from monitor.store.articles import iter_matched_articles

_CSV_FIELDS = ["url", "title", "source", "published", "fetched", "terms", "rules", "snippets"]


@click.command("export")
@config_option()
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "atom"]), default="json",
    show_default=True, help="Output format.",
)  # fmt: skip
@click.option("--term", "terms", multiple=True, help="Only articles matching this term.")
@click.option("--rule", "rules", multiple=True, help="Only articles matching this rule.")
def export(
    config_path: Path | None, fmt: str, terms: tuple[str, ...], rules: tuple[str, ...]
) -> None:
    """Print the stored matched articles.

    Example: newshound export --config newshound.toml --format json
    """
    config = open_config(config_path)
    if not config.storage.path.exists():
        raise click.ClickException(f"{config.storage.path}: no database yet (run newshound first)")
    db = open_database(config.storage.path)
    try:
        rows = [
            r for r in iter_matched_articles(db)
            if (not terms or set(terms) & set(r["terms"]))
            and (not rules or set(rules) & set(r["rules"]))
        ]  # fmt: skip
    finally:
        db.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            snippets = " | ".join(m["snippet"] for m in r["matches"])
            writer.writerow(
                {**r, "terms": ";".join(r["terms"]), "rules": ";".join(r["rules"]),
                 "snippets": snippets}
            )  # fmt: skip
        click.echo(out.getvalue(), nl=False)
    else:
        from monitor.store.atom import render_atom

        click.echo(render_atom(rows, title="newshound: matched articles"))
