"""The safety contract: which hosts newshound may connect to.

Sources and webhook targets must resolve to public (globally routable) addresses;
loopback, private, link-local (cloud metadata), CGNAT, unique-local and the IPv4-mapped
forms of those are refused unless ``[network] allow_private_addresses = true``.
``ipaddress``'s ``is_global`` is the test, not ``is_private`` (which misses CGNAT).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["AddressRefused", "check_url", "check_address"]


class AddressRefused(ValueError):
    """A URL whose host is not a public address; the message says which and why."""


def _describe(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return _describe(ip.ipv4_mapped)
    for label, test in (
        ("loopback", ip.is_loopback),
        ("link-local, e.g. a cloud metadata service", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
    ):
        if test:
            return label
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "shared address space (CGNAT)"
    return "not globally routable"


def check_address(ip_text: str) -> None:
    """Raise AddressRefused unless ``ip_text`` is a globally routable address."""
    ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    target = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
    if not target.is_global:
        raise AddressRefused(f"resolves to {ip} ({_describe(ip)})")


def _literal(host: str) -> str | None:
    """An IP literal in any spelling inet_aton accepts (2130706433, 0x7f.1, 127.1) or IPv6."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def check_url(url: str, *, resolve: bool = True) -> None:
    """Refuse ``url`` unless it is http(s) and every address its host resolves to is public.

    Raises AddressRefused with a reason such as ``resolves to 10.0.0.5 (private)``.
    With ``resolve=False`` a host name that is not an IP literal is accepted as is.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "(none)"
        raise AddressRefused(f"scheme {scheme}: is not fetched, only http and https")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRefused("has no host")
    if host.lower() in ("localhost", "metadata.google.internal") or host.lower().endswith(
        ".localhost"
    ):
        raise AddressRefused(f"host {host} is local")
    literal = _literal(host)
    if literal is not None:
        check_address(literal)
        return
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return  # cannot tell here; the fetch itself fails and says so
    for info in infos:
        check_address(str(info[4][0]))
