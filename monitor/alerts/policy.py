"""When to send: retry backoff, digest periods, rate limits and quiet hours.

Pure functions of a channel's config and the time, used by the delivery job
(``monitor/daemon/deliver.py``). Times are unix seconds; quiet hours and cron digests are
read in the machine's local time zone, interval digests are aligned to the epoch
(``digest = "1h"`` sends on the hour, ``"1d"`` at 00:00 UTC).
"""

from __future__ import annotations

import math
import random
import re
from datetime import datetime

from monitor.config import ChannelConfig

__all__ = ["retry_delay", "GIVE_UP_AFTER", "digest_fire_time", "rate_limit", "in_quiet_hours"]

RETRY_BASE = 30.0  # seconds before the first retry
RETRY_CAP = 6 * 3600.0  # longest wait between two attempts
GIVE_UP_AFTER = 3 * 86400.0  # an alert still failing this long after it was written fails


def retry_delay(
    failures: int, retry_after: float | None = None, *, rng: random.Random | None = None
) -> float:
    """Seconds to wait after ``failures`` consecutive transient failures (1, 2, …).

    30 s doubling to at most 6 h, times a jitter of ±25 % so that many installations
    do not hammer a recovering receiver in step; a Retry-After is honoured up to the cap.
    """
    base = min(RETRY_CAP, RETRY_BASE * 2 ** max(0, failures - 1))
    delay = base * (rng or random).uniform(0.75, 1.25)
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_CAP))
    return delay


def digest_fire_time(channel: ChannelConfig, after: float) -> float:
    """The first digest time strictly after ``after`` (the oldest waiting alert's time).

    The alerts written before that time go in that digest, so each period gets one
    message, also after the daemon was down for several periods.
    """
    period = channel.digest_seconds
    if period is not None:
        return (math.floor(after / period) + 1) * period
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(channel.digest or "")
    start = datetime.fromtimestamp(after + 0.001).astimezone(trigger.timezone)
    fire = trigger.get_next_fire_time(None, start)
    if fire is None:
        return math.inf
    return fire.timestamp()


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|m|h|d)\s*$")
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def rate_limit(channel: ChannelConfig) -> tuple[int, float] | None:
    """``rate_limit = "20/h"`` -> (20, 3600.0); None when unlimited."""
    m = _RATE.match(channel.rate_limit or "")
    return (int(m.group(1)), _UNIT[m.group(2)]) if m else None


def in_quiet_hours(channel: ChannelConfig, now: float) -> float | None:
    """When ``now`` is inside the channel's quiet hours, the time they end; else None."""
    if not channel.quiet_hours:
        return None
    start_text, _, end_text = channel.quiet_hours.partition("-")
    start, end = _minutes(start_text), _minutes(end_text)
    local = datetime.fromtimestamp(now).astimezone()
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start <= end else (minute >= start or minute < end)
    if not inside:
        return None
    until = (end - minute) % (24 * 60) or 24 * 60
    return now - local.second - local.microsecond / 1e6 + until * 60


def _minutes(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    return int(hours) * 60 + int(minutes)
