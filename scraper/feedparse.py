"""Feed bytes -> FeedEntry list: feedparser on bytes, links made absolute and canonical.

Stage 0 of the crawl: ``scraper/spiders/feeds.py`` hands the response here and yields the
entries to the item pipeline (``scraper/pipelines.py``).

What a hostile feed cannot do here:

- make feedparser open a file or URL: feedparser always gets bytes (``io.BytesIO``) plus
  the response headers, never a str. A str is taken as a path or URL (a body
  "/etc/passwd" would read that file), so a str body raises ``TypeError``.
- blow up entities: feedparser falls back to its loose parser when expat refuses a feed
  and then expands the DOCTYPE's "safe" internal entities without limit (53 KB of feed
  became 50 MB of summary). The prolog is rebuilt before feedparser sees the body: the
  DOCTYPE, its internal subset, entity declarations, comments and processing
  instructions are dropped, so there is nothing to expand and no external DTD to load.
- get a non-http(s) link fetched: ``javascript:``, ``data:``, ``file:`` links drop the
  entry; a bare GUID such as "g0" is not taken for a relative link.
- date itself into the future: dates more than two days ahead are clamped to the fetch
  time, unreadable ones are left empty; both are reported in ``ParsedFeed.notes``.
- flood the crawl: at most ``MAX_ENTRIES`` entries per feed, duplicate GUIDs and links once.

An entry without a link (or with only a non-URL GUID) cannot be fetched: it keeps a
stable ``urn:newshound:entry:…`` key made from its GUID, or from its title and summary,
and its summary is its text.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.api
from feedparser.encodings import convert_to_utf8

from monitor.safety import printable
from monitor.urls import canonicalize_url
from scraper.items import FeedEntry
from scraper.jsonfeed import parse_json_feed

__all__ = [
    "MAX_ENTRIES", "ParsedFeed", "defuse_feed", "parse_feed", "parse_feed_entries", "read_feed",
]  # fmt: skip

# feedparser asks xml.sax for the libxml2 driver first. It is rarely installed, and a
# failed import is paid again on every parse (~0.4 ms); where it is installed, it is not
# the parser this module's defusing was written and tested for. Expat, always.
feedparser.api.PREFERRED_XML_PARSERS = []

MAX_ENTRIES = 1000  # a news feed lists tens of items; more is a mistake or an attack
_FUTURE_SLACK = 2 * 86400  # a date more than two days ahead is a publisher's bug
_ENTRY_KEY_PREFIX = "urn:newshound:entry:"
# feedparser's own idea of where the prolog ends (sanitizer.replace_doctype).
_FIRST_ELEMENT = re.compile(rb"<\w")
_DECLARATION = re.compile(rb"<!\s*(?:ENTITY|DOCTYPE|ELEMENT|ATTLIST|NOTATION)", re.I)
_SPACE = re.compile(rb"\s*")
# C0/C1 controls and Unicode line/paragraph separators never belong in a one-line field.


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedFeed:
    """The entries of one feed body, and what was wrong with it (one line each)."""

    entries: list[FeedEntry]
    notes: tuple[str, ...] = ()


def parse_feed_entries(body: bytes, url: str, headers: Any, source: str) -> list[FeedEntry]:
    """Parse an RSS/Atom/RDF or JSON Feed body, logging its notes (one line each).

    Raises ValueError naming the URL when it is not a feed.
    """
    if body[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return parse_json_feed(body, url, source)  # JSON Feed: feedparser cannot read it
    parsed = parse_feed(body, url, headers, source)
    for note in parsed.notes:
        log.info("source=%r url=%s feed_note=%s", source, url, note)
    return parsed.entries


def parse_feed(
    body: bytes, url: str, headers: Any, source: str, *, now: float | None = None
) -> ParsedFeed:
    """Parse a feed body into entries plus notes on clamped dates and dropped items.

    ``headers`` is a Scrapy ``Headers`` (or any mapping of bytes names to bytes values).
    Raises ``TypeError`` for a str body (see the module docstring) and ``ValueError``
    naming the URL when the body is not a feed.
    """
    try:
        parsed = read_feed(body, headers)
    except ValueError as e:
        raise ValueError(f"not a feed ({url}): {e}") from None
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no feed entries"
        raise ValueError(f"not a feed ({url}): {reason}")
    return _entries(parsed.entries, url, source, time.time() if now is None else now)


def read_feed(body: bytes, headers: Any = None) -> feedparser.FeedParserDict:
    """feedparser's result for a feed body, its prolog defused first (see the module
    docstring): for callers that want more than the entries, such as the feed's title.
    Raises ``TypeError`` for a str body and ``ValueError`` for a prolog it cannot defuse.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("feed bodies are parsed as bytes only")
    response_headers = _headers_for_feedparser(headers)
    data, encoding = _to_utf8(bytes(body), response_headers)
    return _feedparser(defuse_feed(data), response_headers, encoding)


