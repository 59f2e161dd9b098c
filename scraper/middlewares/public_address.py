"""Refuse requests to non-public hosts (DESIGN.md's safety contract), on every hop.

Runs first among downloader middlewares, so a redirect (which Scrapy re-schedules as a
new request) is checked again. Off when ``[network] allow_private_addresses = true``.
"""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.statscollectors import StatsCollector

from monitor.config import Config
from monitor.netcheck import AddressRefused, check_url


class PublicAddressMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self._verdicts: dict[str, str | None] = {}  # host -> refusal reason, per crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config: Config | None = crawler.settings.get("NEWSHOUND_CONFIG")
        if config is not None and config.network.allow_private_addresses:
            raise NotConfigured("[network] allow_private_addresses = true")
        return cls(crawler.stats)

    def process_request(self, request: Request) -> None:
        host = request.url.split("/", 3)[2] if "://" in request.url else request.url
        if host not in self._verdicts:
            try:
                check_url(request.url)
                self._verdicts[host] = None
            except AddressRefused as e:
                self._verdicts[host] = str(e)
        reason = self._verdicts[host]
        if reason:
            self.stats.inc_value("newshound/address/refused")
            raise IgnoreRequest(
                f"{request.url}: refused, {reason}; "
                "set [network] allow_private_addresses = true to allow it"
            )
