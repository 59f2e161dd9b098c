"""``newshound status``: each source's and channel's health, from the daemon's database;
with ``[cluster]``, the crawl workers and the queues between them and ``run``, from Redis."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from monitor.cli import config_option, json_option, open_config
from monitor.config import ClusterConfig, Config
from monitor.safety import redact_urls
from monitor.store import ChannelHealth

if TYPE_CHECKING:
    from scraper.cluster.report import ClusterReport


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
@click.option("--channels", "only_channels", is_flag=True,
              help="Only the alert channels (with --json: a list of channels).")  # fmt: skip
@click.option("--cluster", "only_cluster", is_flag=True,
              help="Only the [cluster]'s workers and queues (with --json: an object).")  # fmt: skip
def status(
    config_path: Path | None, as_json: bool, only_channels: bool, only_cluster: bool
) -> None:
    """Show each source (state, last success, last error, next poll, items seen) and each
    alert channel (last success, failures in a row, pending, disabled); with [cluster],
    each crawl worker (last seen, polls in flight) and the queues (poll jobs waiting,
    outcomes waiting).

    Exits 1 when any source or channel is failing or paused, Redis does not answer, or
    poll jobs wait with no worker alive, so it can drive a monitoring check.

    Example: newshound status --config newshound.toml --json
    """
    from monitor.store import FAILING_STATES, Store, store_problem

    config = open_config(config_path, secrets=False)
    if only_cluster:
        if config.cluster is None:
            raise click.ClickException("no [cluster] in the config: one process crawls")
        if _cluster_status(config, as_json):
            raise SystemExit(1)
        return
    if not config.storage.path.exists():
        raise click.ClickException(
            f"no database at {config.storage.path}: run `newshound run` first"
        )
    store = Store(config.storage.path)
    try:
        sources = store.describe_sources(config.sources)
        channels = store.channel_health(config.channels)
        held = store.held_back_counts(config)
        feeds = store.substituted_feeds()
    finally:
        store.close()
    for s in sources:
        s["held_back"], s["using"] = held.get(s["name"], 0), feeds.get(s["name"])
    now = time.time()
    if as_json:  # a list of sources, or with --channels a list of channels
        doc = [c.to_json() for c in channels] if only_channels else sources
        click.echo(redact_urls(json.dumps(doc, ensure_ascii=False, indent=1)))
    else:
        for s in [] if only_channels else sources:
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
            if s["using"]:
                line += f"\n          using {s['using']} found on {s['url']}"
            if s["held_back"]:
                line += (
                    f"\n          {s['held_back']} matched articles not alerted: "
                    "older than max_age when found"
                )
            if s["moved_to"]:
                line += f"\n          moved permanently to {s['moved_to']}: set its url to it"
            if s["last_error"]:
                line += f"\n          error: {s['last_error']} ({s['failures']} in a row)"
            click.echo(redact_urls(line))
        for c in channels:
            click.echo(redact_urls(_channel_line(c, now)))
    cluster_failing = False
    if config.cluster is not None and not as_json:
        cluster_failing = _cluster_status(config, as_json=False)
    problem = store_problem(config.storage.path)  # a full disk: the crawl keeps nothing
    if problem:
        click.echo(f"failing   {problem}", err=as_json)
    failing = [s["name"] for s in sources if s["state"] in FAILING_STATES]
    dead = [c.name for c in channels if c.enabled and c.failing]
    if failing or dead or problem or cluster_failing:
        if not as_json:
            if failing:
                click.echo(f"{len(failing)} of {len(sources)} sources failing", err=True)
            if dead:
                click.echo(f"{len(dead)} of {len(channels)} channels failing", err=True)
        raise SystemExit(1)


def _channel_line(c: ChannelHealth, now: float) -> str:
    line = (
        f"{c.state:<9} channel {c.name}  last success {_ago(c.last_success, now)}, "
        f"{c.failures} failure{'' if c.failures == 1 else 's'} in a row, "
        f"{c.pending} pending, {c.failed} failed"
    )
    if c.disabled:
        line += f"\n          disabled: {c.disabled}; newshound alerts --enable {c.name}"
    elif c.last_error:
        line += f"\n          error: {c.last_error}"
    return line


def _cluster_status(config: Config, as_json: bool) -> bool:
    """Print the cluster's workers and queues; True when it is failing: Redis does not
    answer (or its password is unset), or poll jobs wait and no worker is alive."""
    import redis

    from scraper.cluster.report import cluster_report

    cluster = config.cluster
    assert cluster is not None
    where = _redis_place(cluster)
    unset = [u.split(": ")[1] for u in config.unresolved if u.startswith("cluster.")]
    problem = f"environment variable {unset[0]} is not set" if unset else None
    if problem is None:
        try:
            report = cluster_report(cluster)
        except (redis.RedisError, OSError) as e:
            problem = str(e)
    if problem is not None:
        click.echo(redact_urls(f"failing   cluster: Redis at {where}: {problem}"), err=as_json)
        return True
    if as_json:
        click.echo(json.dumps(report.to_json(time.time()) | {"redis": where}, indent=1))
    else:
        for line in _cluster_lines(report, where, time.time()):
            click.echo(redact_urls(line))
    return report.stalled


def _cluster_lines(report: ClusterReport, where: str, now: float) -> list[str]:
    alive = report.alive(now)
    state = "failing" if report.stalled else "ok"
    lines = [
        f"{state:<9} cluster at {where}  {len(alive)} workers, "
        f"{report.polls_waiting} poll jobs waiting, {report.polls_claimed} being polled, "
        f"{report.outcomes_waiting} outcomes waiting for the writer"
    ]
    if report.stalled:
        lines.append("          no worker alive: start `newshound worker` (docs/scaling.md)")
    for w in report.workers:
        limit = f" of {w.concurrency}" if w.concurrency else ""
        line = (
            f"{'ok' if w in alive else 'silent':<9} worker {w.name}  last seen "
            f"{_ago(w.seen, now)}, {w.in_flight}{limit} polls in flight"
        )
        if w not in alive:
            line += "\n          stopped or stuck: another worker takes its polls in time"
        lines.append(line)
    return lines


def _redis_place(cluster: ClusterConfig) -> str:
    """``host:port/db`` of the cluster's Redis: no scheme, user or password."""
    parts = urlsplit(cluster.redis)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"
