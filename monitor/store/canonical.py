"""Canonical URLs: one spelling per story, so the same article is stored once.

Two spellings, for two jobs:

- ``canonicalize_url`` is the URL we store and link to, so it must still open the page.
  Scheme and host are lower-cased, default ports, the fragment, tracking parameters
  (utm_*, fbclid, gclid, …) and AMP switches (``?amp=1``, ``outputType=amp``) dropped, the
  remaining query sorted. The path is kept as written: on many sites ``/a`` and ``/a/``
  are different pages.
- ``url_key`` is the dedupe key (the ``articles.url_key`` column). It may not open
  anything: it also drops the scheme, the ``www.``/``m.``/``mobile.``/``amp.`` host label,
  AMP path markers (``/amp/``, a trailing ``/amp``, ``.amp.html``) and a trailing slash,
  so the AMP, mobile, http and https copies of a page are one story.

Both start from :func:`fetch_url`, the URL Scrapy fetches for a link: w3lib's
``safe_url_string``, the WHATWG parser Scrapy's ``Request`` uses. Parsing a link any other
way can disagree with what is fetched: ``http://a.example\\@b.example/story`` is fetched
from a.example (a backslash is a slash to WHATWG) but ``urllib`` reads b.example, and one
source could then suppress another site's story under its key.

``page_canonical`` reads a fetched page's own ``<link rel=canonical>`` / ``og:url``, and
believes it only for the same site (``same_site``): a page cannot claim another site's URL.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

__all__ = [
    "canonicalize_url", "fetch_url", "url_key", "url_host", "same_site", "page_canonical",
]  # fmt: skip

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "matomo_", "hsa_", "_hs")
_TRACKING_KEYS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mkt_tok",
    "_ga", "_gl", "ocid", "cmpid", "ncid", "spm", "share", "at_medium", "at_campaign",
    "ito", "cid_source", "rss", "ref_src", "smid", "s_cid",
}  # fmt: skip
_AMP_KEYS = {"amp", "outputtype", "_amp", "usqp"}  # ?amp=1, ?outputType=amp, ?usqp=mq331AQ…
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ALIAS_LABELS = ("www.", "m.", "mobile.", "amp.")
# Second-level labels under which a registrable name has three labels (news.bbc.co.uk).
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gob"}
_AMP_PATH = re.compile(r"(?:/amp(?=/|$)|\.amp(?=\.html?$|$))", re.I)


@functools.lru_cache(maxsize=8192)  # a URL is canonicalized several times on its way
def fetch_url(url: str) -> str:
    """The URL Scrapy fetches for ``url`` (``Request(url).url``), or ``url`` stripped
    when Scrapy would refuse it (no request is made for it then).

    WHATWG parsing as browsers do: tabs and newlines removed, ``\\`` read as ``/``, the
    host IDNA-encoded and lower-cased, the rest percent-encoded.
    """
    url = url.strip(_C0_CONTROL_OR_SPACE)  # as Scrapy and the URL standard: not U+00A0
    try:
        return safe_url_string(url)
    except ValueError:
        return url


# What the URL standard strips from both ends of a URL: a feed's "/story\xa0" is fetched
# as "/story%C2%A0", so it must be stored and keyed as that page too.
_C0_CONTROL_OR_SPACE = "".join(map(chr, range(0x21)))


def _split(url: str) -> tuple[str, str, int | None, str, str] | None:
    """(scheme, host, port, path, query) of the fetched URL; None when not http(s)."""
    try:
        parts = urlsplit(fetch_url(url))
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname, port, parts.path, parts.query


# A crawl asks about the same few URLs again and again (an entry's link, its page's final
# and canonical URLs, at each stage: about ten times per article): the answers are kept.
_CACHED_URLS = 4096


@functools.lru_cache(maxsize=_CACHED_URLS)
def canonicalize_url(url: str) -> str:
    """Return the canonical spelling of an absolute http(s) URL (other URLs stripped).

    Scheme, host, port and path are those of :func:`fetch_url`: the page fetched is the
    page stored.
    """
    split = _split(url)
    if split is None:
        return url.strip(_C0_CONTROL_OR_SPACE)
    scheme, hostname, port, path, query_text = split
    host = hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(query_text, keep_blank_values=True)
        if k.lower() not in _TRACKING_KEYS
        and not k.lower().startswith(_TRACKING_PREFIXES)
        and not _is_amp_switch(k, v)
    ]
    query.sort()
    return urlunsplit((scheme, host, path or "/", urlencode(query, doseq=True), ""))


def _is_amp_switch(key: str, value: str) -> bool:
    key = key.lower()
    return key in _AMP_KEYS and (key != "outputtype" or value.lower() == "amp")


@functools.lru_cache(maxsize=_CACHED_URLS)
def url_key(url: str) -> str:
    """The dedupe key of a URL: its canonical spelling without the differences of copies.

    ``https://m.example.org/a/amp/?amp=1`` and ``http://www.example.org/a`` share the key
    ``example.org/a``. Non-http(s) URLs are their own key.
    """
    canonical = canonicalize_url(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:  # not a URL anyone can fetch
        return canonical
    if parts.scheme not in _DEFAULT_PORTS:
        return canonical
    host = _strip_alias_label(parts.netloc)
    path = _AMP_PATH.sub("", parts.path).rstrip("/")
    return host + path + (f"?{parts.query}" if parts.query else "")


def _strip_alias_label(host: str) -> str:
    for label in _ALIAS_LABELS:
        if host.startswith(label) and host.count(".") >= 2:
            return host[len(label) :]
    return host


def url_host(url: str) -> str:
    """The lower-cased host Scrapy connects to for ``url`` ('' when there is none)."""
    try:
        return (urlsplit(fetch_url(url)).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _site(url: str) -> str:
    """The registrable part of a URL's host, by a rule of thumb (no public-suffix list);
    for an IP address, the address and port (two servers on one machine are two sites)."""
    host = ""
    try:
        parts = urlsplit(fetch_url(url))
        host = (parts.hostname or "").rstrip(".")
        ipaddress.ip_address(host)
        return f"{host}:{parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)}"
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    """True when URLs ``a`` and ``b`` are on one site: www., m., amp. and other subdomains
    of one registrable name are; IP addresses only with the same address and port."""
    return bool(url_host(a)) and _site(a) == _site(b)


def page_canonical(body: bytes, page_url: str) -> str | None:
    """The page's own canonical URL (``rel=canonical``, else ``og:url``), canonicalized.

    None when the page declares none, or declares one on another site (a page cannot
    claim another site's story), or something that is not http(s).
    """
    import lxml.html  # here: the daemon's scheduler asks this module for hosts only

    head = _head_of(body)
    if head is None:
        return None
    try:
        tree = lxml.html.fromstring(head)
    except (ValueError, lxml.etree.ParserError):
        return None
    candidates = tree.xpath(
        "//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', 'canonil')),"
        " ' '), ' canonical ')]/@href"
    ) + tree.xpath("//meta[@property='og:url' or @name='og:url']/@content")
    for href in candidates:
        href = str(href).strip()
        if not href:
            continue
        absolute = urljoin(page_url, href)
        if absolute.lower().startswith(("http://", "https://")) and same_site(absolute, page_url):
            return canonicalize_url(absolute)
    return None


_HEAD_END = re.compile(rb"</head\s*>", re.I)


def _head_of(body: bytes) -> bytes | None:
    """The document up to ``</head>`` (the first 256 KiB when there is no such tag)."""
    if not body:
        return None
    m = _HEAD_END.search(body, 0, 512 * 1024)
    return body[: m.end()] + b"</html>" if m else body[: 256 * 1024]
