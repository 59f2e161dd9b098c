"""JSON Feed 1.0/1.1 bytes -> FeedEntry list.

feedparser 6.0.x does not read JSON Feed (it reports an XML error), so it is parsed here
with ``json``; ``scraper.feedparse.parse_feed_entries`` sends JSON bodies here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from monitor.safety import loads_json
from monitor.urls import canonicalize_url
from scraper.items import FeedEntry

__all__ = ["parse_json_feed"]

_FUTURE_SLACK = timedelta(days=2)  # a date more than two days ahead is a publisher's bug


def _rfc3339(value: Any) -> str | None:
    """An RFC 3339 date as ISO 8601 UTC; None for one that cannot be read or is out of
    range (``0001-01-01T00:00:00+01:00`` is before year 1 in UTC): a bad date loses the
    date, not the item."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        dt = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return min(dt, datetime.now(UTC) + _FUTURE_SLACK).isoformat(timespec="seconds")


def _author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")  # 1.1
    if not isinstance(authors, list) or not authors:
        authors = [item.get("author")]  # 1.0
    first = authors[0]
    name = first.get("name") if isinstance(first, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_json_feed(body: bytes, url: str, source: str) -> list[FeedEntry]:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) -> entries.

    The item's ``url`` (else ``external_url``, else an http(s) ``id``) is the link; the
    summary is ``summary``, else ``content_html``, else ``content_text``. Raises
    ValueError naming the URL when the body is not a JSON Feed.
    """
    try:
        doc = loads_json(body)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"not a feed ({url}): invalid JSON: {e}") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    items = doc.get("items") if isinstance(doc, dict) else None
    if not (isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")):
        raise ValueError(f"not a feed ({url}): JSON without a jsonfeed.org version")
    if not isinstance(items, list):
        raise ValueError(f"not a feed ({url}): JSON Feed without an items list")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            entry = _entry(item, doc, url, source)
        except ValueError:  # a link no URL parser takes: this item is lost, not the feed
            continue
        if entry is None:
            continue
        if entry.url in seen or (entry.guid and entry.guid in seen):
            continue
        seen.update(k for k in (entry.url, entry.guid) if k)
        entries.append(entry)
    return entries


def _entry(item: dict[str, Any], doc: dict[str, Any], url: str, source: str) -> FeedEntry | None:
    """One JSON Feed item as an entry; None without an http(s) link. Raises ValueError
    for a link that does not parse."""
    guid = str(item["id"]).strip() or None if item.get("id") is not None else None
    link = _str(item.get("url")) or _str(item.get("external_url")) or ""
    if not link and guid and guid.startswith(("http://", "https://")):
        link = guid
    link = urljoin(_str(doc.get("home_page_url")) or url, link) if link else ""
    if not link.lower().startswith(("http://", "https://")):
        return None
    return FeedEntry(
        source=source, url=canonicalize_url(link), link=link, guid=guid,
        title=_str(item.get("title")),
        summary=_str(item.get("summary")) or _str(item.get("content_html"))
        or _str(item.get("content_text")),
        published=_rfc3339(item.get("date_published")) or _rfc3339(item.get("date_modified")),
        author=_author(item) or _author(doc),
    )  # fmt: skip
