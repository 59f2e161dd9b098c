"""``newshound add URL``: find a site's feed and add it to the config as a [[sources]] block.

The URL may be a feed, a sitemap or a homepage; a homepage is resolved to the feeds it
announces (``<link rel="alternate">``) or, failing that, the first common feed path that
answers with a feed. The fetching is a ``scrapy crawl discover`` child, so it obeys
robots.txt and the public-address check like every other request newshound makes.

``--opml FILE`` adds every feed of a feed reader's export instead (folders included; URLs
already configured, or listed twice, are skipped), without fetching them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import click

from monitor.cli import config_option, open_config
from monitor.config import Config, ConfigError, parse_config


@click.command("add")
@config_option()
@click.argument("url", required=False)
@click.option("--name", help="Source name (default: the feed's title).")
@click.option("--interval", default="10m", show_default=True, help="Poll interval.")
@click.option("--print", "print_only", is_flag=True, help="Print the block, change nothing.")
@click.option(
    "--opml", type=click.Path(dir_okay=False, path_type=Path),
    help="Add every feed listed in this OPML file (a feed reader's export) instead.",
)  # fmt: skip
def add(
    config_path: Path | None, url: str | None, name: str | None, interval: str,
    print_only: bool, opml: Path | None,
) -> None:  # fmt: skip
    """Find the feed of URL (a homepage, feed or sitemap) and add it as a source.

    Example: newshound add https://example.org/ --config newshound.toml
    """
    config = open_config(config_path)
    if config.path is None and not print_only:
        raise click.ClickException(
            "no config file to add to: give --config FILE (newshound init writes one), or --print"
        )
    if opml is not None:
        if url is not None:
            raise click.UsageError("give a URL or --opml FILE, not both")
        add_opml(config, opml, interval, print_only)
        return
    if url is None:
        raise click.UsageError("missing URL (or --opml FILE)")
    if not url.lower().startswith(("http://", "https://")):
        raise click.BadParameter(f"{url!r}: expected an http:// or https:// URL", param_hint="URL")
    found = discover(url, config.path)
    if not found:
        raise click.ClickException(
            f"no feed or sitemap found at {url}; for an HTML listing page add a source with "
            'kind = "page" and an item selector (see the README)'
        )
    best = found[0]
    for other in found[1:]:
        click.echo(f"also found: {other['url']} ({other.get('title') or other['kind']})", err=True)
    for s in config.sources:
        if s.url == best["url"]:
            raise click.ClickException(f"{best['url']} is already configured as {s.name!r}")
    block = source_block(config, best, name, interval)
    if print_only:
        click.echo(block, nl=False)
        return
    append_blocks(config, [block])
    click.echo(f"added source {best['url']} to {config.path}")


def append_blocks(config: Config, blocks: list[str]) -> None:
    """Append ``[[sources]]`` blocks to the config file, if the result still loads."""
    assert config.path is not None
    text = config.path.read_text(encoding="utf-8")
    text = text + ("" if text.endswith("\n") or not text else "\n") + "\n" + "\n".join(blocks)
    try:
        parse_config(text, file=str(config.path), base=config.path.resolve().parent)
    except ConfigError as e:
        raise click.ClickException(f"not added, the result would not load: {e}") from None
    config.path.write_text(text, encoding="utf-8")


def add_opml(config: Config, path: Path, interval: str, print_only: bool) -> None:
    """Every feed of the OPML file not configured yet, as sources; prints what it did."""
    from monitor.opml import OpmlError, read_opml

    try:
        feeds = read_opml(path.read_bytes(), str(path))
    except OSError as e:
        raise click.ClickException(f"{path}: cannot read: {e.strerror or e}") from None
    except OpmlError as e:
        raise click.ClickException(str(e)) from None
    known = {s.url for s in config.sources}
    taken = {s.name for s in config.sources}
    blocks, skipped, refused = [], 0, []
    for feed in feeds:
        if feed.url in known:
            skipped += 1
            continue
        if not feed.url.lower().startswith(("http://", "https://")):
            refused.append(feed.url)
            continue
        found = {"url": feed.url, "kind": "feed", "title": feed.title}
        blocks.append(source_block(config, found, None, interval, taken))
        known.add(feed.url)
    for url in refused:
        click.echo(f"skipped {url}: not an http:// or https:// URL", err=True)
    if print_only:
        click.echo("\n".join(blocks), nl=False)
    elif blocks:
        append_blocks(config, blocks)
    where = "" if print_only else f" to {config.path}"
    click.echo(
        f"added {len(blocks)} sources from {path}{where}; {skipped} already configured",
        err=print_only,
    )


def discover(url: str, config_path: Path | None) -> list[dict]:
    """What ``scrapy crawl discover`` found at ``url``: ``[{"url", "kind", "title"}, …]``."""
    report, stderr = discovery_crawl(url, config_path)
    if report is None:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise click.ClickException(f"discovery of {url} failed:\n{tail}")
    found: list[dict] = report["found"]
    return found


def discovery_crawl(
    url: str, config_path: Path | None, source: str | None = None
) -> tuple[dict | None, str]:
    """Run ``scrapy crawl discover`` on ``url`` (read as the config's ``source``, if
    given): its report, ``{"found": [...], "failed": {url: error}}`` (None if the crawl
    itself failed), and its log."""
    from monitor.daemon.poll import crawl_env

    with tempfile.TemporaryDirectory(prefix="newshound-add-") as tmp:
        out = Path(tmp) / "found.json"
        cmd = [sys.executable, "-m", "scrapy", "crawl", "discover", "-a", f"url={url}",
               "-a", f"out={out}"]  # fmt: skip
        if config_path is not None:
            cmd += ["-a", f"config={Path(config_path).resolve()}"]
        if source is not None:
            cmd += ["-a", f"source={source}"]
        proc = subprocess.run(
            cmd, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False
        )
        if proc.returncode != 0 or not out.exists():
            return None, proc.stderr
        return json.loads(out.read_text(encoding="utf-8")), proc.stderr


def source_block(
    config: Config, found: dict, name: str | None, interval: str, taken: set[str] | None = None
) -> str:
    """A ``[[sources]]`` TOML block for a found feed or sitemap, with a name not yet used
    (not in the config, nor in ``taken``, to which the name chosen is added)."""
    base = name or found.get("title") or urlsplit(found["url"]).hostname or found["url"]
    taken = {s.name for s in config.sources} if taken is None else taken
    chosen, n = base, 2
    while chosen in taken:
        chosen, n = f"{base} ({n})", n + 1
    taken.add(chosen)
    lines = ["[[sources]]", f"name = {_toml_str(chosen)}", f"url = {_toml_str(found['url'])}"]
    if found["kind"] == "sitemap":
        lines.append('kind = "sitemap"')
    lines.append(f"interval = {_toml_str(interval)}")
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
