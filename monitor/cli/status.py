"""``newshound status``: each source's health, from the daemon's database."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from monitor.cli import config_option, json_option, open_config


def _ago(ts: float | None, now: float) -> str:
    if ts is None:
        return "never"
    return _span(now - ts) + " ago"


def _span(seconds: float) -> str:
    s = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s / size:.0f}{unit}"
    return f"{s:.0f}s"


@click.command("status")
@config_option()
@json_option
def status(config_path: Path | None, as_json: bool) -> None:
    """Show each source: state, last success, last error, next poll, items seen.

    Exits 1 when any source is failing or paused, so it can drive a monitoring check.

    Example: newshound status --config newshound.toml --json
    """
    from monitor.store import open_database
    from monitor.store.sources import FAILING_STATES, describe_sources
    from monitor.store.store import store_problem

    config = open_config(config_path)
    if not config.storage.path.exists():
        raise click.ClickException(
            f"no database at {config.storage.path}: run `newshound run` first"
        )
    db = open_database(config.storage.path)
    try:
        sources = describe_sources(db, config.sources)
    finally:
        db.close()
    now = time.time()
    if as_json:
        click.echo(json.dumps(sources, ensure_ascii=False, indent=1))
    else:
        for s in sources:
            if s["next_poll"] is None:
                upcoming = "-"
            elif s["next_poll"] <= now:
                upcoming = "due"
            else:
                upcoming = "in " + _span(s["next_poll"] - now)
            line = (
                f"{s['state']:<9} {s['name']}  last success {_ago(s['last_success'], now)}, "
                f"next poll {upcoming}, {s['items_seen']} items seen"
            )
            if s["moved_to"]:
                line += f"\n          moved permanently to {s['moved_to']}: set its url to it"
            if s["last_error"]:
                line += f"\n          error: {s['last_error']} ({s['failures']} in a row)"
            click.echo(line)
    problem = store_problem(config.storage.path)  # a full disk: the crawl keeps nothing
    if problem:
        click.echo(f"failing   {problem}", err=as_json)
    failing = [s["name"] for s in sources if s["state"] in FAILING_STATES]
    if failing or problem:
        if failing and not as_json:
            click.echo(f"{len(failing)} of {len(sources)} sources failing", err=True)
        raise SystemExit(1)
