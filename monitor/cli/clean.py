"""``newshound clean [--json] PATH…|-``: the cleaner on files or stdin.

HTML (also gzipped) or plain text in; the cleaned article on stdout. Plain output is the
headline, a blank line and the text (the headline only once for plain-text input, where
it is already the text's first line). ``--json`` prints one object per input per line:
``{"path", "title", "text", "author", "published", "language"}``. A file that cannot be
read or cleaned is named on stderr and the others are still cleaned; the exit status is
then 1.
"""

from __future__ import annotations

import json
import sys

import click

from monitor.cleaner import CleanedArticle, clean_document
from monitor.cleaner.document import MAX_DOCUMENT_BYTES, DocumentError


@click.command("clean")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, one per line.")
@click.argument("paths", nargs=-1, required=True)
def clean(paths: tuple[str, ...], as_json: bool) -> None:
    """Print the article text of each HTML or text file (``-`` reads stdin).

    Example: newshound clean --json page.html.gz article.txt
    """
    failed, printed = 0, 0
    for path in paths:
        try:
            article = _clean(path)
        except click.ClickException as e:  # say so, and go on with the next file
            click.echo(f"Error: {e.format_message()}", err=True)
            failed += 1
            continue
        if as_json:
            record = {"path": path, **_fields(article)}
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        if printed:
            click.echo()
        click.echo(_plain(article))
        printed += 1
    if failed:
        raise click.ClickException(f"{failed} of {len(paths)} inputs could not be cleaned")


def _clean(path: str) -> CleanedArticle:
    data = _read(path)
    try:
        return clean_document(data)
    except DocumentError as exc:
        raise click.ClickException(f"{path}: {exc}") from None


def _read(path: str) -> bytes:
    """At most one byte past the cleaner's cap is read, so a huge file fails fast."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        with open(path, "rb") as handle:
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read: {exc.strerror or exc}") from None


def _fields(article: CleanedArticle) -> dict[str, str | None]:
    return {
        "title": article.title,
        "text": article.text,
        "author": article.author,
        "published": article.published,
        "language": article.language,
    }


def _plain(article: CleanedArticle) -> str:
    if article.title and not article.text.startswith(article.title):
        return f"{article.title}\n\n{article.text}".rstrip("\n")
    return article.text
