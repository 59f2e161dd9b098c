"""Deliver: drain the outbox, one concurrent pass per channel. The daemon's delivery job.

Between the store (which writes outbox rows with each article, ``monitor/store/``) and
the channels (``monitor/alerts/``). :func:`deliver_due` is safe to call every few
seconds, from ``newshound run --once``, and after a crash at any point:

* claim -> send -> mark. A pass first takes its channel (a lease in the database naming
  host, process and start time), so two passes never work on one channel; rows a dead
  pass left in ``sending`` go back to ``pending`` with the same event id. A kill after
  the receiver answered but before the row was marked means one resend with the same
  webhook-id / Message-ID: at least once, and the receiver can drop the repeat.
* One dead or slow channel never delays another: each channel has its own task and
  every attempt its own deadline (``timeout``). After a transient failure the channel
  waits (exponential backoff with jitter, persisted) and nothing else is tried on it.
* Immediate alerts go one by one; ``digest`` channels send one message per period;
  beyond ``rate_limit`` the waiting alerts go together as one batch once the window
  allows another message; ``quiet_hours`` hold everything until they end.

Permanent failures (HTTP 4xx other than 408/429, SMTP 5xx) fail the row at once; a
webhook's 410 also disables the channel until ``newshound alerts --enable``. Transient
ones retry for about three days (``policy.GIVE_UP_AFTER``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.alerts.base import Channel, Delivery, DeliveryError, close_channel
from monitor.alerts.channels import build_channel
from monitor.alerts.policy import (
    GIVE_UP_AFTER,
    digest_fire_time,
    in_quiet_hours,
    rate_limit,
    retry_delay,
)
from monitor.config import ChannelConfig, Config, NetworkConfig
from monitor.daemon.logs import log_event
from monitor.store import Alert, ChannelState, Outbox, Store, pass_owner

__all__ = ["deliver_due", "drain_outbox", "DeliveryReport", "ChannelReport"]

log = logging.getLogger("newshound.deliver")  # the daemon's log: one format (logs.py)

MAX_BATCH = 500  # articles in one digest message; a larger backlog goes in several
MIN_ATTEMPTS = 3  # an alert is tried at least this often before it is given up
CLAIM_CHUNK = 50  # immediate alerts claimed at once (then sent one by one)


@dataclass
class ChannelReport:
    sent: int = 0  # alerts delivered (a digest of 5 counts 5)
    messages: int = 0  # messages sent (that digest counts 1)
    retrying: int = 0  # alerts that failed for now and wait for a retry
    failed: int = 0  # alerts given up (permanent failure or retries exhausted)
    held: int = 0  # alerts waiting: digest period, rate limit, quiet hours, backoff, disabled
    busy: bool = False  # another pass was working on this channel
    disabled: str | None = None  # why the channel is off (HTTP 410)
    next_digest: float | None = None
    errors: list[str] = field(default_factory=list)  # one human sentence per problem


@dataclass
class DeliveryReport:
    channels: dict[str, ChannelReport] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return sum(c.sent for c in self.channels.values())

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.channels.values())

    @property
    def retrying(self) -> int:
        return sum(c.retrying for c in self.channels.values())

    @property
    def held(self) -> int:
        return sum(c.held for c in self.channels.values())

    @property
    def errors(self) -> list[str]:
        return [e for c in self.channels.values() for e in c.errors]


async def deliver_due(
    config: Config, db_path: Path, *, now: float | None = None, budget: float = 10.0
) -> DeliveryReport:
    """Deliver what is due on every enabled channel of ``config``, concurrently.

    ``now`` fixes the clock for due times (tests); ``budget`` is how long a channel's
    pass keeps starting new attempts, so a call lasts at most about ``budget`` plus the
    longest channel ``timeout``. Overlapping calls are safe (a busy channel is skipped).
    Never raises for a delivery problem: they are in the report and the log.
    """
    clock: Callable[[], float] = (lambda: now) if now is not None else time.time
    report = DeliveryReport()
    store = Store(db_path)
    owed = _UNRELEASED.setdefault(str(db_path), set())
    try:
        outbox = store.outbox
        _release_owed(outbox, owed)
        owner = pass_owner(secrets.token_hex(4))
        passes = []
        for c in config.channels:
            if c.enabled:
                report.channels[c.name] = ChannelReport()
                c_report = report.channels[c.name]
                passes.append(
                    _ChannelPass(outbox, c, config.network, owner, clock, budget, c_report, owed)
                )
        results = await asyncio.gather(*(p.run() for p in passes), return_exceptions=True)
        for p, result in zip(passes, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                log.error("delivery_crashed", exc_info=result,
                          extra={"newshound_fields": {"channel": p.config.name}})  # fmt: skip
                p.report.errors.append(f"channel {p.config.name!r}: internal error: {result!r}")
    finally:
        store.close()
    return report


async def drain_outbox(config: Config, db_path: Path, *, limit: float) -> DeliveryReport:
    """Deliver until a pass sends nothing more (all due alerts out, or only alerts that
    wait: retry backoff, digest period, rate limit, quiet hours), for at most ``limit``
    seconds (plus the longest channel ``timeout``). ``newshound run --once`` ends with
    this (``--deliver-limit``). Returns the passes' reports added up."""
    total = DeliveryReport()
    end = time.monotonic() + limit
    while (left := end - time.monotonic()) > 0:
        report = await deliver_due(config, db_path, budget=left)
        for name, c in report.channels.items():
            t = total.channels.setdefault(name, ChannelReport())
            t.sent, t.messages = t.sent + c.sent, t.messages + c.messages
            t.retrying, t.failed = t.retrying + c.retrying, t.failed + c.failed
            t.held, t.busy, t.disabled = c.held, c.busy, c.disabled
            t.next_digest = c.next_digest
            t.errors += c.errors
        if report.sent == 0:
            break
    return total


