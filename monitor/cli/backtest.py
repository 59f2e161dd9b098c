"""``newshound backtest [--config F] [--json]``: current terms and rules over stored articles.

Prints what would match now that did not (``+``), what matched and would not now (``-``),
and what still matches but on other terms or rules (``~``), then a summary line. The
database is opened read-only, so a running daemon is not disturbed.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from monitor.cli import config_option, open_config
from monitor.matcher import Matcher
from monitor.matcher.backtest import BacktestReport, Change, run_backtest
from monitor.store import Store

_MARKS = {"new": "+", "gone": "-", "changed": "~"}


@click.command("backtest")
@config_option()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per changed article.")
def backtest(config_path: Path | None, as_json: bool) -> None:
    """Re-run the config's terms and rules over the stored articles; print what changes.

    Example: newshound backtest -c newshound.toml
    """
    config = open_config(config_path, secrets=False)
    matcher = Matcher(config.terms, config.rules)
    path = config.storage.path
    if not Path(path).is_file():
        raise click.ClickException(f"{path}: no database yet (set [storage] path in the config)")
    store = Store.read_only(path)
    try:
        report = run_backtest(store.db, matcher)  # the matcher's own read of two tables
    except sqlite3.DatabaseError as e:
        raise click.ClickException(f"{path}: cannot read the articles: {e}") from None
    finally:
        store.close()
    for change in report.changes:
        click.echo(_json(change) if as_json else _line(change))
    if not as_json:
        click.echo(_summary(report))


def _line(change: Change) -> str:
    a = change.article
    was = ", ".join(sorted(a.terms | {f"rule {r}" for r in a.rules})) or "nothing"
    now = ", ".join(sorted(change.terms | {f"rule {r}" for r in change.rules})) or "nothing"
    return f'{_MARKS[change.kind]} {a.url} "{a.title}": was {was}; now {now}'


def _json(change: Change) -> str:
    a = change.article
    record = {
        "change": change.kind,
        "id": a.id,
        "url": a.url,
        "title": a.title,
        "terms_before": sorted(a.terms),
        "terms_now": sorted(change.terms),
        "rules_before": sorted(a.rules),
        "rules_now": sorted(change.rules),
        "text_stored": a.text is not None,
    }
    return json.dumps(record, ensure_ascii=False)


def _summary(report: BacktestReport) -> str:
    partial = (
        f" ({report.without_text} without stored text: title and summary only)"
        if report.without_text
        else ""
    )
    return (
        f"{report.checked} articles checked{partial}: {report.count('new')} would match now, "
        f"{report.count('gone')} would no longer match, {report.count('changed')} changed terms "
        "or rules"
    )
