"""Issue 23.2, fuzzed: for any URL text a feed may carry, the URL Scrapy fetches, the URL
stored and the article key name the same page (scheme, host, port, path).

"Fetched" is what the downloader connects to and asks for: ``Request(url).url`` with
credentials moved out of it (``UrlCredentialsMiddleware``), parsed as Twisted's HTTP client
parses it. The real-crawl version of the worst case is tests/scraper/test_url_identity.py.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st
from scrapy import Request
from twisted.web.client import URI

from monitor.store.canonical import canonicalize_url, url_host, url_key
from scraper.middlewares.url_credentials import without_credentials

_DEFAULT_PORTS = {"http": 80, "https": 443}
_FETCHABLE_HOST = re.compile(r"(?=.*[a-z0-9])(?:[a-z0-9_.\-]+|[0-9a-f:.]+)")
_TRICKY = "\\/@:%#?&=.;[]\t\n\r \x00\x7fé中ß-_~+!$'()*,"

schemes = st.sampled_from(["http", "https", "HTTP", "hTtPs", "ftp", "javascript", "file", ""])
separators = st.sampled_from(["://", ":/", ":\\\\", ":///", "://\t", ":"])
tricky_text = st.text(alphabet=st.sampled_from(_TRICKY + "abcxyzAZ09"), max_size=12)
userinfo = st.one_of(
    st.just(""),
    tricky_text.map(lambda s: s + "@"),
    st.sampled_from(["user:pass@", "u:p#w@", "a\\@", "u@b@", ":@", "u:p%40ss@"]),
)
hosts = st.one_of(
    st.sampled_from([
        "example.org", "EXAMPLE.org", "www.Example.org.", "m.example.co.uk", "bücher.example",
        "xn--bcher-kva.example", "ⓔxample.org", "127.0.0.1", "0x7f.1", "2130706433",
        "[::1]", "[2001:DB8::1]", "[::ffff:127.0.0.1]", "a\\@b.example", "host\t.example",
        "ex%41mple.org", "exa mple.org", "", "例え.jp",
    ]),
    tricky_text,
)  # fmt: skip
ports = st.sampled_from(["", ":80", ":443", ":8080", ":", ":0080", ":65535", ":99999", ":x"])
paths = st.one_of(
    st.sampled_from(["", "/", "/a/../b", "/%2e%2e/x", "/a b", "/amp/story", "/a/"]),
    tricky_text.map(lambda s: "/" + s),
    st.text(max_size=10).map(lambda s: "/" + s),
)
queries = st.one_of(st.just(""), tricky_text.map(lambda s: "?" + s))


@st.composite
def feed_urls(draw: st.DrawFn) -> str:
    """URL text as a feed may carry it: built from tricky parts, or any text at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=40))
    parts = (schemes, separators, userinfo, hosts, ports, paths, queries)
    return "".join(draw(part) for part in parts)


def _identity(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    return scheme, host, parts.port or _DEFAULT_PORTS[scheme], parts.path or "/"


@settings(max_examples=300, deadline=None)  # a shared machine: no per-example deadline
@given(feed_urls())
@example("http://127.0.0.2:8001\\@127.0.0.3:8002/story.html")
@example("https://user:p#ss@example.org/feed?token=abc")
@example("http://exa\tmple.org/a\nb")
@example("http://example.org/\xa0")  # fetched as /%C2%A0: U+00A0 is no URL whitespace
@example("HTTP://www.EXAMPLE.org:80/amp/story/?utm_source=x")
def test_fetched_stored_and_key_agree(url: str) -> None:
    stored, key, host = canonicalize_url(url), url_key(url), url_host(url)  # never raise
    try:
        fetched = Request(url).url
    except ValueError:
        return  # Scrapy refuses it: nothing is fetched, so nothing can be stored under it
    scheme = urlsplit(fetched).scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return  # not fetched: the feed parsers drop what is not http(s)
    if not _FETCHABLE_HOST.fullmatch(urlsplit(fetched).hostname or ""):
        return  # no DNS name or address (".." or "\x80"): the connection fails, nothing stored
    sent = URI.fromBytes(urldefrag(without_credentials(fetched)[0])[0].encode("ascii"))
    connected = (sent.scheme.decode(), sent.host.decode().lower().rstrip("."), sent.port)
    assert _identity(fetched)[:3] == connected
    assert _identity(stored) == _identity(fetched)
    assert host == _identity(fetched)[1]
    assert key == url_key(fetched) == url_key(stored)
    assert key.startswith(url_key(f"{scheme}://{urlsplit(fetched).netloc.rpartition('@')[2]}/"))
