"""``newshound worker``: a crawl worker of a cluster (monitor/daemon/worker.py)."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import config_option, open_config


@click.command()
@config_option()
@click.option("--concurrency", type=click.IntRange(1, 10_000), default=16, show_default=True,
              help="Sources polled at once by this worker.")  # fmt: skip
@click.option("--name", help="Its name in Redis and `status` (default: host:pid).")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def worker(config_path: Path | None, concurrency: int, name: str | None, log_level: str) -> None:
    """Crawl for a cluster: take poll jobs from Redis, fetch, clean and match, and send
    what was found to the one `newshound run`, which stores it. Needs `[cluster]` in the
    config; run any number, on any machines, with the same config file. No database is
    opened. SIGTERM stops it; a poll it had not finished goes to another worker.

    Example: newshound worker --config newshound.toml --concurrency 32
    """
    from monitor.daemon.worker import run_worker

    config = open_config(config_path, secrets=False)  # alert secrets stay with `run`
    where = config.path or "the built-in config"
    if config.cluster is None:
        raise click.ClickException(
            f'{where}: no [cluster] table; a worker needs [cluster] redis = "redis://host:6379/0"'
        )
    unset = [u for u in config.unresolved if u.startswith("cluster.")]
    if unset:
        raise click.ClickException(f"{where}: {unset[0]}: environment variable is not set")
    from scraper.cluster.keys import ClusterError, check_redis

    try:
        check_redis(config.cluster.redis)
    except ClusterError as e:
        raise click.ClickException(str(e)) from None
    raise SystemExit(run_worker(config, concurrency=concurrency, name=name, log_level=log_level))
