"""AutoThrottle that takes a 304 Not Modified as the full answer it is.

Scrapy's AutoThrottle never lowers a host's delay on a non-200 response, because error
pages and redirects are quick and would talk it into going faster. A 304 is neither: it
is the successful answer to a conditional GET, and for a news monitor it is the usual one.
Left as a non-200, a host whose feeds are all unchanged kept ``AUTOTHROTTLE_START_DELAY``
between requests for ever, so every crawl trickled its requests out one per delay, each in
a reactor wake-up of its own. Here a 304's latency adjusts the delay exactly as a 200's
does: the same target concurrency per host, the same minimum and maximum delay, and any
other status is left to Scrapy's rule.
"""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class _AsOk:
    """What ``_adjust_delay`` reads of a response (its status), as a 200."""

    status = 200


class ConditionalAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, _AsOk() if response.status == 304 else response)  # type: ignore[arg-type]
