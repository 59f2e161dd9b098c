"""A worker's ``CrawlState``: the reads a crawl needs, from the poll jobs and Redis.

A worker has no SQLite file. What the local crawl reads from the store comes here from:

- a source's validators and the pages it led to: the poll job (``messages.PollJob``),
  kept in ``jobs`` while its poll runs;
- known articles (dedupe before a page is fetched): ``<prefix>:known:<sha1 of key>``,
  written by the writer after it stores an article, expiring after the retention period;
- robots.txt answers: ``<prefix>:robots:<origin>``, written here by whichever worker
  fetched it first, expiring after a day (``monitor.store.robots.MAX_AGE``);
- a site's boilerplate lines: ``<prefix>:sitelines:<host>``, published by the writer.

A listed URL that names a stored story (``remember_listed_url``) is sent to the writer as
a ``listed_url`` message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from monitor.urls import url_key
from scraper.cluster.keys import Keys, known_keys
from scraper.cluster.messages import JobPage, JobValidators, PollJob, encode_listed_url

__all__ = ["InFlight", "KnownArticle", "RedisCrawlState", "known_value"]

# As the store keeps them (monitor/store/robots.py): a day, as RFC 9309 allows, and only
# answers that settle a host's rules (2xx, 3xx followed, 4xx); a worker imports no store.
MAX_AGE = 24 * 3600.0


def cacheable(status: int) -> bool:
    return status < 500


@dataclass(frozen=True)
class KnownArticle:
    id: int
    source: str
    entry_hash: str | None


@dataclass
class InFlight:
    """A poll job this worker runs: the job and its entry id on the polls stream."""

    job: PollJob
    entry_id: str
    claimed: float


class RedisCrawlState:
    def __init__(self, client: Any, keys: Keys) -> None:
        self.client, self.keys = client, keys
        self.jobs: dict[str, InFlight] = {}  # source name -> its poll, while it runs

    # --- from the poll jobs --------------------------------------------------------------

    def sources_due(self, names: Collection[str], now: float) -> set[str]:
        return {name for name in names if name in self.jobs}  # queued: due

    def source_states(self, names: Collection[str]) -> dict[str, JobValidators]:
        return {n: s for n in names if (s := self.source_state(n)) is not None}

    def source_state(self, name: str) -> JobValidators | None:
        poll = self.jobs.get(name)
        return poll.job.state if poll else None

    def own_pages(self, names: Collection[str]) -> dict[str, dict[str, JobPage]]:
        return {n: {p.url: p for p in self.jobs[n].job.pages} for n in names if n in self.jobs}

    def page_state(self, source: str, url: str) -> JobPage | None:
        poll = self.jobs.get(source)
        return next((p for p in poll.job.pages if p.url == url), None) if poll else None

    # --- from Redis ------------------------------------------------------------------------

    def known_article(self, url: str, guid: str | None, source: str) -> KnownArticle | None:
        keys = [self.keys.known(k) for k in known_keys(url_key(url), source, guid)]
        for value in self.client.mget(keys):
            if value is not None:
                id_, known_source, entry_hash = json.loads(value)
                return KnownArticle(int(id_), str(known_source), entry_hash)
        return None

    def site_boilerplate(self, host: str) -> frozenset[str]:
        members = self.client.smembers(self.keys.site_lines(host))
        return frozenset(m.decode() if isinstance(m, bytes) else m for m in members)

    def kept_robots(self, origin: str) -> tuple[bytes, float] | None:
        body, fetched = self.client.hmget(self.keys.robots(origin), ["body", "fetched"])
        if body is None or fetched is None or float(fetched) <= time.time() - MAX_AGE:
            return None
        return bytes(body), float(fetched)

    def save_robots(self, origin: str, status: int, body: bytes) -> float | None:
        if not cacheable(status):
            return None
        fetched = time.time()
        key = self.keys.robots(origin)
        pipe = self.client.pipeline()
        pipe.hset(key, mapping={"status": status, "body": bytes(body), "fetched": repr(fetched)})
        pipe.expire(key, int(MAX_AGE))
        pipe.execute()
        return fetched

    def remember_listed_url(self, url: str, article_id: int) -> None:
        self.client.xadd(self.keys.outcomes, encode_listed_url(url, article_id))


def known_value(article_id: int, source: str, entry_hash: str | None) -> str:
    """What ``<prefix>:known:<sha1>`` holds: ``[id, source, entry_hash]`` as JSON."""
    return json.dumps([article_id, source, entry_hash])
