"""The ``newshound`` command: one click group, one module per command.

Commands are imported when they run, so ``newshound clean`` does not pay for Scrapy.
Shared options (``config_option``, ``json_option``) are defined here once.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from monitor.config import Config, ConfigError, default_config, load_config

__all__ = ["main", "config_option", "json_option", "open_config"]

_DATABASE = "newshound.database"  # click context meta: the database of the loaded config

# name -> "module:function"; the order is the order of `newshound --help`.
COMMANDS = {
    "run": "monitor.cli.run:run",
    "worker": "monitor.cli.worker:worker",
    "demo": "monitor.cli.demo:demo",
    "init": "monitor.cli.init:init",
    "check": "monitor.cli.check:check",
    "status": "monitor.cli.status:status",
    "clean": "monitor.cli.clean:clean",
    "match": "monitor.cli.match:match",
    "backtest": "monitor.cli.backtest:backtest",
    "search": "monitor.cli.search:search",
    "export": "monitor.cli.export:export",
    "alerts": "monitor.cli.alerts:alerts",
    "add": "monitor.cli.add:add",
    "serve": "monitor.cli.serve:serve",
}


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a database that SQLite cannot use is a one-line error."""
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as e:
            where = ctx.meta.get(_DATABASE, "the database")
            if isinstance(e, sqlite3.OperationalError):  # locked, read-only, disk full…
                raise click.ClickException(f"{where}: {e}") from None
            raise click.ClickException(
                f"{where}: {e}: damaged, or not a newshound database; restore it from a "
                "backup, or move it away to start a new one"
            ) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _module_exists(COMMANDS[name])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _module_exists(target):
            return None
        module, func = target.split(":")
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def _module_exists(target: str) -> bool:
    module = target.split(":")[0]
    return (Path(__file__).parent / (module.rsplit(".", 1)[1] + ".py")).exists()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newshound")
def main() -> None:
    """newshound: watch news sources, alert once on what you follow.

    Example: newshound demo
    """


def config_option(required: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--config/-c FILE``: the TOML config (default: ./newshound.toml if present)."""
    return click.option(
        "--config",
        "-c",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        help="Config file (TOML). Default: ./newshound.toml if present, else the built-in one.",
    )


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def open_config(path: Path | None, *, secrets: bool = True) -> Config:
    """Load the config for a command, turning ConfigError into a one-line CLI error.

    ``secrets=False`` for commands that send nothing (status, search, export, listing
    alerts, backtest): channel secrets need not be set for them.
    """
    try:
        if path is not None:
            config = load_config(path, secrets=secrets)
        elif Path("newshound.toml").exists():
            config = load_config(Path("newshound.toml"), secrets=secrets)
        else:
            config = default_config()
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # named in a database error (LazyGroup.invoke)
        ctx.meta[_DATABASE] = config.storage.path
    return config
