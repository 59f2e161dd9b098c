"""The poll schedule after a success or a failure (monitor/store/backoff.py)."""

from __future__ import annotations

import random

import pytest

from monitor.store.backoff import (
    classify_failure,
    next_delay,
    parse_retry_after,
    retry_delay,
    should_pause,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(None, "transient"), (500, "transient"), (503, "transient"), (403, "transient"),
     (404, "gone"), (410, "gone"), (429, "throttled"), (200, "not_feed")],
    ids=["timeout-or-dns", "500", "503", "403", "404", "410", "429", "200-not-a-feed"],
)  # fmt: skip
def test_failures_are_classified_by_status(status: int | None, kind: str) -> None:
    assert classify_failure(status, "x") == kind


def test_success_waits_the_interval_plus_at_most_ten_percent_jitter() -> None:
    rng = random.Random(1)
    delays = [next_delay(600, rng) for _ in range(200)]
    assert all(600 <= d <= 660 for d in delays) and len(set(delays)) > 100


def test_transient_failures_back_off_exponentially_up_to_a_cap() -> None:
    rng = random.Random(2)
    delays = [retry_delay(600, n, "transient", rng=rng) for n in range(1, 9)]
    assert [round(d / 600) for d in delays[:4]] == [1, 2, 4, 8]
    assert all(a < b for a, b in zip(delays[:5], delays[1:6], strict=True))
    assert max(delays) <= 6 * 3600 * 1.1 + 60


def test_retry_after_is_honoured_but_never_sooner_than_the_interval() -> None:
    assert 120 <= retry_delay(60, 1, "throttled", retry_after=120) <= 132
    assert 60 <= retry_delay(60, 1, "throttled", retry_after=5) <= 66


@pytest.mark.parametrize(
    ("kind", "failures", "paused"),
    [("gone", 4, False), ("gone", 5, True), ("not_feed", 5, True), ("transient", 50, False),
     ("throttled", 50, False)],
)  # fmt: skip
def test_only_gone_or_not_a_feed_sources_are_paused(kind: str, failures: int, paused: bool) -> None:
    assert should_pause(kind, failures, 5) is paused


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(b"Thu, 01 Jan 2026 00:10:00 GMT", now) == 600
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
