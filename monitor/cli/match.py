"""``newshound match [--config F] PATH|-``: the matcher on one text, JSON out.

Prints one JSON object (DESIGN.md):
``{"terms": {"<term name>": {"count": N, "snippets": ["…"]}}, "rules": ["<rule name>", …]}``;
unmatched terms are absent. The text is matched as the article body; ``--title`` and
``--summary`` give the other fields.

Exit status as grep's: 0 when a term matched, 1 when none did (the JSON is printed all the
same), 2 on an error (a bad config, an unreadable file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from monitor.cli import config_option, open_config
from monitor.matcher import Matcher
from monitor.matcher.matcher import MAX_MATCHED_CHARS

MAX_BYTES = 50 * 1024 * 1024


class MatchError(click.ClickException):
    """An error (a bad config, an unreadable file): exit 2, as grep's, not 1 (no match)."""

    exit_code = 2


@click.command("match")
@config_option()
@click.option("--title", default="", help="The article's headline (matched as the title field).")
@click.option("--summary", default="", help="The article's summary (the summary field).")
@click.argument("path")
def match(config_path: Path | None, title: str, summary: str, path: str) -> None:
    """Match a text file (``-`` reads stdin) against the config's terms and rules.

    Exits 0 when a term matched, 1 when none did, 2 on an error, as grep does.

    Example: newshound clean page.html | newshound match -c newshound.toml -
    """
    try:
        config = open_config(config_path)
        body = _read(path)
    except click.ClickException as e:
        raise MatchError(e.message) from None
    if len(body) > MAX_MATCHED_CHARS:
        click.echo(f"{path}: only the first {MAX_MATCHED_CHARS:,} characters are matched", err=True)
    result = Matcher(config.terms, config.rules).match(title=title, summary=summary, body=body)
    click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    if not result.terms:
        raise SystemExit(1)


def _read(path: str) -> str:
    """The text of ``path`` (UTF-8; undecodable bytes replaced), or of stdin for ``-``."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise click.ClickException(f"{path}: larger than {MAX_BYTES // 2**20} MB")
    return data.decode("utf-8", errors="replace")
