"""Refuse connections to non-public hosts (DESIGN.md's safety contract), on every hop.

Three checks, each closing a gap the one before leaves open:

1. ``PublicAddressMiddleware.process_request`` (first among downloader middlewares)
   refuses non-http(s) URLs and hosts that are IP literals in any spelling
   (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``) or local names. A redirect is a
   new request, so every hop comes through here again.
2. ``PublicAddressResolver`` (``TWISTED_DNS_RESOLVER``) checks the address a host name
   resolves to at connect time: the address Twisted connects to is the one checked, so
   DNS rebinding between a check and the connection does not get through.
3. ``process_response`` refuses a response whose peer (``response.ip_address``) is not
   public, should a crawl run without the resolver above (another
   ``TWISTED_DNS_RESOLVER``, or a reactor set up elsewhere); the middleware then also
   resolves names itself in step 1.

All three are off when ``[network] allow_private_addresses = true``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver, dnscache
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from monitor.config import Config
from monitor.netcheck import AddressRefused, check_address, check_url

__all__ = ["PublicAddressMiddleware", "PublicAddressResolver"]

_HINT = "set [network] allow_private_addresses = true to allow it"


def _allows_private(owner: Any) -> bool:
    """True when the config of ``owner`` (a crawler, or a CrawlerProcess and its
    crawlers) sets ``[network] allow_private_addresses = true``."""
    settings = [owner.settings, *(c.settings for c in getattr(owner, "crawlers", ()))]
    for s in settings:
        config: Config | None = s.get("NEWSHOUND_CONFIG")
        if config is not None and config.network.allow_private_addresses:
            return True
    return False


DNS_TTL = 300.0  # seconds an answer is reused; getaddrinfo does not tell the record's TTL


@implementer(IResolverSimple)
class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, failing any lookup whose answer is not a public address.

    Scrapy builds the resolver from the ``CrawlerProcess`` before the spider has put
    ``NEWSHOUND_CONFIG`` into its crawler's settings, so ``allow_private_addresses`` is
    read at lookup time, not here. One config per process: if any crawler's config
    allows private addresses, this resolver does.

    Scrapy's cache keeps an answer for the life of the process, which for a one-off crawl
    is fine; a crawl worker lives for up to 100 crawls, hours, and a host that moved to
    another address (a CDN's failover) would have failed in it until it retired. Here an
    answer is reused for ``DNS_TTL``, then asked for again.
    """

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        allows_private: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self._allows_private = allows_private
        self.refused: dict[str, str] = {}  # host -> reason, for the middleware's message
        self.resolved_at: dict[str, float] = {}  # host -> when its cached answer was got
        self.clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver._allows_private = lambda: _allows_private(crawler)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        self.forget_stale(name)
        asked = name not in dnscache
        d = super().getHostByName(name, timeout)
        if asked:
            d.addCallback(self._answered, name)
        d.addCallback(self._refuse_private, name)
        return d

    def _answered(self, address: str, name: str) -> str:
        self.resolved_at[name] = self.clock()
        return address

    def forget_stale(self, name: str) -> None:
        """Drop ``name``'s cached answer once it is older than ``DNS_TTL``."""
        at = self.resolved_at.get(name)
        if at is not None and self.clock() - at > DNS_TTL:
            dnscache.pop(name, None)
            del self.resolved_at[name]

    def _refuse_private(self, address: str, name: str) -> str:
        if self._allows_private():
            return address
        try:
            check_address(address)
        except (AddressRefused, ValueError) as e:
            self.refused[name] = str(e)
            raise DNSLookupError(f"{name}: refused, {e}") from None
        return address


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
                # With our resolver installed, names are checked at connect time, where
                # the answer cannot change any more; resolving here too would only add
                # a blocking lookup on the reactor thread.
                check_url(request.url, resolve=_resolver() is None)
                self._verdicts[host] = None
            except AddressRefused as e:
                self._verdicts[host] = str(e)
        reason = self._verdicts[host]
        if reason:
            self._refuse(request, reason, hint=not reason.startswith("scheme"))

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
        if location:  # RedirectMiddleware does not follow these; say why instead of "HTTP 302"
            target = urljoin(request.url, location.decode("latin-1"))
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                reason = f"redirects to {target[:100]}: only http and https are fetched"
                self._refuse(request, reason, hint=False)
        peer = response.ip_address
        if peer is not None:
            try:
                check_address(str(peer))
            except (AddressRefused, ValueError) as e:
                self._refuse(request, f"connected to {peer}: {e}")
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """A lookup our resolver refused: say why instead of "couldn't find the hostname"."""
        resolver = _resolver()
        host = urlparse_cached(request).hostname or ""
        if resolver is not None and host in resolver.refused:
            self._refuse(request, resolver.refused[host])

    def _refuse(self, request: Request, reason: str, hint: bool = True) -> None:
        self.stats.inc_value("newshound/address/refused")
        raise IgnoreRequest(f"{request.url}: refused, {reason}" + (f"; {_HINT}" if hint else ""))


def _resolver() -> PublicAddressResolver | None:
    """Our resolver when it is the reactor's, else None."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    return resolver if isinstance(resolver, PublicAddressResolver) else None
