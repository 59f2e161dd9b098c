"""Which channels an article alerts, and the outbox rows that say so.

Runs inside the store transaction's preparation (pipeline stage 4): the rows returned
here are written with the article, so an alert exists exactly when its article does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from monitor.config import ChannelConfig
from monitor.matcher import MatchResult
from monitor.store.articles import ArticleRecord, OutboxEntry


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


def plan_alerts(
    channels: Sequence[ChannelConfig], record: ArticleRecord, result: MatchResult
) -> list[OutboxEntry]:
    """One outbox entry per channel that wants this article."""
    payload = article_payload(record, result)
    return [
        OutboxEntry(channel=c.name, event_id=event_id(c.name, record.url), payload=payload)
        for c in channels
        if wants_article(c, result)
    ]
