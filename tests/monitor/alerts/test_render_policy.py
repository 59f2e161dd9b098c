"""Rendering (one-line titles, safe links) and policy (backoff, digests, quiet hours)."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.alerts.policy import RETRY_CAP, digest_fire_time, in_quiet_hours, retry_delay
from monitor.alerts.render import flatten_line, safe_url
from monitor.alerts.webhook import secret_key, sign
from monitor.config import ChannelConfig


@given(st.text())
def test_flatten_line_never_leaves_a_line_break(text: str) -> None:
    flat = flatten_line(text, 10_000)
    assert not any(c in flat for c in "\r\n\t\x0b\x0c\x85\u2028\u2029\x00")
    assert flat == flat.strip()


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://news.example/a?b=1", True),
        ("http://news.example/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<b>", False),
        ("https://news.example/a\nb", False),
        ("//news.example/a", False),
    ],
    ids=["https", "http", "javascript", "data", "newline", "scheme-relative"],
)
def test_only_http_links(url: str, safe: bool) -> None:
    assert (safe_url(url) is not None) is safe


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    delays = [retry_delay(n, rng=rng) for n in range(1, 16)]
    assert 22 <= delays[0] <= 38 and 45 <= delays[1] <= 75
    assert max(delays) <= RETRY_CAP * 1.25 and delays[-1] >= RETRY_CAP * 0.75
    assert retry_delay(1, retry_after=600, rng=rng) >= 600


def test_digest_fire_times_for_intervals_and_cron() -> None:
    hourly = ChannelConfig(name="d", type="console", digest="1h")
    assert digest_fire_time(hourly, 7200.0) == 10800.0
    assert digest_fire_time(hourly, 7199.0) == 7200.0
    cron = ChannelConfig(name="d", type="console", digest="30 8 * * *")
    after = datetime(2025, 3, 1, 9, 0).astimezone().timestamp()
    fire = datetime.fromtimestamp(digest_fire_time(cron, after))
    assert (fire.day, fire.hour, fire.minute) == (2, 8, 30)


def test_quiet_hours_across_midnight() -> None:
    channel = ChannelConfig(name="q", type="console", quiet_hours="22:00-07:00")
    night = datetime(2025, 3, 1, 23, 30).astimezone().timestamp()
    day = datetime(2025, 3, 1, 12, 0).astimezone().timestamp()
    assert in_quiet_hours(channel, day) is None
    end = in_quiet_hours(channel, night)
    assert end is not None and datetime.fromtimestamp(end).hour == 7


def test_standard_webhooks_signature_vector() -> None:
    # the example from the Standard Webhooks specification
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert secret_key(secret) == __import__("base64").b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
