"""``newshound run``: the daemon (monitor/daemon/scheduler.py) in the foreground."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli import config_option, open_config
from monitor.config import parse_interval
from monitor.store import database_problem

if TYPE_CHECKING:
    from monitor.daemon.scheduler import Daemon


@click.command()
@config_option()
@click.option("--once", is_flag=True, help="Run one poll and delivery cycle, then exit.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per event: key=value text, or JSON.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="debug also logs every unchanged poll.",
)
# Documented in docs/performance.md; hidden only until the README's generated --help
# (cog) is regenerated, which this branch may not do (the README is being moved).
@click.option(
    "--deliver-limit",
    default="10m",
    show_default=True,
    metavar="INTERVAL",
    hidden=True,
    help="With --once: keep delivering the alerts that are due for at most this long "
    "(30s, 10m, 2h) before exiting; what is left stays queued for the next run.",
)
# systemd's notify protocol: read here, at the edge, and handed down.
@click.option("--notify-socket", envvar="NOTIFY_SOCKET", hidden=True)
@click.option("--watchdog-usec", envvar="WATCHDOG_USEC", type=int, hidden=True)
# systemd's StateDirectory=: where the database belongs when the config's path cannot be.
@click.option("--state-directory", envvar="STATE_DIRECTORY", hidden=True)
def run(
    config_path: Path | None, once: bool, log_format: str, log_level: str, deliver_limit: str,
    notify_socket: str | None, watchdog_usec: int | None, state_directory: str | None,
) -> None:  # fmt: skip
    """Poll the sources, store and match new articles, deliver alerts, until stopped.

    Without a config file it runs the built-in default (public world-news feeds, four
    watch terms, a console channel). SIGTERM or Ctrl-C stops it cleanly.

    Example: newshound run --config newshound.toml --log-format json
    """
    from monitor.daemon.logs import setup_logging
    from monitor.daemon.notify import Notifier
    from monitor.daemon.scheduler import Daemon
    from monitor.safety import install_secret_filter
    from monitor.store import LockHeld
    from scraper.cluster.keys import ClusterError

    try:
        limit = parse_interval(deliver_limit)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--deliver-limit") from None
    config = open_config(config_path)
    if problem := database_problem(config.storage.path):
        if state_directory:
            state = Path(state_directory.split(":")[0]) / "newshound.db"
            problem += f'; set [storage] path = "{state}" (systemd StateDirectory)'
        raise click.ClickException(problem)
    if config.path is not None:  # the crawl children may run from another folder
        from dataclasses import replace

        config = replace(config, path=config.path.resolve())
    setup_logging(log_format, log_level)
    install_secret_filter(config)
    notifier = Notifier(notify_socket, watchdog_usec)
    daemon = Daemon(config, once=once, notifier=notifier)
    if config.cluster is not None and config.metrics.listen:  # /metrics: workers, queues
        from scraper.cluster.report import watch_cluster

        watch_cluster(config.cluster, daemon.metrics)
    try:
        code = asyncio.run(_run(daemon, limit))
    except LockHeld as e:
        raise click.ClickException(str(e)) from None
    except ClusterError as e:  # [cluster]: Redis cannot be used
        raise click.ClickException(str(e)) from None
    except sqlite3.DatabaseError as e:  # a damaged file, a full disk: one line, no traceback
        raise click.ClickException(f"database {config.storage.path}: {e}") from None
    finally:
        notifier.close()
    raise SystemExit(code)


async def _run(daemon: Daemon, deliver_limit: float) -> int:
    """The daemon; after a ``--once`` cycle, the rest of the outbox, up to the limit."""
    code = await daemon.run()
    if not daemon.once or code != 0 or daemon.stopping:
        return code
    from monitor.daemon.deliver import drain_outbox
    from monitor.daemon.logs import log_event

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):  # stop between two alerts; none is lost
        loop.add_signal_handler(sig, task.cancel)
    log = logging.getLogger("newshound.daemon")
    try:
        report = await drain_outbox(daemon.config, daemon.config.storage.path, limit=deliver_limit)
    except asyncio.CancelledError:
        log_event(log, "drain_stopped", logging.WARNING)
        return 0
    if report.sent or report.failed or report.retrying:
        log_event(log, "drained", sent=report.sent, retrying=report.retrying,
                  failed=report.failed, held=report.held)  # fmt: skip
    return code
