"""Feed bytes -> FeedEntry list: feedparser on bytes, links made absolute and canonical.

feedparser always gets bytes (``io.BytesIO``) plus the response headers, never a str: a
str is taken as a path or URL and feedparser would open it (a body "/etc/passwd" reads
that file).
"""

from __future__ import annotations

import io
import time
from calendar import timegm
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from monitor.store.canonical import canonicalize_url
from scraper.items import FeedEntry

_FUTURE_SLACK = 2 * 86400  # a date more than two days ahead is a publisher's bug


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    try:
        ts = timegm(parsed)
    except (OverflowError, ValueError, TypeError):
        return None
    ts = min(ts, time.time() + _FUTURE_SLACK)
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _headers_for_feedparser(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in (b"Content-Type", b"Content-Location", b"Content-Language"):
        value = headers.get(key) if headers is not None else None
        if value:
            out[key.decode().lower()] = value.decode("latin-1")
    return out


def parse_feed_entries(body: bytes, url: str, headers: Any, source: str) -> list[FeedEntry]:
    """Parse a feed body. Raises ValueError naming the URL when it is not a feed."""
    if not isinstance(body, bytes):  # see the module docstring
        raise TypeError("feed bodies are parsed as bytes only")
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers=_headers_for_feedparser(headers), sanitize_html=False
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no feed entries"
        raise ValueError(f"not a feed ({url}): {reason}")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for e in parsed.entries:
        link = (e.get("link") or "").strip()
        guid = (e.get("id") or "").strip() or None
        if not link and guid and guid.startswith(("http://", "https://")):
            link = guid
        link = urljoin(url, link) if link else ""
        if not link.lower().startswith(("http://", "https://")):
            continue  # javascript:, mailto:, "g0"-style guids: nothing to fetch
        canonical = canonicalize_url(link)
        key = guid or canonical
        if key in seen or canonical in seen:
            continue
        seen.update((key, canonical))
        entries.append(
            FeedEntry(
                source=source,
                url=canonical,
                link=link,
                guid=guid,
                title=(e.get("title") or "").strip() or None,
                summary=(e.get("summary") or "").strip() or None,
                published=_iso(e.get("published_parsed") or e.get("updated_parsed")),
                author=(e.get("author") or "").strip() or None,
            )
        )
    return entries