# Channels whose pass could not let go of them (the release was not written: a full
# disk), per database: released by the next pass of this process, so the channel is
# not held for the rest of its lease. (channel, owner)
_UNRELEASED: dict[str, set[tuple[str, str]]] = {}


def _release_owed(outbox: Outbox, owed: set[tuple[str, str]]) -> None:
    for channel, owner in sorted(owed):
        try:
            outbox.release_channel(channel, owner)
        except sqlite3.Error:
            return  # still failing: the next pass tries again
        owed.discard((channel, owner))


class _ChannelPass:
    """One channel, one call: take the channel, send what is due, mark it, let go."""

    def __init__(
        self, outbox: Outbox, config: ChannelConfig, network: NetworkConfig,
        owner: str, clock: Callable[[], float], budget: float, report: ChannelReport,
        owed: set[tuple[str, str]],
    ) -> None:  # fmt: skip
        self.outbox, self.config, self.owner, self.clock = outbox, config, owner, clock
        self.budget, self.report = budget, report
        self.network = network
        self.name = config.name
        self.lease = config.timeout + 30.0  # rows' lease, informative: the channel's decides
        self.limit = rate_limit(config)
        self.owed = owed  # where a release that could not be written is left for the next

    async def run(self) -> None:
        state = self.outbox.acquire_channel(
            self.name, self.owner, self.clock(), self.budget + self.config.timeout + 30
        )
        if state is None:
            self.report.busy = True
            return
        try:
            self.channel: Channel = build_channel(self.config, self.network, keep_alive=True)
            try:
                await self._drain(state)
            finally:
                await close_channel(self.channel)
        finally:
            try:
                self.outbox.release_channel(self.name, self.owner)
            except sqlite3.Error as e:
                self.owed.add((self.name, self.owner))
                log.warning("channel_not_released", extra={"newshound_fields": {
                    "channel": self.name, "error": str(e)}})  # fmt: skip

    def _hold(self, kinds: tuple[str, ...] = ("article", "health")) -> None:
        self.report.held += self.outbox.count_due(self.name, float("inf"), kinds)

    async def _drain(self, state: ChannelState) -> None:
        now = self.clock()
        if state.disabled:
            self.report.disabled = state.disabled
            return self._hold()
        if in_quiet_hours(self.config, now) is not None or state.retry_at > now:
            return self._hold()
        deadline = time.monotonic() + self.budget
        if state.batch:  # an open batch goes first, as it was: same id, same articles
            alerts = self.outbox.claim_batch(self.name, state.batch, now, lease=self.lease)
            if not alerts:
                self.outbox.update_channel_state(self.name, batch=None)
            else:
                delivery = Delivery(self.name, state.batch["event_id"], tuple(alerts), batch=True)
                if not await self._send(delivery):
                    return
        while time.monotonic() < deadline:  # health alerts: never digested nor rate limited
            if not await self._send_one(("health",)):
                break
        if self.config.digest:
            await self._send_digests(deadline)
        else:
            await self._send_articles(deadline)

    async def _send_one(self, kinds: tuple[str, ...]) -> bool:
        alerts = self.outbox.claim_alerts(self.name, self.clock(), lease=self.lease, kinds=kinds)
        if not alerts:
            return False
        return await self._send(Delivery(self.name, alerts[0].event_id, tuple(alerts)))

    async def _send_batch(self, created_before: float | None = None) -> bool:
        batch_id, alerts = self.outbox.open_batch(
            self.name, self.clock(), lease=self.lease, limit=MAX_BATCH,
            created_before=created_before,
        )  # fmt: skip
        if not alerts:
            return False
        return await self._send(Delivery(self.name, batch_id, tuple(alerts), batch=True))

    async def _send_articles(self, deadline: float) -> None:
        if self.limit is None:
            return await self._send_claimed(deadline)
        while time.monotonic() < deadline:
            if self.limit is not None:
                count, window = self.limit
                now = self.clock()
                sends = self.outbox.channel_state(self.name).sends
                allowance = count - sum(1 for t in sends if t > now - window)
                due = self.outbox.count_due(self.name, now, ("article",))
                if due == 0:
                    return
                if allowance <= 0:
                    self.report.held += due
                    return
                if due > allowance == 1:  # the last message in the window takes the rest
                    if not await self._send_batch():
                        return
                    continue
            if not await self._send_one(("article",)):
                return

    async def _send_claimed(self, deadline: float) -> None:
        """Immediate alerts, no rate limit: claim ``CLAIM_CHUNK`` at a time (one query and
        one transaction), send them one by one, and put back what was not attempted."""
        while time.monotonic() < deadline:
            alerts = self.outbox.claim_alerts(
                self.name, self.clock(), lease=self.lease, kinds=("article",), limit=CLAIM_CHUNK
            )
            if not alerts:
                return
            sent = 0
            try:
                for alert in alerts:
                    if time.monotonic() >= deadline:
                        return
                    sent += 1  # attempted: marked by _send, whatever the outcome
                    if not await self._send(Delivery(self.name, alert.event_id, (alert,))):
                        return
            finally:  # also when cancelled: the rest were claimed but never tried
                self.outbox.release_alerts([a.id for a in alerts[sent:]])

    async def _send_digests(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            now = self.clock()
            oldest = self.outbox.oldest_due(self.name, now, ("article",))
            if oldest is None:
                return
            fire = digest_fire_time(self.config, oldest)
            if fire > now:
                self.report.next_digest = fire
                self.report.held += self.outbox.count_due(self.name, now, ("article",))
                return
            if not await self._send_batch(created_before=fire):
                return

    async def _send(self, delivery: Delivery) -> bool:
        """One attempt under the channel's deadline, then mark. True: go on with the next."""
        ids = [a.id for a in delivery.alerts]
        try:
            async with asyncio.timeout(self.config.timeout):
                await self.channel.send(delivery)
        except TimeoutError:
            error = DeliveryError(
                f"channel {self.name!r}: no answer within {self.config.timeout:g} s"
            )
        except DeliveryError as e:
            error = e
        except Exception as e:  # a bug or an unexpected library error: retry, and say so
            log.exception("alert_error", extra={"newshound_fields": {
                "channel": self.name, "event_id": delivery.event_id}})  # fmt: skip
            error = DeliveryError(f"channel {self.name!r}: {type(e).__name__}: {e}")
        else:
            articles = any(a.kind == "article" for a in delivery.alerts)
            window = self.limit[1] if self.limit and articles else None
            self.outbox.mark_sent(
                self.name, ids, self.clock(), close_batch=delivery.batch, record_send=window
            )
            self.report.sent += len(ids)
            self.report.messages += 1
            # one line per alert is for --log-level debug: a healthy run says "delivered"
            # once per pass (an outbox of thousands must not fill the journal)
            log_event(log, "alert_sent", logging.DEBUG, channel=self.name,
                      event_id=delivery.event_id, alerts=len(ids))  # fmt: skip
            return True
        return self._failed(delivery, ids, error)

    def _failed(self, delivery: Delivery, ids: list[int], error: DeliveryError) -> bool:
        now = self.clock()
        message = error.message
        if not error.permanent and not _given_up(delivery.alerts, now):
            failures = self.outbox.channel_state(self.name).failures + 1
            retry_at = now + retry_delay(failures, error.retry_after)
            attempt = max(a.attempts for a in delivery.alerts)
            when = datetime.fromtimestamp(retry_at).strftime("%Y-%m-%d %H:%M:%S")
            self.outbox.mark_retry(self.name, ids, retry_at, message)
            self.report.retrying += len(ids)
            self.report.errors.append(f"{message}; attempt {attempt}, next at {when}")
            log_event(log, "alert_retry", logging.WARNING, channel=self.name,
                      event_id=delivery.event_id, attempt=attempt, retry_at=when,
                      error=message)  # fmt: skip
            return False
        if not error.permanent:
            message += f"; given up after {GIVE_UP_AFTER / 86400:g} days of retries"
        disable = message if error.gone else None
        self.outbox.mark_failed(
            self.name, ids, message, close_batch=delivery.batch, disable=disable
        )
        self.report.failed += len(ids)
        self.report.errors.append(message)
        if disable:
            self.report.disabled = disable
        log_event(log, "alert_failed", logging.ERROR, channel=self.name,
                  event_id=delivery.event_id, disabled=bool(disable), error=message)  # fmt: skip
        return not error.gone


def _given_up(alerts: tuple[Alert, ...], now: float) -> bool:
    oldest = min(a.created for a in alerts)
    return now - oldest > GIVE_UP_AFTER and min(a.attempts for a in alerts) >= MIN_ATTEMPTS
