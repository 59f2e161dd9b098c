"""Startup safety checks and log redaction, for the CLI and the daemon to call at the edge.

- :func:`expat_warning`: Python's XML parser (expat) before 2.7.2 lacks fixes for
  hostile XML (feeds are XML from strangers). The feed stage defuses DOCTYPEs itself
  (``scraper/feedparse.py``); this says when the system's expat is old all the same.
- :func:`config_secrets`, :func:`redact` and :class:`SecretFilter`: the secrets a config
  holds (webhook signing secrets, SMTP passwords, Apprise URLs with tokens, any value read
  from ``${VAR}``) never reach a log line: install the filter on the handlers once the
  config is loaded.
- :func:`printable`: text from a stranger (a feed's title, summary, author) without control
  characters, on one line where it must be: what entries are made of and what exports
  write.
- :func:`redact_url` and :func:`redact_urls`: the one redaction of URLs, for every place
  a URL is printed (logs, ``status``, ``check``, download errors): the user and password
  and the values of secret-bearing query parameters (``token``, ``api_key``, ``sig``…)
  become ``***``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

if TYPE_CHECKING:  # config.py uses the redaction here for its error messages
    from monitor.config import Config

__all__ = [
    "MIN_EXPAT",
    "SecretFilter",
    "config_secrets",
    "expat_warning",
    "install_secret_filter",
    "printable",
    "redact",
    "redact_url",
    "redact_urls",
]

MIN_EXPAT = (2, 7, 2)
_MASK = "***"
_MIN_SECRET_LEN = 4  # shorter values are too common to mask without mangling logs


def expat_warning(version: tuple[int, int, int] | None = None) -> str | None:
    """A one-line warning when Python's expat is older than :data:`MIN_EXPAT`, else None.

    ``version`` defaults to ``pyexpat.version_info`` (given here for tests).
    """
    if version is None:
        import pyexpat

        version = pyexpat.version_info
    if tuple(version) >= MIN_EXPAT:
        return None
    found = ".".join(map(str, version))
    wanted = ".".join(map(str, MIN_EXPAT))
    return (
        f"Python's XML parser is expat {found}, older than {wanted}: it lacks fixes for "
        "hostile XML; newshound strips DOCTYPEs from feeds itself, but upgrade Python "
        "or libexpat when you can"
    )


# A query parameter whose value is a credential: the name, or its last part after _ - or .
_SECRET_PARAM = (
    r"(?:[a-z0-9]*[_.\-])*(?:token|key|apikey|secret|password|passwd|pwd|pass|sig|signature"
    r"|auth|credentials?|session|sessionid|code)"
)
_QUERY_SECRET = re.compile(rf"([?&;]{_SECRET_PARAM}=)[^&#\s\"'<>]*", re.I)
# scheme://userinfo@ : up to the last @ before the path, a space or a quote
_USERINFO = re.compile(r"\b([a-z][a-z0-9+.\-]*://)[^\s/?\"'<>]*@", re.I)
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s\"'<>]+", re.I)


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str, *, one_line: bool = True) -> str:
    """``text`` without control characters: each run of them (and of spaces) becomes one
    space. With ``one_line=False`` tabs and new lines (``\\n``) are kept."""
    if one_line:
        return " ".join(_CONTROLS.sub(" ", text).split())
    return _CONTROLS_BUT_LINES.sub(" ", text).strip()


def redact_url(url: str) -> str:
    """``url`` as it may be printed: no user or password (``https://***@host/``), and
    ``***`` for the value of each secret-bearing query parameter (``?token=***``)."""
    url = _USERINFO.sub(r"\1***@", url, count=1)
    return _QUERY_SECRET.sub(r"\1***", url)


def redact_urls(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url`."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def config_secrets(config: Config) -> frozenset[str]:
    """Every secret value in ``config``: signing secrets, URL passwords, Apprise URLs,
    and every value read from ``${VAR}`` (with its percent-encoded spelling)."""
    found: set[str] = set(config.secrets)
    found |= {quote(s, safe="") for s in config.secrets}
    for channel in config.channels:
        if channel.secret:
            found.add(channel.secret)
            if channel.secret.startswith("whsec_"):
                found.add(channel.secret.removeprefix("whsec_"))
        for url in (channel.smtp_url, channel.url):
            found |= _url_secrets(url)
        if channel.type == "apprise" and channel.url:
            found.add(channel.url)  # Apprise URLs carry tokens in any part
    if config.cluster is not None:
        found |= _url_secrets(config.cluster.redis)
    return frozenset(s for s in found if len(s) >= _MIN_SECRET_LEN)


def _url_secrets(url: str | None) -> set[str]:
    if not url:
        return set()
    try:
        password = urlsplit(url).password
    except ValueError:
        return set()
    return {password, unquote(password)} if password else set()


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***``."""
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered or not text:
        return text
    return re.sub("|".join(map(re.escape, ordered)), _MASK, text)


class SecretFilter(logging.Filter):
    """Rewrites each record's message with the secrets masked and every URL passed through
    :func:`redact_url`. Attach it to handlers
    (``handler.addFilter(SecretFilter(config_secrets(config)))``): a handler filter sees
    records from every logger, Scrapy's and Twisted's included."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_urls(redact(message, self.secrets))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_urls(redact(record.exc_text, self.secrets))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_secret_filter(config: Config, handlers: Iterable[logging.Handler] = ()) -> None:
    """Add a :class:`SecretFilter` for ``config`` to ``handlers`` (default: the root
    logger's handlers), unless one for the same secrets is there already."""
    wanted = config_secrets(config)  # none: URLs are redacted all the same
    for handler in list(handlers) or logging.getLogger().handlers:
        # Once per handler and set of secrets: a crawl worker runs many crawls.
        if not any(isinstance(f, SecretFilter) and f.secrets == wanted for f in handler.filters):
            handler.addFilter(SecretFilter(wanted))


# "\ud800" alone is valid JSON, and json.loads makes it a str that neither UTF-8 nor
# SQLite takes: a feed item or a page's JSON-LD headline could never be matched or stored.
# (A pair is one character.)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def loads_json(data: str | bytes) -> Any:
    """``json.loads``, with every lone surrogate in the strings it gives made "?"
    (lengths unchanged): JSON from a stranger, as text every later stage can store."""
    value = json.loads(data)
    pattern = _SURROGATE_ESCAPE if isinstance(data, str) else _SURROGATE_ESCAPE_BYTES
    return _encodable(value) if pattern.search(data) else value  # type: ignore[arg-type]


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    return value
