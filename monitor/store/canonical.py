"""Canonical URLs: one spelling per story, so the same article is stored once.

Scheme and host are lower-cased, default ports, the fragment and tracking parameters
(utm_*, fbclid, gclid, …) dropped, the remaining query sorted. The path is kept as
written: on many sites ``/a`` and ``/a/`` are different pages.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "matomo_", "hsa_", "_hs")
_TRACKING_KEYS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mkt_tok",
    "_ga", "_gl", "ocid", "cmpid", "ncid", "spm", "share", "at_medium", "at_campaign",
    "ito", "cid_source", "rss", "ref_src", "smid", "s_cid",
}  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize_url(url: str) -> str:
    """Return the canonical spelling of an absolute http(s) URL (other URLs unchanged)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url.strip()
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_KEYS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    query.sort()
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def url_host(url: str) -> str:
    """The lower-cased host of ``url`` ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