def defused_utf8(body: bytes) -> bytes:
    """The body as UTF-8 with its prolog defused: what an XML sniffer may safely look at.
    Raises ValueError for a prolog ``defuse_feed`` refuses."""
    data, _ = _to_utf8(bytes(body), {})
    return defuse_feed(data)


def _feedparser(data: bytes, response_headers: dict[str, str], encoding: str) -> Any:
    if encoding:  # _to_utf8 found the encoding and wrote the body as UTF-8
        response_headers = {**response_headers, "content-type": "application/xml; charset=utf-8"}
    return feedparser.parse(
        io.BytesIO(data), response_headers=response_headers, sanitize_html=False
    )


def defuse_feed(data: bytes) -> bytes:
    """The document with an inert prolog: the XML declaration kept, everything else
    before the root element (DOCTYPE and internal subset, ENTITY declarations,
    comments, processing instructions) dropped.

    ``data`` must be UTF-8 or another ASCII-compatible encoding (see ``_to_utf8``).
    Raises ValueError for a prolog that never ends or declarations it cannot drop.
    """
    pos = _SPACE.match(data).end()  # type: ignore[union-attr]
    kept = b""
    if data.startswith(b"<?xml", pos) and data[pos + 5 : pos + 6].isspace():
        end = data.find(b"?>", pos)
        if end < 0:
            raise ValueError("unterminated XML declaration")
        kept, pos = data[pos : end + 2] + b"\n", end + 2
    while True:
        pos = _SPACE.match(data, pos).end()  # type: ignore[union-attr]
        if data.startswith(b"<?", pos):
            pos = _end_of(data, pos, b"?>", "processing instruction")
        elif data.startswith(b"<!--", pos):
            pos = _end_of(data, pos, b"-->", "comment")
        elif data.startswith(b"<!", pos) and not data.startswith(b"<![CDATA[", pos):
            pos = _end_of_declaration(data, pos)
        else:
            break
    rest = data[pos:]
    first = _FIRST_ELEMENT.search(rest)
    if _DECLARATION.search(rest, 0, first.start() if first else len(rest)):
        raise ValueError("DOCTYPE or ENTITY declaration after text in the prolog; refused")
    return kept + rest


def _end_of(data: bytes, pos: int, closing: bytes, what: str) -> int:
    end = data.find(closing, pos + 2)
    if end < 0:
        raise ValueError(f"unterminated {what} before the first element")
    return end + len(closing)


def _end_of_declaration(data: bytes, pos: int) -> int:
    """The end of ``<!DOCTYPE …[ … ]>`` (or any ``<!…>``), minding quotes, brackets and
    comments inside the internal subset."""
    depth, quote, i, n = 0, 0, pos + 2, len(data)
    while i < n:
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):  # " '
            quote = c
        elif c == 0x5B:  # [
            depth += 1
        elif c == 0x5D:  # ]
            depth = max(depth - 1, 0)
        elif c == 0x3C and data.startswith(b"<!--", i):  # a comment inside the subset
            i = _end_of(data, i, b"-->", "comment in the DOCTYPE") - 1
        elif c == 0x3E and depth == 0:  # >
            return i + 1
        i += 1
    raise ValueError("unterminated DOCTYPE or declaration before the first element")


