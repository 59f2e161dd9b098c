"""The writer's side of a cluster: ``newshound run`` with ``[cluster]`` queues polls on
Redis instead of crawling, and applies what the workers send back.

    scheduler (scheduler.py) ──► queue_polls: one JSON poll job per due source, with its
                                 validators and pages, on <prefix>:polls
    workers (newshound worker) ─► <prefix>:outcomes
    consume ◄── XREADGROUP (group "writer"): the messages of one read (up to
                READ_COUNT) applied in one transaction, each a savepoint of it, through
                the same OutcomeWriter as a local crawl's WriterPipeline
                (scraper/writer.py), then XACK + XDEL after the COMMIT

What makes it safe to apply a message twice (a writer killed between its commit and its
XACK reads the message again; a job whose worker died is polled again by another):
an article is keyed by its URL (``insert_article`` stores nothing the second time, so no
second outbox row and no second alert), and a poll's outcome is skipped when its source
has been polled since the job was queued. A message that does not decode is logged,
counted and acknowledged: one foreign entry never stops the writer. A message that
cannot be written (a full disk) is left unacknowledged and read again, with those after
it; a read whose COMMIT fails is all read again. Nothing is published to Redis, counted
or acknowledged before the COMMIT that keeps it.

After storing an article the writer publishes its keys (URL key, listed URL, source +
GUID) to ``<prefix>:known:*`` with the retention period as TTL, so workers drop the story
before fetching its page, and the host's learnt boilerplate lines to
``<prefix>:sitelines:<host>``. On start it publishes the keys of the articles already
stored within that period.

``redis`` is imported only here and in ``scraper.cluster``: without ``[cluster]`` it need
not be installed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scrapy.exceptions import DropItem

from monitor.config import Config
from monitor.daemon.logs import log_event
from monitor.metrics import DaemonMetrics
from monitor.safety import redact_url
from monitor.store import Store
from monitor.urls import url_host, url_key
from scraper.cluster.keys import (
    WRITER_GROUP,
    ClusterError,
    Keys,
    connect_async,
    ensure_group,
    known_keys,
)
from scraper.cluster.messages import (
    ArticleMessage,
    ListedUrlMessage,
    MessageError,
    PolledMessage,
    PollJob,
    decode_outcome,
    encode_job,
)
from scraper.cluster.state import known_value
from scraper.items import ArticlePage, SourceFailed, SourcePolled, SourceUnchanged
from scraper.writer import HeldCounts, OutcomeWriter

__all__ = ["ClusterError", "ClusterWriter"]

log = logging.getLogger("newshound.cluster")

READ_COUNT = 100  # messages per read
READ_BLOCK_MS = 1000
DEFAULT_KNOWN_TTL = 30 * 86400.0  # without [storage] keep: known keys last a month
SEED_BATCH = 1000
APPLIED_KEPT = 100_000  # job ids of the polls applied last, to skip a repeated message
CONSUMER = "writer"  # one writer per database (the database lock sees to it)


class Stats(Counter[str]):
    """What ``OutcomeWriter`` counts with (Scrapy's ``inc_value``), for the logs."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self[key] += count


class ClusterWriter:
    """``await start()``, then ``queue_polls(names)`` from the scheduler; ``await close()``."""

    def __init__(self, config: Config, metrics: DaemonMetrics | None = None) -> None:
        assert config.cluster is not None
        self.metrics = metrics or DaemonMetrics()  # what /metrics shows, as for crawls
        self.config, self.cluster = config, config.cluster
        self.keys = Keys(self.cluster.key_prefix)
        self.store = Store(config.storage.path)
        self.stats = Stats()
        self.counts = HeldCounts(self.stats)  # what the writer counts: kept at COMMIT
        self.writer = OutcomeWriter(config, self.store, self.counts)
        self.after_commit: list[Callable[[], None]] = []  # metrics of what is committed
        self.known_ttl = int(config.storage.keep or DEFAULT_KNOWN_TTL)
        self.sources = {s.name for s in config.sources}
        self.client: Any = None
        self.task: asyncio.Task[None] | None = None
        self.stopping = False
        self.applied: OrderedDict[str, None] = OrderedDict()  # job ids, the latest

    async def start(self) -> None:
        """Connect, and start reading outcomes. Raises ``ClusterError`` (the URL shown
        without its password) when Redis cannot be used."""
        self.client = connect_async(self.cluster.redis)
        try:
            await ensure_group(self.client, self.keys.outcomes, WRITER_GROUP)
        except Exception as e:  # noqa: BLE001 - refused, unreachable, wrong password, TLS
            await self.client.aclose()
            self.client = None
            raise ClusterError(f"[cluster] redis {redact_url(self.cluster.redis)}: {e}") from None
        await self._seed_known()
        self.task = asyncio.create_task(self._consume())

    async def close(self) -> None:
        """Stop reading (after the read in progress: a read cut short would leave its
        connection half-used) and close the connection and the store."""
        self.stopping = True
        if self.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.task), READ_BLOCK_MS / 1000 + 10)
            except TimeoutError:  # applying a long batch: cut it short, it is re-read
                self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
        self.store.close()

    # --- the scheduler's side ----------------------------------------------------------------

    async def queue_polls(self, names: tuple[str, ...]) -> None:
        """One poll job per source, with the validators and pages it is polled with."""
        states = self.store.source_states(names)
        pages = self.store.own_pages(names)
        pipe = self.client.pipeline(transaction=False)
        for name in names:
            job = PollJob.new(self.config.source(name), states.get(name), pages.get(name, {}))
            pipe.xadd(self.keys.polls, encode_job(job))
        await pipe.execute()
        log_event(log, "polls_queued", logging.DEBUG, sources=len(names))

    # --- the writer's side ------------------------------------------------------------------

    async def _consume(self) -> None:
        """Read and apply outcomes until cancelled: first what this writer had read and
        not acknowledged (it stopped in between), then new ones."""
        backlog = True
        while not self.stopping:
            try:
                start = "0" if backlog else ">"
                read = await self.client.xreadgroup(
                    WRITER_GROUP, CONSUMER, {self.keys.outcomes: start}, count=READ_COUNT,
                    block=None if backlog else READ_BLOCK_MS,
                )  # fmt: skip
                entries = [(i, f) for _, batch in read or [] for i, f in batch]
                if backlog and not entries:
                    backlog = False
                    continue
                if not await self._apply_all(entries):
                    backlog = True  # a write failed: read it again after a pause
                    await asyncio.sleep(1.0)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - Redis unreachable: wait, try again
                if self.stopping:
                    return
                log_event(log, "cluster_read_failed", logging.ERROR, error=str(e))
                # what the failed read had already handed to this consumer stays pending:
                # read this consumer's pending entries first, or they wait for a restart
                backlog = True
                await asyncio.sleep(2.0)

    async def _apply_all(self, entries: list[tuple[Any, Any]]) -> bool:
        """Apply ``entries`` in order in one transaction, each a savepoint of it, and
        acknowledge them after its COMMIT; False when one could not be written (it and
        the rest stay pending) or the COMMIT failed (all of them stay pending)."""
        done: list[Any] = []
        published: list[tuple[str, Any]] = []
        batch = self._mark()
        ok = True
        try:
            with self.store.transaction():
                for entry_id, fields in entries:
                    message = self._mark()
                    try:
                        with self.store.transaction():  # the message whole, or none of it
                            published += self.apply(fields)
                    except Exception as e:  # noqa: BLE001 - one bad message must not stop the writer
                        if not self.store.db.conn.in_transaction:
                            raise  # SQLite ended the transaction: none of the read is kept
                        self._forget_since(message)
                        if isinstance(e, sqlite3.Error):  # a full disk: it and the rest wait
                            log_event(log, "outcome_not_stored", logging.ERROR,
                                      entry=_text(entry_id), error=str(e))  # fmt: skip
                            ok = False
                            break
                        self.counts.inc_value("newshound/cluster/refused")
                        log_event(log, "outcome_refused", logging.ERROR, entry=_text(entry_id),
                                  reason=f"cannot apply: {e!r}")  # fmt: skip
                    done.append(entry_id)
        except sqlite3.Error as e:  # its COMMIT failed: every entry of the read stays pending
            self._forget_since(batch)
            log_event(log, "outcomes_not_stored", logging.ERROR, entries=len(entries),
                      error=str(e))  # fmt: skip
            return False
        self.counts.commit()
        while len(self.applied) > APPLIED_KEPT:
            self.applied.popitem(last=False)
        for count in self.after_commit:
            count()
        self.after_commit.clear()
        if published:
            await self._publish(published)
        if done:
            pipe = self.client.pipeline(transaction=False)
            pipe.xack(self.keys.outcomes, WRITER_GROUP, *done)
            pipe.xdel(self.keys.outcomes, *done)
            await pipe.execute()
        return ok

    def _mark(self) -> tuple[int, int, int]:
        return self.counts.mark(), len(self.after_commit), len(self.applied)

    def _forget_since(self, mark: tuple[int, int, int]) -> None:
        """What was applied since ``mark`` is rolled back: not counted, and a poll in it
        not taken for applied when its message is read again (``applied`` only grows
        during a read, so its length finds what the read added)."""
        counts, metrics, jobs = mark
        self.counts.forget_since(counts)
        del self.after_commit[metrics:]
        while len(self.applied) > jobs:
            self.applied.popitem()

    def apply(self, fields: Any) -> list[tuple[str, Any]]:
        """Apply one stream entry to the store; returns what to publish to Redis after.
        Raises ``sqlite3.Error`` when it cannot be written."""
        try:
            message = decode_outcome(fields)
        except MessageError as e:
            self.counts.inc_value("newshound/cluster/refused")
            log_event(log, "outcome_refused", logging.ERROR, reason=str(e))
            return []
        source = message.page.entry.source if isinstance(message, ArticleMessage) else None
        source = message.source if isinstance(message, PolledMessage) else source
        if source is not None and source not in self.sources:
            self.counts.inc_value("newshound/cluster/refused")
            log_event(log, "outcome_refused", logging.WARNING, source=source,
                      reason="not a source of this config")  # fmt: skip
            return []
        if isinstance(message, ArticleMessage):
            return self._apply_article(message.page)
        if isinstance(message, ListedUrlMessage):
            self.store.remember_listed_url(message.url, message.article_id)
            return self._known(message.url, None, "")
        self._apply_poll(message)
        return []

    def _apply_article(self, page: ArticlePage) -> list[tuple[str, Any]]:
        try:
            self.writer.store_article(page)
        except DropItem:  # stored already (a second copy of the message) or unchanged
            self.counts.inc_value("newshound/cluster/already_stored")
        else:
            self.after_commit.append(self.metrics.articles.inc)
            if page.result is not None and page.result.matched:
                self.after_commit.append(self.metrics.matched.inc)
            if page.body is not None:
                self.after_commit.append(self.metrics.pages.inc)
        entry = page.entry
        out = self._known(page.url or entry.url, entry.guid, entry.source, listed=entry.url)
        if page.body is not None:
            host = url_host(page.final_url or entry.link)
            out.append(("sitelines", (host, self.store.site_boilerplate(host))))
        return out

    def _known(
        self, url: str, guid: str | None, source: str, listed: str | None = None
    ) -> list[tuple[str, Any]]:
        known = self.store.known_article(url, guid, source)
        if known is None:
            return []
        value = known_value(known.id, known.source, known.entry_hash)
        keys = known_keys(url_key(url), known.source, guid)
        if listed is not None:
            keys.append(url_key(listed))
        return [("known", (key, value)) for key in dict.fromkeys(keys)]

    def _apply_poll(self, message: PolledMessage) -> None:
        # Polled since the job was queued: this message is a second copy, applied already.
        if message.job in self.applied or (
            message.queued and message.source in self.store.polled_since(message.queued)
        ):
            self.stats.inc_value("newshound/cluster/poll_repeated")
            return
        self.applied[message.job] = None  # trimmed after the COMMIT: see _forget_since
        # The poll's time by the worker's clock, never before the job was queued by ours:
        # the scheduler takes a source as polled once its last poll is after the claim.
        outcomes = [
            replace(o, when=max(o.when, message.queued))
            if isinstance(o, SourcePolled | SourceUnchanged) else o
            for o in message.outcomes
        ]  # fmt: skip
        self.writer.apply_poll(outcomes, message.complete, self._unchanged)
        self.counts.inc_value("newshound/cluster/polls_applied")
        for o in outcomes:
            result = _POLL_RESULTS.get(type(o))
            if result is not None:
                self.after_commit.append(self.metrics.polls.labels(result).inc)

    def _unchanged(self, o: SourceUnchanged) -> None:
        self.store.sources_unchanged([(o.source, o.status, o.when, self.writer.interval(o.source))])

    async def _publish(self, items: list[tuple[str, Any]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for kind, value in items:
            if kind == "known":
                key, known = value
                pipe.set(self.keys.known(key), known, ex=self.known_ttl)
            else:
                host, lines = value
                key = self.keys.site_lines(host)
                pipe.delete(key)
                if lines:
                    pipe.sadd(key, *sorted(lines))
                    pipe.expire(key, self.known_ttl)
        await pipe.execute()

    async def _seed_known(self) -> None:
        """Publish the keys of the articles stored within the retention period (and of
        the listed URLs that name them)."""
        since = datetime.fromtimestamp(time.time() - self.known_ttl, UTC)
        rows = self.store.article_keys_since(since.isoformat(timespec="seconds"))
        pipe, n = self.client.pipeline(transaction=False), 0
        for id_, url, listed, source, guid, entry_hash in rows:
            value = known_value(id_, source, entry_hash)
            keys = known_keys(url_key(url), source, guid) + ([listed] if listed else [])
            for key in keys:
                pipe.set(self.keys.known(key), value, ex=self.known_ttl)
            n += 1
            if n % SEED_BATCH == 0:
                await pipe.execute()
        await pipe.execute()
        log_event(log, "known_published", logging.DEBUG, articles=n)


_POLL_RESULTS = {SourcePolled: "parsed", SourceUnchanged: "unchanged", SourceFailed: "failed"}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
