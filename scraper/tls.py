"""https with one verifying TLS context per process, not one per connection.

For every new https connection Scrapy asks Twisted's ``optionsForClientTLS`` for a new
connection creator, and that builds a new OpenSSL context and loads the system's trust
store into it: 140-odd CA certificates parsed each time, 6-9 ms of CPU on a 2-core
machine (``bench/tls.py``). That is more than the whole rest of an unchanged feed's poll
(about 1.5 ms), and nearly every poll opens a new connection: a feed is polled every few
minutes, and servers close idle connections after seconds.

:class:`HTTPSDownloadHandler` is Scrapy's HTTP/1.1 handler with one change: when
certificates are verified (``DOWNLOAD_VERIFY_CERTIFICATES``, our default), every
connection is made from one context per process, built the first time, exactly as
``optionsForClientTLS`` builds it (the platform's trust store, Scrapy's certificate
options). What is particular to a connection is still set on the connection by
Twisted's own ``ClientTLSOptions``: the server name sent (SNI), and the check that the
certificate names the host (``service_identity``). A crawl worker lives for many crawls,
so the trust store is read once per worker; a CA bundle updated on disk is read by the
next worker.

Everything else is Scrapy's: with verification off, with an ``SSLKEYLOGFILE`` (whose
callback Scrapy sets per context), or on a Twisted older than 26.4 (whose
``ClientTLSOptions`` kept the host name on the context, which therefore cannot be
shared), connections are made as Scrapy makes them.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from twisted import version as twisted_version
from twisted.internet import _sslverify
from twisted.python.versions import Version
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

__all__ = ["HTTPSDownloadHandler", "SharedContextPolicy"]

# Twisted 26.4 moved the host name check from the context to the connection.
_PER_CONNECTION_CHECK = twisted_version >= Version("twisted", 26, 4, 0)

# The settings that shape Scrapy's certificate options: values of these, as a tuple, key
# the one OpenSSLCertificateOptions made with them (its context is built on first use,
# then kept by Twisted). Not the options themselves: Scrapy makes a new cipher object for
# every crawl, which would make a new context every crawl, and keep each.
TLS_SETTINGS = (
    "DOWNLOADER_CLIENT_TLS_CIPHERS", "DOWNLOADER_CLIENT_TLS_METHOD",
    "DOWNLOAD_TLS_MIN_VERSION", "DOWNLOAD_TLS_MAX_VERSION",
)  # fmt: skip
_OPTIONS: dict[tuple[Any, ...], Any] = {}


@implementer(IPolicyForHTTPS)
class SharedContextPolicy:
    """Scrapy's TLS policy ``inner``, with verified connections made from the one context
    of the TLS settings ``key``."""

    def __init__(self, inner: Any, key: tuple[Any, ...]) -> None:
        self.inner, self.key = inner, key
        self.shared = (
            _PER_CONNECTION_CHECK
            and getattr(inner, "_verify_certificates", False)
            and hasattr(inner, "_get_cert_options_kwargs")  # Scrapy 2.17+
            and not os.environ.get("SSLKEYLOGFILE")
        )

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:  # noqa: N802
        if not self.shared:
            return self.inner.creatorForNetloc(hostname, port)
        # As optionsForClientTLS(hostname, extraCertificateOptions=...) makes it.
        return _sslverify.ClientTLSOptions(
            self.options()._makeTLSConnection, hostname.decode("ascii")
        )

    def options(self) -> Any:
        options = _OPTIONS.get(self.key)
        if options is None:
            options = _sslverify.OpenSSLCertificateOptions(
                trustRoot=_sslverify.platformTrust(), **self.inner._get_cert_options_kwargs()
            )
            _OPTIONS[self.key] = options
        return options


class HTTPSDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler, with :class:`SharedContextPolicy`."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        key = tuple(repr(crawler.settings.get(name)) for name in TLS_SETTINGS)
        # IPolicyForHTTPS by zope's @implementer, which mypy does not read
        self._contextFactory = SharedContextPolicy(self._contextFactory, key)  # type: ignore[assignment]
