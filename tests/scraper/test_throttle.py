"""AutoThrottle counts a 304 as a full answer and remembers hosts (scraper/throttle.py)."""

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


def test_a_host_delay_carries_over_to_the_next_crawl_in_the_worker() -> None:
    """The next crawl's slot for a host starts at the delay the host earned, not at the
    start delay; a slot the user set in DOWNLOAD_SLOTS keeps the user's delay."""
    from scrapy.settings import Settings

    from scraper import throttle as module

    module.LEARNED.clear()
    settings = Settings({"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 0.5})

    def crawl(per_slot: dict[str, dict[str, float]]) -> tuple[ConditionalAutoThrottle, object]:
        downloader = SimpleNamespace(per_slot_settings=per_slot, slots={}, _delay=0.0)
        signals = SimpleNamespace(connect=lambda *a, **k: None)
        engine = SimpleNamespace(downloader=downloader)
        crawler = SimpleNamespace(settings=settings, signals=signals, engine=engine)
        t = ConditionalAutoThrottle(crawler)  # type: ignore[arg-type]
        t._spider_opened(SimpleNamespace())  # type: ignore[arg-type]
        return t, downloader

    first, downloader = crawl({})
    slot = SimpleNamespace(delay=0.5, transferring=set())
    downloader.slots["news.example"] = slot  # type: ignore[attr-defined]
    request = SimpleNamespace(meta={"download_slot": "news.example", "download_latency": 0.002})
    for _ in range(6):  # six quick 304s
        first._response_downloaded(SimpleNamespace(status=304, body=b""), request, None)  # type: ignore[arg-type]
    assert slot.delay < 0.02

    _, downloader = crawl({"slow.example": {"delay": 5.0}})
    per_slot = downloader.per_slot_settings  # type: ignore[attr-defined]
    assert per_slot["news.example"] == {"delay": slot.delay}
    assert per_slot["slow.example"] == {"delay": 5.0}
    module.LEARNED.clear()
