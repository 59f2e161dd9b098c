"""Which channels an article alerts, and the outbox rows that say so.

Runs inside the store transaction's preparation (pipeline stage 4): the rows returned
here are written with the article, so an alert exists exactly when its article does.

An article published more than ``max_age`` before it was found (a new feed's year-old
items, a backlog) is stored, searchable and exported, but alerts nobody; an article
without a readable date alerts as usual.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from monitor.config import ChannelConfig
from monitor.store import ArticleRecord, OutboxEntry

if TYPE_CHECKING:  # the daemon plans no alerts: it need not load the matcher (3 MB)
    from monitor.matcher import MatchResult


def wants_article(channel: ChannelConfig, result: MatchResult) -> bool:
    """True when ``channel``'s rules/terms/min_count select this match result."""
    if not channel.enabled or not result.matched:
        return False
    if channel.rules and not set(channel.rules) & set(result.rules):
        return False
    terms = set(channel.terms) & set(result.terms) if channel.terms else set(result.terms)
    if not terms:
        return False
    return sum(result.terms[t].count for t in terms) >= channel.min_count


def event_id(channel: str, url: str) -> str:
    """A stable id per (channel, article): the webhook-id and Message-ID of every attempt."""
    digest = hashlib.sha256(f"{channel}\x00{url}".encode()).hexdigest()[:32]
    return f"msg_{digest}"


def article_payload(record: ArticleRecord, result: MatchResult) -> dict[str, Any]:
    """The alert's data: what a receiver needs to show the article and why it matched."""
    return {
        "url": record.url,
        "title": record.title,
        "source": record.source,
        "published": record.published,
        "terms": sorted(result.terms),
        "rules": list(result.rules),
        "snippets": {name: tm.snippets for name, tm in sorted(result.terms.items())},
        "aliases": {
            name: sorted({h.alias for h in tm.hits}) for name, tm in sorted(result.terms.items())
        },
        "counts": {name: tm.count for name, tm in sorted(result.terms.items())},
    }


class Counter(Protocol):
    """What plan_alerts counts with: Scrapy's stats collector has this method."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


def published_age(published: str | None, now: float) -> float | None:
    """Seconds from ``published`` (ISO 8601; naive is UTC) to ``now``; None if unreadable."""
    if not published:
        return None
    try:
        when = datetime.fromisoformat(published.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return now - when.timestamp()


def plan_alerts(
    channels: Sequence[ChannelConfig], record: ArticleRecord, result: MatchResult, *,
    max_age: float | None = None, stats: Counter | None = None, now: float | None = None,
) -> list[OutboxEntry]:  # fmt: skip
    """One outbox entry per channel that wants this article, none when it is too old.

    ``max_age``: seconds (``Config.max_age(source)``); an article published longer ago than
    that is held back (counted as ``newshound/alerts/held_back`` in ``stats``); None alerts
    whatever the date. Entries planned are counted as ``newshound/alerts/queued``.
    """
    wanted = [c for c in channels if wants_article(c, result)]
    if not wanted:
        return []
    age = published_age(record.published, time.time() if now is None else now)
    if max_age is not None and age is not None and age > max_age:
        if stats is not None:
            stats.inc_value("newshound/alerts/held_back")
        return []
    if stats is not None:
        stats.inc_value("newshound/alerts/queued", len(wanted))
    payload = article_payload(record, result)
    return [
        OutboxEntry(channel=c.name, event_id=event_id(c.name, record.url), payload=payload)
        for c in wanted
    ]
