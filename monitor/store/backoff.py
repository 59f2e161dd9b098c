"""When to poll a source next: the interval plus jitter, or a graded backoff after a failure.

Pure functions, beside the rows they govern: ``monitor.store.sources`` calls them when a
poll's outcome is recorded (by the crawl's writer), so ``scrapy crawl feeds`` and the
daemon schedule alike. The classes of failure:

- ``transient``  timeouts, DNS and connection errors, 5xx, other 4xx: exponential backoff
  from the source's interval (1×, 2×, 4×, … capped at six hours or the interval).
- ``throttled``  429: Retry-After is honoured (never sooner than the interval).
- ``gone``       404 and 410, and ``not_feed`` (a 200 that does not parse as a feed): the
  same backoff, and the source is paused after ``daemon.max_failures`` answers in a row.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime

__all__ = ["classify_failure", "next_delay", "retry_delay", "should_pause", "parse_retry_after"]

MAX_BACKOFF = 6 * 3600.0
MAX_RETRY_AFTER = 24 * 3600.0
JITTER = 0.1  # up to 10% of the interval, at most a minute


def next_delay(interval: float, rng: random.Random | None = None) -> float:
    """Seconds until the next poll after a successful one: the interval plus jitter.

    The jitter spreads sources that share an interval so they do not all fall due on the
    same tick (and on the same host) forever.
    """
    r = rng or random
    return interval + r.uniform(0, min(interval * JITTER, 60.0))


def classify_failure(status: int | None, error: str | None = None) -> str:
    """``transient`` | ``throttled`` | ``gone`` | ``not_feed`` for a failed poll."""
    if status in (404, 410):
        return "gone"
    if status == 429:
        return "throttled"
    if status is not None and 200 <= status < 300:
        return "not_feed"  # the fetch worked, the body did not parse
    return "transient"


def retry_delay(
    interval: float,
    failures: int,
    kind: str,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next try after ``failures`` consecutive failed polls (>= 1)."""
    cap = max(interval, MAX_BACKOFF)
    delay = min(interval * 2 ** max(failures - 1, 0), cap)
    if retry_after is not None:  # 429, or a 503 that says when to come back
        delay = max(min(retry_after, MAX_RETRY_AFTER), interval)
    return delay + (rng or random).uniform(0, min(delay * JITTER, 60.0))


def should_pause(kind: str, failures: int, max_failures: int) -> bool:
    """A source that is gone or is not a feed stops being polled after enough tries."""
    return kind in ("gone", "not_feed") and failures >= max_failures


def parse_retry_after(value: str | bytes | None, now: float) -> float | None:
    """Retry-After as delta-seconds or an HTTP date -> seconds from ``now``; None if unusable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - now, 0.0)
