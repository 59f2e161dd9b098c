"""scraper.middlewares.public_address: refused on every hop, and at connect time."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from monitor.config import NetworkConfig, parse_config
from monitor.daemon.poll import crawl_env
from monitor.fixture_site import FixtureSite
from scraper.middlewares.public_address import PublicAddressMiddleware, PublicAddressResolver
from tests.support import ROOT, SITE


def middleware(allow_private: bool = False) -> PublicAddressMiddleware:
    config = parse_config("", env={})
    from dataclasses import replace

    config = replace(config, network=NetworkConfig(allow_private_addresses=allow_private))
    crawler = get_crawler(settings_dict={"NEWSHOUND_CONFIG": config})
    crawler.stats.open_spider()
    return PublicAddressMiddleware.from_crawler(crawler)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/",
     "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/",
     "http://10.0.0.5/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/",
     "http://0.0.0.0/", "http://localhost./", "http://127.0.0.1./", "file:///etc/passwd",
     "ftp://8.8.8.8/"],
)  # fmt: skip
def test_each_request_and_redirect_hop_is_checked(url: str) -> None:
    """A redirect is a new Request through process_request: the same check as hop 0."""
    mw = middleware()
    with pytest.raises(IgnoreRequest, match="refused"):
        mw.process_request(Request(url))
    mw.process_request(Request("http://93.184.215.14/feed"))  # public: no exception


def test_redirect_to_non_http_scheme_is_named() -> None:
    mw = middleware()
    request = Request("http://93.184.215.14/feed")
    for target in ("file:///etc/passwd", "data:,x", "ftp://a/b", "s3://b/k", "gopher://x/"):
        response = Response(request.url, status=302, headers={"Location": target})
        with pytest.raises(IgnoreRequest, match="only http and https"):
            mw.process_response(request, response)


def test_response_from_private_peer_is_refused() -> None:
    from ipaddress import ip_address

    mw = middleware()
    request = Request("http://news.example/feed")
    ok = Response(request.url, ip_address=ip_address("93.184.215.14"))
    assert mw.process_response(request, ok) is ok
    bad = Response(request.url, ip_address=ip_address("10.1.2.3"))
    with pytest.raises(IgnoreRequest, match="connected to 10.1.2.3"):
        mw.process_response(request, bad)


def test_allow_private_addresses_switches_it_off() -> None:
    with pytest.raises(NotConfigured, match="allow_private_addresses"):
        middleware(allow_private=True)


def test_resolver_refuses_private_answers() -> None:
    """The check on what the name resolved to, where the connection will go."""
    from twisted.internet import reactor

    resolver = PublicAddressResolver(reactor, cache_size=0, timeout=5)  # type: ignore[arg-type]
    with pytest.raises(DNSLookupError, match="refused, resolves to 127.0.0.1"):
        resolver._refuse_private("127.0.0.1", "rebind.example")
    assert resolver.refused == {"rebind.example": "resolves to 127.0.0.1 (loopback)"}
    assert resolver._refuse_private("93.184.215.14", "news.example") == "93.184.215.14"
    allowing = PublicAddressResolver(reactor, 0, 5, allows_private=lambda: True)  # type: ignore[arg-type]
    assert allowing._refuse_private("127.0.0.1", "x") == "127.0.0.1"


MOVED = """
import socket
from twisted.internet import defer, reactor
from scraper.middlewares.public_address import DNS_TTL, PublicAddressResolver

# The system resolver's answers, one per lookup: the host moves between the two (the one
# thing that cannot happen here for real).
answers = iter(["127.0.0.1", "127.0.0.2"])
socket.gethostbyname = lambda host: next(answers)
resolver = PublicAddressResolver(reactor, 100, 5, allows_private=lambda: True)
now = [0.0]
resolver.clock = lambda: now[0]

@defer.inlineCallbacks
def main():
    seen = [(yield resolver.getHostByName("moved.example"))]
    now[0] += DNS_TTL - 1
    seen.append((yield resolver.getHostByName("moved.example")))
    now[0] += 2
    seen.append((yield resolver.getHostByName("moved.example")))
    print(" ".join(seen))
    reactor.stop()

reactor.callWhenRunning(main)
reactor.run()
"""


def test_resolver_asks_again_once_an_answer_is_older_than_its_ttl() -> None:
    """A crawl worker lives for hours: a host that moved is found at its new address once
    the cached answer is ``DNS_TTL`` old, and not asked for again before."""
    proc = subprocess.run([sys.executable, "-c", MOVED], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)  # fmt: skip
    assert proc.stdout.split() == ["127.0.0.1", "127.0.0.1", "127.0.0.2"], proc.stderr


# --- DNS rebinding, end to end -------------------------------------------------------------

REBIND = """
import socket
import monitor.netcheck as n

_gai, _ghbn = socket.getaddrinfo, socket.gethostbyname
def getaddrinfo(host, *a, **k):  # what a check sees: the "public" 127.0.0.1
    return _gai("127.0.0.1" if host in ("rebind.test", b"rebind.test") else host, *a, **k)
def gethostbyname(host):  # what the connection gets: the "intranet" 127.0.0.2
    return _ghbn("127.0.0.2" if host == "rebind.test" else host)
_real = n.check_address
def check_address(ip):
    if ip != "127.0.0.1":
        _real(ip)
socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
n.check_address = check_address
"""


@pytest.fixture
def intranet() -> Iterator[FixtureSite]:
    with FixtureSite(SITE, host="127.0.0.2") as s:
        yield s


def crawl_rebinding(tmp_path: Path, intranet: FixtureSite, *extra: str) -> str:
    port = intranet.base.rsplit(":", 1)[1]
    config = tmp_path / "newshound.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "news.db"}"\n'
        f'[[sources]]\nname = "rebinding"\nurl = "http://rebind.test:{port}/feeds/world.rss"\n'
        'kind = "feed"\n[[terms]]\nname = "Putin"\n'
    )
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(REBIND)
    env = crawl_env()
    env["PYTHONPATH"] = f"{shim}:{env['PYTHONPATH']}"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"config={config}", *extra]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(tmp_path / "news.db") as conn:
        (error,) = conn.execute("SELECT last_error FROM sources").fetchone()
    return error or ""


def test_dns_rebinding_refused_at_connect_time(tmp_path: Path, intranet: FixtureSite) -> None:
    error = crawl_rebinding(tmp_path, intranet)
    assert "refused, resolves to 127.0.0.2 (loopback)" in error, error
    assert intranet.requests == []


def test_without_the_resolver_the_rebound_request_gets_through(
    tmp_path: Path, intranet: FixtureSite
) -> None:
    """Why the resolver matters: the response check alone sees the answer too late."""
    error = crawl_rebinding(
        tmp_path, intranet, "-s", "TWISTED_DNS_RESOLVER=scrapy.resolver.CachingThreadedResolver"
    )
    assert intranet.requests, "the request reached the intranet"
    assert "connected to 127.0.0.2" in error, error  # but nothing it said was used
