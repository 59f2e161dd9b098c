"""AutoThrottle counts a 304 as a full answer (scraper/throttle.py).

That a host's delay carries over to the next crawl in a worker is tested with real
crawls in tests/monitor/daemon/test_workers.py."""

from __future__ import annotations

from types import SimpleNamespace

from scraper.throttle import ConditionalAutoThrottle


def throttle() -> ConditionalAutoThrottle:
    t = ConditionalAutoThrottle.__new__(ConditionalAutoThrottle)
    t.target_concurrency, t.mindelay, t.maxdelay = 2.0, 0.0, 30.0
    return t


def test_a_304_lowers_the_delay_as_a_200_does() -> None:
    t = throttle()
    for status in (200, 304):
        slot = SimpleNamespace(delay=0.5)
        t._adjust_delay(slot, 0.002, SimpleNamespace(status=status))  # type: ignore[arg-type]
        assert slot.delay == (0.5 + 0.001) / 2


def test_errors_still_never_lower_it() -> None:
    t = throttle()
    for status in (404, 500, 301):
        slot = SimpleNamespace(delay=0.5)
        t._adjust_delay(slot, 0.002, SimpleNamespace(status=status))  # type: ignore[arg-type]
        assert slot.delay == 0.5
    slot = SimpleNamespace(delay=0.5)
    t._adjust_delay(slot, 4.0, SimpleNamespace(status=503))  # type: ignore[arg-type]
    assert slot.delay == 2.0  # a slow error still raises it
