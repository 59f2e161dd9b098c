"""The worker's last stage (400), in place of ``scraper.writer.WriterPipeline``: it sends
what the crawl found to the writer, through the outcomes stream, and writes nothing.

- An ``ArticlePage`` (cleaned and matched) goes out at once, as an ``article`` message.
- A source's outcome items are held until its poll has settled (the ``PollLedger``, as
  in a local crawl: every entry the body listed handed on or dropped on purpose); then
  they go out as one ``polled`` message with the ledger's ``complete`` flag, and only
  then is the poll job acknowledged (``XACK``) and deleted from the polls stream. A
  worker that dies before that leaves the job pending: another worker claims it after
  the visibility timeout, and the writer drops the articles it has already stored.

Stream order is the order things happened, so the writer stores a poll's articles
before it records the poll (and keeps its validators).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from monitor.config import Config
from scraper.cluster.keys import WORKERS_GROUP, Keys, connect
from scraper.cluster.messages import encode_article, encode_polled
from scraper.cluster.state import RedisCrawlState
from scraper.crawl_state import PollLedger
from scraper.items import OUTCOMES, ArticlePage, EntryFailed, Outcome

__all__ = ["EmitterPipeline"]

log = logging.getLogger(__name__)


class EmitterPipeline:
    def __init__(self, config: Config, stats: StatsCollector, worker: str) -> None:
        assert config.cluster is not None, "a worker needs [cluster]"
        self.config, self.stats, self.worker = config, stats, worker
        self.keys = Keys(config.cluster.key_prefix)
        self.client = connect(config.cluster.redis)  # connects on first command
        self.state = RedisCrawlState(self.client, self.keys)
        self.ledger = PollLedger()
        self.ledger.on_settled = self.poll_settled
        self.ledger.on_report = self.poll_reported
        self.outcomes: dict[str, list[Outcome]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        emitter = cls(
            crawler.settings["NEWSHOUND_CONFIG"], crawler.stats,
            crawler.settings.get("NEWSHOUND_WORKER_NAME", "worker"),
        )  # fmt: skip
        crawler.newshound_state = emitter.state  # type: ignore[attr-defined]
        crawler.newshound_ledger = emitter.ledger  # type: ignore[attr-defined]
        emitter.ledger.watch(crawler)
        return emitter

    def close_spider(self) -> None:
        self.client.close()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, OUTCOMES):
            self.outcomes.setdefault(item.source, []).append(item)
            return item  # sent when its poll settles
        if not isinstance(item, ArticlePage):
            return item
        source = item.entry.source
        poll = self.state.jobs.get(source)
        try:
            self.client.xadd(
                self.keys.outcomes, encode_article(poll.job.job if poll else "", item, self.worker)
            )
        except Exception as e:  # Redis unreachable: the poll stays incomplete, retried
            self.stats.inc_value("newshound/cluster/send_failed")
            raise EntryFailed(f"{item.entry.url}: not sent: {e}", log_level="ERROR") from None
        self.stats.inc_value("newshound/cluster/articles_sent")
        return item

    def poll_reported(self, outcomes: Sequence[Outcome]) -> None:
        if outcomes:
            self._send_poll(outcomes[0].source, list(outcomes), True)

    def poll_settled(self, source: str, complete: bool) -> None:
        self._send_poll(source, self.outcomes.pop(source, []), complete)

    def _send_poll(self, source: str, outcomes: list[Outcome], complete: bool) -> None:
        """The poll's outcome onto the outcomes stream, then its job acknowledged."""
        poll = self.state.jobs.pop(source, None)
        if poll is None:  # not a job of ours (cannot happen): nothing to acknowledge
            log.warning("source=%r settled without a poll job", source)
            return
        try:
            message = encode_polled(poll.job.job, source, outcomes, complete, self.worker,
                                    poll.job.queued)  # fmt: skip
            pipe = self.client.pipeline(transaction=True)  # MULTI: the outcome, then the ack
            pipe.xadd(self.keys.outcomes, message)
            pipe.xack(self.keys.polls, WORKERS_GROUP, poll.entry_id)
            pipe.xdel(self.keys.polls, poll.entry_id)
            pipe.execute()
        except Exception as e:  # noqa: BLE001 - Redis gone: the job is claimed again later
            self.stats.inc_value("newshound/cluster/send_failed")
            log.error("source=%r poll outcome not sent (%s): polled again later", source, e)
            return
        self.stats.inc_value("newshound/cluster/polls_done")
