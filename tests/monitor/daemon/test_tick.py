"""A source interval shorter than [daemon] tick is honoured: the tick adapts to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitor.fixture_site import FixtureSite
from tests.monitor.daemon.conftest import DaemonProcess, write_config


def test_interval_shorter_than_the_tick_is_not_stretched(
    site: FixtureSite, tmp_path: Path, start_daemon: Callable[..., DaemonProcess]
) -> None:
    # A one-minute tick, the default; the sources ask for every 2 seconds.
    config = write_config(site, tmp_path, interval="2s", tick="60s")
    daemon = start_daemon("--config", str(config))
    [started] = daemon.wait_for(lambda: daemon.named("daemon_started"), 30, "the start")
    assert started["tick"] == 2
    # Three polls of one source well inside the minute a 60 s tick would take for the second.
    daemon.wait_for(
        lambda: len(daemon.named("source_polled", source="Fixture World")) >= 3, 45,
        "three polls of Fixture World",
    )  # fmt: skip
    assert daemon.stop() == 0
