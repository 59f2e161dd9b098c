"""Credentials written in a source URL (``https://user:pa%23ss@host/feed``) become an
``Authorization: Basic`` header; the URL fetched, logged and redirected carries none.

Scrapy hands a URL with userinfo to Twisted, which takes ``user:pa%23ss@host`` for the host
name ("invalid hostname"): such a source could never be fetched, and the log showed the
password. First among downloader middlewares (priority 10), so robots.txt, the address
check and everything after see the URL without them. Scrapy drops the header on a
redirect to another host. The password is percent-decoded (``%23`` is ``#``): in the
config, ``${VAR}`` in a URL's userinfo is percent-encoded when it is expanded.
"""

from __future__ import annotations

from base64 import b64encode
from urllib.parse import unquote, urlsplit, urlunsplit

from scrapy import Request

__all__ = ["UrlCredentialsMiddleware", "without_credentials"]


def without_credentials(url: str) -> tuple[str, bytes | None]:
    """``url`` without its userinfo (even an empty one, ``http://@host/``), and the Basic
    ``Authorization`` value it carried (None when it carried no user or password)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    bare = urlunsplit(parts._replace(netloc=host))
    if not userinfo.strip(":"):
        return bare, None
    user, _, password = userinfo.partition(":")
    return bare, b"Basic " + b64encode(f"{unquote(user)}:{unquote(password)}".encode())


class UrlCredentialsMiddleware:
    def process_request(self, request: Request) -> Request | None:
        bare, auth = without_credentials(request.url)
        if bare == request.url:
            return None
        headers = request.headers.copy()
        if auth is not None:
            headers.setdefault(b"Authorization", auth)
        return request.replace(url=bare, headers=headers)