def _to_utf8(body: bytes, response_headers: dict[str, str]) -> tuple[bytes, str]:
    """The body as UTF-8, decoded the way feedparser would (BOM, HTTP charset, XML
    declaration), so UTF-16 or UTF-32 cannot hide a DOCTYPE from ``defuse_feed``.
    Returns the bytes unchanged and ``""`` when no encoding fits."""
    result: dict[str, Any] = {}
    data = convert_to_utf8(dict(response_headers), body, result)
    return data, result.get("encoding") or ""


def _headers_for_feedparser(headers: Any) -> dict[str, str]:
    # No Content-Location: feedparser would resolve a bare GUID such as "g0" against it
    # and turn it into a link. Relative links are joined to the feed's URL in _entry_link.
    out: dict[str, str] = {}
    for key in (b"Content-Type", b"Content-Language"):
        value = headers.get(key) if headers is not None else None
        if value:
            out[key.decode().lower()] = _text(value)
    return out


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)


def _entries(raw_entries: list[Any], url: str, source: str, now: float) -> ParsedFeed:
    notes: list[str] = []
    if len(raw_entries) > MAX_ENTRIES:
        notes.append(f"{len(raw_entries)} entries; only the first {MAX_ENTRIES} read")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for index, e in enumerate(raw_entries[:MAX_ENTRIES]):
        guid = _one_line(e.get("id")) or None
        title = _one_line(e.get("title")) or None
        summary = (e.get("summary") or "").strip() or None
        link = _entry_link(e, guid, url)
        if link is None:
            notes.append(f"entry {index}: link {(e.get('link') or '')[:80]!r} is not http(s)")
            continue
        if link:
            key = canonical = canonicalize_url(link)
        elif title or summary:
            canonical = ""
            key = _entry_key(source, guid, title, summary)
        else:
            continue  # no link, no text: nothing to keep
        dedupe = {key, f"guid:{guid}"} if guid else {key}
        if dedupe & seen:
            continue
        seen |= dedupe
        published, note = _published(e, now)
        if note:
            notes.append(f"entry {index}: {note}")
        entries.append(
            FeedEntry(
                source=source,
                url=canonical or key,
                link=link,
                guid=guid,
                title=title,
                summary=summary,
                published=published,
                author=_one_line(e.get("author")) or None,
            )
        )
    return ParsedFeed(entries, tuple(notes))


def _entry_link(e: Any, guid: str | None, url: str) -> str | None:
    """The absolute http(s) link, ``""`` when there is none, None when it is unsafe."""
    link = (e.get("link") or "").strip()
    if e.get("guidislink") and link == guid and not _is_http(link):
        link = ""  # <guid>g0</guid>: an identifier, not a relative link
    if not link:
        return ""
    try:
        link = urljoin(url, link)
    except ValueError:  # "http://[::1": one bad link must not sink the whole feed
        return None
    return link if _is_http(link) else None


def _is_http(link: str) -> bool:
    try:
        parts = urlsplit(link)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an invalid IPv6 literal
        return False


def _entry_key(source: str, guid: str | None, title: str | None, summary: str | None) -> str:
    material = f"{source}\x00guid\x00{guid}" if guid else f"\x00{title or ''}\x00{summary or ''}"
    return _ENTRY_KEY_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def _one_line(value: Any) -> str:
    """A title, author or GUID on one line: CR, LF, tabs, U+2028 and controls -> space."""
    return printable(value) if isinstance(value, str) else ""


def _published(e: Any, now: float) -> tuple[str | None, str | None]:
    """The entry's date as ISO 8601 UTC, and a note when it was unreadable or clamped."""
    # dict.get: FeedParserDict.get("updated") maps to "published" with a DeprecationWarning
    parsed = dict.get(e, "published_parsed") or dict.get(e, "updated_parsed")
    raw = _one_line(dict.get(e, "published") or dict.get(e, "updated"))[:60]
    if not parsed:
        return None, (f"unreadable date {raw!r}; left empty" if raw else None)
    try:
        ts = float(timegm(parsed))
        if ts > now + _FUTURE_SLACK:
            when = datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
            return _iso(now), f"date {when} is in the future; clamped to the fetch time"
        return _iso(ts), None
    except (OverflowError, ValueError, TypeError, OSError):
        return None, f"unreadable date {raw!r}; left empty"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
