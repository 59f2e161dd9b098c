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


_IPv4_IN_IPv6 = tuple(
    ipaddress.ip_network(n)
    for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0/96", "::ffff:0:0:0/96", "::/96")
)  # NAT64, IPv4-translated, IPv4-compatible: the last four bytes are an IPv4 address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64...)."""
    if ip.is_loopback or ip.is_unspecified:  # ::1 and :: are in ::/96 too
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in net for net in _IPv4_IN_IPv6):
        return ipaddress.IPv4Address(ip.packed[-4:])
    return None


def _describe(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    for label, test in (
        ("loopback", ip.is_loopback),
        ("link-local, e.g. a cloud metadata service", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
    ):
        if test:
            return label
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "shared address space (CGNAT)"
    if ip.is_private:
        return "private"
    return "not globally routable"


def check_address(ip_text: str) -> None:
    """Raise AddressRefused unless ``ip_text`` is a globally routable unicast address.

    An IPv6 address that carries an IPv4 address (``::ffff:127.0.0.1``, 6to4
    ``2002:7f00:1::``, NAT64 ``64:ff9b::7f00:1``, Teredo) must be public on both counts.
    """
    ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    inner = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    for target in (inner, ip):
        if target is not None and (not target.is_global or target.is_multicast):
            carried = f", which carries {target}" if target is inner else ""
            raise AddressRefused(f"resolves to {ip}{carried} ({_describe(target)})")


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
