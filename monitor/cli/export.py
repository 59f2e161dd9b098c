"""``newshound export``: the stored matched articles as JSON, CSV or Atom; the sources as
OPML."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli import config_option, open_config
from monitor.config import parse_interval
from monitor.safety import printable
from monitor.store import Store, render_atom

_CSV_FIELDS = [
    "url", "title", "source", "published", "fetched", "updated", "terms", "rules", "snippets",
]  # fmt: skip


def since_option(help_text: str):  # type: ignore[no-untyped-def]
    """``--since 2d``: only what was stored in that long (an interval, as in the config)."""
    return click.option("--since", "since", metavar="INTERVAL", help=help_text)


def since_iso(since: str | None) -> str | None:
    """``"2d"`` -> the ISO 8601 UTC time two days ago; a bad interval is a usage error."""
    if not since:
        return None
    try:
        seconds = parse_interval(since)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--since") from None
    try:
        start = datetime.fromtimestamp(datetime.now(UTC).timestamp() - seconds, UTC)
    except (OverflowError, ValueError, OSError):
        raise click.BadParameter(
            f"{since!r} reaches back before the year 1; leave --since out for everything",
            param_hint="--since",
        ) from None
    return start.isoformat(timespec="seconds")


@click.command("export")
@config_option()
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "atom", "opml"]), default="json",
    show_default=True, help="Output format.",
)  # fmt: skip
@click.option("--term", "terms", multiple=True, help="Only articles matching this term.")
@click.option("--rule", "rules", multiple=True, help="Only articles matching this rule.")
@since_option("Only articles stored within this interval, e.g. 2d or 12h.")
@click.option("--duplicates", is_flag=True, help="Also list near-duplicates (duplicate_of).")
def export(
    config_path: Path | None, fmt: str, terms: tuple[str, ...], rules: tuple[str, ...],
    since: str | None, duplicates: bool,
) -> None:  # fmt: skip
    """Print the stored matched articles (or, with --format opml, the sources).

    Example: newshound export --config newshound.toml --format atom --term Putin
    """
    config = open_config(config_path, secrets=False)
    if fmt == "opml":  # the sources, for a feed reader: no database needed
        from monitor.opml import write_opml

        click.echo(write_opml(config.sources))
        return
    _check_names(terms, {t.name for t in config.terms}, "--term", "term")
    _check_names(rules, {r.name for r in config.rules}, "--rule", "rule")
    if not config.storage.path.exists():
        raise click.ClickException(f"{config.storage.path}: no database yet (run newshound first)")
    store = Store(config.storage.path)
    try:
        rows = list(
            store.matched_articles(
                terms=terms, rules=rules, since=since_iso(since), duplicates=duplicates
            )
        )
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            snippets = " | ".join(m["snippet"] for m in r["matches"])
            row = {**r, "terms": ";".join(r["terms"]), "rules": ";".join(r["rules"]),
                   "snippets": snippets}  # fmt: skip
            # one record a line, whatever a feed put in a title (stored before this was)
            writer.writerow({k: printable(v) if isinstance(v, str) else v for k, v in row.items()})
        click.echo(out.getvalue(), nl=False)
    else:
        wanted = [f"term {t}" for t in terms] + [f"rule {r}" for r in rules]
        title = "newshound: " + (", ".join(wanted) if wanted else "matched articles")
        click.echo(render_atom(rows, title=title))


def _check_names(given: tuple[str, ...], known: set[str], option: str, what: str) -> None:
    for name in given:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none defined"
            raise click.BadParameter(
                f"unknown {what} {name!r} ({what}s: {listed})", param_hint=option
            )
