"""``newshound search QUERY``: full-text search over the stored articles (FTS5)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from monitor.cli import config_option, json_option, open_config
from monitor.cli.export import since_iso, since_option
from monitor.store import SearchError, Store

MAX_LIMIT = 1_000_000  # SQLite takes a 64-bit LIMIT; a larger one was a traceback


def _check_limit(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if not 1 <= value <= MAX_LIMIT:
        raise click.BadParameter(f"{value} is not between 1 and {MAX_LIMIT:,}")
    return value


@click.command("search")
@config_option()
@json_option
@click.argument("query")
@click.option("--term", "terms", multiple=True, help="Only articles that matched this term.")
@since_option("Only articles stored within this interval, e.g. 2d or 12h.")
@click.option(
    "--limit", default=20, show_default=True, callback=_check_limit,
    help="At most this many results.",
)  # fmt: skip
def search(
    config_path: Path | None, as_json: bool, query: str, terms: tuple[str, ...],
    since: str | None, limit: int,
) -> None:  # fmt: skip
    """Search stored titles and texts; hits are marked «like this».

    Words are stemmed (sanction finds sanctions); use "quoted phrases", OR, NOT, prefix*.
    Without store_all, unmatched articles are searched by title only.

    Example: newshound search '"development bank" OR sanctions' --since 7d
    """
    config = open_config(config_path, secrets=False)
    if not config.storage.path.exists():
        raise click.ClickException(f"{config.storage.path}: no database yet (run newshound first)")
    store = Store(config.storage.path)
    try:
        store.rebuild_search_index()
        hits = store.search(query, terms=terms, since=since_iso(since), limit=limit)
    except SearchError as e:
        raise click.ClickException(str(e)) from None
    finally:
        store.close()
    if as_json:
        for hit in hits:
            click.echo(json.dumps(asdict(hit), ensure_ascii=False))
        return
    if not hits:
        click.echo(f"no stored article matches {query!r}", err=True)
    for hit in hits:
        terms_note = f"  [{', '.join(hit.terms)}]" if hit.terms else ""
        click.echo(f"{hit.title_marked}{terms_note}")
        click.echo(f"  {hit.source} · {hit.published or hit.fetched} · {hit.url}")
        if hit.snippet:
            click.echo(f"  {hit.snippet}")
        click.echo()
