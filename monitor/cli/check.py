"""``newshound check``: validate the config and every source and webhook address."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import config_option, open_config
from monitor.config import Config
from monitor.netcheck import AddressRefused, check_url
from monitor.safety import expat_warning, redact_url
from monitor.store import database_problem


def find_problems(config: Config) -> list[str]:
    """Safety-contract problems: sources or webhooks that resolve to non-public hosts."""
    if config.network.allow_private_addresses:
        return []
    problems = []
    targets: list[tuple[str, str, str | None]] = [("source", s.name, s.url) for s in config.sources]
    targets += [("channel", c.name, c.url) for c in config.channels if c.type == "webhook"]
    for kind, name, url in targets:
        try:
            check_url(url or "")
        except AddressRefused as e:
            problems.append(
                f'{kind} "{name}" ({redact_url(url or "")}): refused, {e}; '
                "set [network] allow_private_addresses = true to allow it"
            )
    return problems


@click.command("check")
@config_option()
@click.option("--fetch", is_flag=True, help="Also fetch each source once and say what it is.")
def check(config_path: Path | None, fetch: bool) -> None:
    """Validate the config: keys, intervals, rules, source/webhook addresses, and that the
    database can live at its path (a writable folder; a SQLite file or none yet).

    Exits non-zero with the reason on a bad config. With --fetch, each source is also
    fetched once (robots.txt and the address rules apply; the database is not touched)
    and reported: a feed and its items, a sitemap and its entries, a listing page and the
    items its selectors find, a page whose feed is read instead, or the error.

    Example: newshound check --config newshound.toml
    """
    config = open_config(config_path)
    if warning := expat_warning():
        click.echo(f"warning: {warning}", err=True)
    problems = find_problems(config)
    if problem := database_problem(config.storage.path):
        problems.append(problem)
    if problems:
        raise click.ClickException("\n".join(problems))
    click.echo(
        f"ok: {len(config.sources)} sources, {len(config.terms)} terms, "
        f"{len(config.rules)} rules, {len(config.channels)} channels; "
        f"database {config.storage.path}"
    )
    if fetch:
        _fetch(config)


def _fetch(config: Config) -> None:
    from monitor.cli.source_check import fetch_sources

    reports = fetch_sources(config)
    for report in reports:
        click.echo(report.line)
    failed = sum(not r.ok for r in reports)
    if failed:
        raise click.ClickException(f"{failed} of {len(reports)} sources failed to fetch")
