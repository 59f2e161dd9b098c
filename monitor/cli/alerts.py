"""`newshound alerts`: the outbox — what waits, what failed, what went out — retrying it,
and a test alert through one channel.

Example: newshound alerts --failed; newshound alerts --retry all; newshound alerts --test desk
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from monitor.cli import config_option, json_option, open_config
from monitor.cli.export import since_option
from monitor.config import Config, parse_interval

__all__ = ["alerts"]


@click.command()
@config_option()
@click.option("--pending", "show", flag_value="pending", help="Only alerts waiting to be sent.")
@click.option("--failed", "show", flag_value="failed", help="Only alerts that failed.")
@click.option("--retry", metavar="ID|all", help="Send a failed alert (or all of them) again.")
@click.option("--enable", metavar="CHANNEL", help="Turn a channel disabled by HTTP 410 back on.")
@click.option("--deliver", is_flag=True, help="Deliver what is due now, once, and report.")
@click.option(
    "--test", "test_channel", metavar="CHANNEL", help="Send a sample alert through CHANNEL now."
)
@click.option("--sent", "show", flag_value="sent", help="Alerts that went out (see --since).")
@since_option("With --sent: only what was sent within this interval, e.g. 1d (default 1d).")
@json_option
def alerts(
    config_path: Path | None, show: str | None, retry: str | None, enable: str | None,
    deliver: bool, test_channel: str | None, since: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Show the alert outbox: pending and failed alerts per channel, and why; what was
    sent (--sent); or send a sample alert through a channel now (--test, exit 1 on error).

    Example: newshound alerts --test desk --config newshound.toml
    """
    from monitor.store import Store

    config = open_config(
        config_path, secrets=deliver or retry is not None or test_channel is not None
    )
    if test_channel is not None:
        _send_test(config, test_channel)
        return
    if deliver:
        from monitor.daemon.deliver import deliver_due
        from monitor.daemon.logs import setup_logging

        setup_logging("text", "critical")  # the report below says what the log would
        report = asyncio.run(deliver_due(config, config.storage.path))
        for name, c in report.channels.items():
            click.echo(
                f"{name}: {c.sent} sent, {c.retrying} retrying, {c.failed} failed, {c.held} waiting"
            )
        for error in report.errors:
            click.echo(f"  {error}", err=True)
        return
    store = Store(config.storage.path)
    try:
        if retry is not None:
            ids = None if retry == "all" else _ids(retry)
            click.echo(f"{store.outbox.retry_alerts(ids)} alerts due again")
            return
        if enable is not None:
            if enable not in {c.name for c in config.channels}:
                raise click.ClickException(f"no channel named {enable!r} in the config")
            done = store.outbox.enable_channel(enable)
            click.echo(f"channel {enable!r} " + ("enabled" if done else "was not disabled"))
            return
        if show == "sent":
            _show_sent(store.sent_alerts(time.time() - _seconds(since or "1d")), as_json)
            return
        states = {"pending": ["pending", "sending"], "failed": ["failed"]}.get(
            show or "", ["pending", "sending", "failed"]
        )
        rows = store.outbox.list_alerts(states)
        channel_states = store.outbox.channel_states()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    configured = {c.name for c in config.channels}
    for name, state in sorted(channel_states.items()):
        if state.disabled:
            click.echo(f"channel {name!r} is disabled: {state.disabled}")
    if not rows:
        click.echo("no " + ("pending or failed" if show is None else show) + " alerts")
    for r in rows:
        click.echo(_line(r, configured))


def _ids(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected an alert id, ids like 3,4, or all") from None


def _title(r: dict[str, Any]) -> str:
    """An outbox row's article on one line: its title, else its URL, else the event id."""
    from monitor.alerts.render import flatten_line

    return flatten_line(r["title"] or r["url"] or r["event_id"], 80)


def _line(r: dict[str, Any], configured: set[str]) -> str:
    line = f"#{r['id']} {r['state']:<7} {r['channel']}: {_title(r)}"
    if r["attempts"]:
        line += f" ({r['attempts']} attempts)"
    if r["state"] == "pending" and r["next_attempt"] and r["attempts"]:
        line += f", next at {datetime.fromtimestamp(r['next_attempt']):%Y-%m-%d %H:%M:%S}"
    if r["channel"] not in configured:
        line += " [channel not in the config]"
    if r["last_error"]:
        line += f"\n    {r['last_error']}"
    return line


def _seconds(since: str) -> float:
    try:
        return parse_interval(since)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--since") from None


def _show_sent(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no alerts sent in that time")
    for r in rows:
        click.echo(f"#{r['id']} {datetime.fromtimestamp(r['sent_at']):%Y-%m-%d %H:%M:%S} "
                   f"{r['channel']}: {_title(r)}")  # fmt: skip


def _send_test(config: Config, name: str) -> None:
    """A sample alert through channel ``name`` now; exit 1 with the channel's error."""
    from monitor.alerts.sample import send_test_alert

    channel = next((c for c in config.channels if c.name == name), None)
    if channel is None:
        known = ", ".join(c.name for c in config.channels) or "none configured"
        raise click.ClickException(f"no channel named {name!r} in the config (channels: {known})")
    error = asyncio.run(send_test_alert(channel, config.network))
    if error is not None:
        raise click.ClickException(error)
    click.echo(f"channel {name!r}: test alert sent")
