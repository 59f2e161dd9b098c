"""The outbox: alerts waiting for delivery, claimed, sent and marked so that a crash loses none.

Rows are written by ``save_article`` (in the article's own transaction) and by
:func:`enqueue_health_alert`; the delivery job (``monitor/daemon/deliver.py``) and
``newshound alerts`` read and update them here.

A row goes ``pending`` -> ``sending`` (claimed: ``attempts`` + 1, ``next_attempt`` = lease
end) -> ``sent``, back to ``pending`` (a transient failure: ``next_attempt`` later) or
``failed``. Its ``event_id`` never changes, so a resend after a crash is recognisably the
same alert (webhook-id, Message-ID).

Per channel, a small state record (a JSON value in ``meta``, key ``alerts.channel.<name>``)
holds what is not one row's: the pass that works on the channel now (owner and lease),
the channel's retry gate after a failure, recent send times for ``rate_limit``, a 410's
disabling, and the open batch (digest) with its fixed id and members. A pass takes the
channel first; rows it then finds in ``sending`` belong to a pass that died, and go back
to ``pending`` with their ids unchanged. An open batch is resent as it was, never
re-formed, so its articles never get a second id.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from monitor.store.schema import transaction

__all__ = ["Alert", "enqueue_health_alert", "health_event_id", "claim_alerts", "ChannelState"]


@dataclass(frozen=True)
class Alert:
    """One outbox row as a channel sees it.

    ``kind`` is "article" (payload from ``monitor.alerts.routing.article_payload``) or
    "health" (payload from :func:`enqueue_health_alert`). ``created`` is unix time. It lives
    beside the rows it is read from; the channels (``monitor/alerts/``) import it from here.
    """

    id: int
    event_id: str
    kind: str
    payload: dict[str, Any]
    created: float
    attempts: int = 1  # this one included


HEALTH_STATES = ("failing", "silent", "empty", "recovered")


def health_event_id(channel: str, source: str, state: str, since: float | str) -> str:
    """A stable id for one health event: the same (channel, source, state, since) -> same id."""
    digest = hashlib.sha256(f"{channel}\x00{source}\x00{state}\x00{since}".encode()).hexdigest()
    return f"hlt_{digest[:32]}"


def enqueue_health_alert(
    db: sqlite_utils.Database, channel: str, event_id: str, payload: dict[str, Any]
) -> bool:
    """Queue a source-health alert on ``channel``; False if ``event_id`` is already queued.

    ``payload``: ``{"source": name, "url": source URL, "state": "failing" | "silent" |
    "empty" | "recovered", "message": one human sentence, "since": ISO time the state
    began, "failures": consecutive failures, "last_error": text or None}``. Only
    ``source``, ``state`` and ``message`` are required. Use :func:`health_event_id` so a
    repeated maintenance run does not queue the same event twice.
    """
    missing = [k for k in ("source", "state", "message") if not payload.get(k)]
    if missing:
        raise ValueError(f"health alert payload lacks {', '.join(missing)}: {payload!r}")
    with transaction(db):
        cur = db.execute(
            "INSERT INTO outbox (channel, kind, article_id, event_id, payload, created) "
            "VALUES (?, 'health', NULL, ?, ?, strftime('%s','now')) "
            "ON CONFLICT(event_id) DO NOTHING",
            [channel, event_id, json.dumps(payload, ensure_ascii=False)],
        )
        return cur.rowcount > 0


# --- channel state -----------------------------------------------------------------------


@dataclass
class ChannelState:
    disabled: str | None = None  # why (a 410), or None
    owner: str | None = None  # the pass working on the channel: "host:pid:nonce"
    lease_until: float = 0.0
    failures: int = 0  # consecutive transient failures
    retry_at: float = 0.0  # nothing is tried before this after a failure
    last_error: str | None = None
    sends: list[float] = field(default_factory=list)  # recent article messages (rate_limit)
    batch: dict[str, Any] | None = None  # {"event_id", "ids": [row ids]}: resent as it is


def _state_key(channel: str) -> str:
    return f"alerts.channel.{channel}"


def load_channel_state(db: sqlite_utils.Database, channel: str) -> ChannelState:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [_state_key(channel)]).fetchone()
    if not row or not row[0]:
        return ChannelState()
    raw = json.loads(row[0])
    known = set(ChannelState.__dataclass_fields__)
    return ChannelState(**{k: v for k, v in raw.items() if k in known})


def _save_state(db: sqlite_utils.Database, channel: str, state: ChannelState) -> None:
    # vars(), not asdict(): the fields are plain JSON values, and asdict's deep copy was a
    # fifth of a webhook alert's CPU.
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [_state_key(channel), json.dumps(vars(state))],
    )


def update_channel_state(db: sqlite_utils.Database, channel: str, **changes: Any) -> ChannelState:
    """Change some fields of a channel's state (re-read inside the transaction)."""
    with transaction(db):
        state = load_channel_state(db, channel)
        for k, v in changes.items():
            setattr(state, k, v)
        _save_state(db, channel, state)
    return state


def channel_states(db: sqlite_utils.Database) -> dict[str, ChannelState]:
    rows = db.execute("SELECT key FROM meta WHERE key LIKE 'alerts.channel.%'").fetchall()
    prefix = len(_state_key(""))
    return {key[prefix:]: load_channel_state(db, key[prefix:]) for (key,) in rows}


def pass_owner(nonce: str) -> str:
    """Who works on a channel: host, process id, the process's start time, and a nonce."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid)}:{nonce}"


def _process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), so a reused pid differs."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def _owner_alive(owner: str) -> bool:
    """False when the owner is a process on this host that has ended (kill -9 included)."""
    host, pid_text, start, _ = ([*owner.split(":"), "", "", ""])[:4]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # cannot tell from here: wait for the lease to end
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not start or _process_start(pid) in ("", start)


def acquire_channel(
    db: sqlite_utils.Database, channel: str, owner: str, now: float, lease: float
) -> ChannelState | None:
    """Take the channel for one pass, or None while another live pass holds it.

    Taking it puts the channel's ``sending`` rows (left by a pass that died) back to
    ``pending``: their event ids stay, so the resend is the same alert.
    """
    with transaction(db):
        state = load_channel_state(db, channel)
        held = state.owner and state.owner != owner and state.lease_until > now
        if held and _owner_alive(state.owner or ""):
            return None
        state.owner, state.lease_until = owner, now + lease
        _save_state(db, channel, state)
        db.execute(
            "UPDATE outbox SET state = 'pending', next_attempt = 0 "
            "WHERE channel = ? AND state = 'sending'",
            [channel],
        )
    return state


def release_channel(db: sqlite_utils.Database, channel: str, owner: str) -> None:
    """End a pass. Rows it left in ``sending`` (it was cancelled) go back to ``pending``."""
    with transaction(db):
        state = load_channel_state(db, channel)
        if state.owner == owner:
            state.owner, state.lease_until = None, 0.0
            _save_state(db, channel, state)
            db.execute(
                "UPDATE outbox SET state = 'pending', next_attempt = 0 "
                "WHERE channel = ? AND state = 'sending'",
                [channel],
            )


# --- rows --------------------------------------------------------------------------------

_COLUMNS = "id, event_id, kind, payload, created, attempts"


def _alert(row: Sequence[Any]) -> Alert:
    """A claimed row (its ``attempts`` already counts the claim)."""
    return Alert(
        id=row[0], event_id=row[1], kind=row[2], payload=json.loads(row[3]),
        created=float(row[4]), attempts=int(row[5]) + 1,
    )  # fmt: skip


# Due rows are found through this index (the planner, without statistics, picks
# outbox_due and then sorts every due row of every channel).
_DUE = "outbox INDEXED BY outbox_claim"


def _due_where(kinds: Sequence[str], exclude: Sequence[int], created_before: float | None) -> str:
    where = "channel = ? AND state = 'pending' AND next_attempt <= ?"
    where += f" AND kind IN ({','.join('?' * len(kinds))})"
    if exclude:
        where += f" AND id NOT IN ({','.join('?' * len(exclude))})"
    if created_before is not None:
        where += " AND created < ?"
    return where


def _due_params(channel: str, now: float, kinds: Sequence[str], exclude: Sequence[int],
                created_before: float | None) -> list[Any]:  # fmt: skip
    params: list[Any] = [channel, now, *kinds, *exclude]
    return params + ([created_before] if created_before is not None else [])


def count_due(
    db: sqlite_utils.Database, channel: str, now: float, kinds: Sequence[str],
    exclude: Sequence[int] = (),
) -> int:  # fmt: skip
    where = _due_where(kinds, exclude, None)
    params = _due_params(channel, now, kinds, exclude, None)
    return int(db.execute(f"SELECT count(*) FROM {_DUE} WHERE {where}", params).fetchone()[0])


def oldest_due(
    db: sqlite_utils.Database, channel: str, now: float, kinds: Sequence[str]
) -> float | None:
    where = _due_where(kinds, (), None)
    row = db.execute(
        f"SELECT min(created) FROM {_DUE} WHERE {where}", _due_params(channel, now, kinds, (), None)
    ).fetchone()
    return None if row[0] is None else float(row[0])


def claim_alerts(
    db: sqlite_utils.Database, channel: str, now: float, *, lease: float,
    kinds: Sequence[str] = ("article", "health"), limit: int = 1,
    exclude: Sequence[int] = (), created_before: float | None = None,
) -> list[Alert]:  # fmt: skip
    """Claim up to ``limit`` due rows, oldest first: ``sending``, attempts + 1, leased.

    The index ``outbox_claim (channel, state, kind)`` (rowid last) gives the oldest due
    rows of one kind without reading the rest, so a claim costs the same with 20 or 20,000
    rows queued.
    """
    where = _due_where(kinds, exclude, created_before)
    params = _due_params(channel, now, kinds, exclude, created_before)
    with transaction(db):
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM {_DUE} WHERE {where} ORDER BY id LIMIT ?", [*params, limit]
        ).fetchall()
        _set_sending(db, [r[0] for r in rows], now + lease)
    return [_alert(r) for r in rows]


def _set_sending(db: sqlite_utils.Database, ids: Sequence[int], until: float) -> None:
    for chunk in _chunks(ids):
        db.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, next_attempt = ? "
            f"WHERE id IN ({','.join('?' * len(chunk))})",
            [until, *chunk],
        )


def open_batch(
    db: sqlite_utils.Database, channel: str, now: float, *, lease: float, limit: int,
    exclude: Sequence[int] = (), created_before: float | None = None,
) -> tuple[str, list[Alert]]:  # fmt: skip
    """Claim due article rows as one batch; its id and members are fixed from now on."""
    where = _due_where(("article",), exclude, created_before)
    params = _due_params(channel, now, ("article",), exclude, created_before)
    with transaction(db):
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM {_DUE} WHERE {where} ORDER BY id LIMIT ?", [*params, limit]
        ).fetchall()
        if not rows:
            return "", []
        ids = [r[0] for r in rows]
        members = "\x00".join(r[1] for r in rows)
        batch_id = "dig_" + hashlib.sha256(f"{channel}\x00{members}".encode()).hexdigest()[:32]
        _set_sending(db, ids, now + lease)
        state = load_channel_state(db, channel)
        state.batch = {"event_id": batch_id, "ids": ids}
        _save_state(db, channel, state)
    return batch_id, [_alert(r) for r in rows]


def claim_batch(
    db: sqlite_utils.Database, channel: str, batch: dict[str, Any], now: float, *, lease: float
) -> list[Alert]:
    """The open batch's rows, claimed again for a resend (those not yet sent or failed)."""
    ids = list(batch["ids"])
    with transaction(db):
        rows = []
        for chunk in _chunks(ids):
            rows += db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('pending', 'sending') "
                f"AND id IN ({','.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            ).fetchall()
        _set_sending(db, [r[0] for r in rows], now + lease)
    return [_alert(r) for r in rows]


def mark_sent(
    db: sqlite_utils.Database, channel: str, ids: Sequence[int], now: float, *,
    close_batch: bool = False, record_send: float | None = None,
) -> None:  # fmt: skip
    """Rows sent; the channel's failures reset. ``record_send``: the rate-limit window."""
    with transaction(db):
        _set_rows(db, ids, "state = 'sent', sent_at = ?, last_error = NULL", [now])
        state = load_channel_state(db, channel)
        if not (state.failures or state.retry_at or state.last_error or close_batch
                or record_send is not None):  # fmt: skip
            return  # the usual case, one alert after another: the state stays as it is
        state.failures, state.retry_at, state.last_error = 0, 0.0, None
        if close_batch:
            state.batch = None
        if record_send is not None:
            state.sends = [t for t in state.sends if t > now - record_send] + [now]
        _save_state(db, channel, state)


def mark_retry(
    db: sqlite_utils.Database, channel: str, ids: Sequence[int], retry_at: float, error: str
) -> None:
    """A transient failure: rows pending again at ``retry_at``, the channel gated until then."""
    with transaction(db):
        _set_rows(db, ids, "state = 'pending', next_attempt = ?, last_error = ?", [retry_at, error])
        state = load_channel_state(db, channel)
        state.failures += 1
        state.retry_at, state.last_error = retry_at, error
        _save_state(db, channel, state)


def mark_failed(
    db: sqlite_utils.Database, channel: str, ids: Sequence[int], error: str, *,
    close_batch: bool = False, disable: str | None = None,
) -> None:  # fmt: skip
    """A permanent failure (or retries exhausted): rows ``failed``; a 410 disables the channel."""
    with transaction(db):
        _set_rows(db, ids, "state = 'failed', last_error = ?", [error])
        state = load_channel_state(db, channel)
        if close_batch:
            state.batch = None
        if disable:
            state.disabled = disable
        _save_state(db, channel, state)


def _set_rows(
    db: sqlite_utils.Database, ids: Sequence[int], assign: str, values: list[Any]
) -> None:
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        db.execute(f"UPDATE outbox SET {assign} WHERE id IN ({marks})", [*values, *chunk])


def release_alerts(db: sqlite_utils.Database, ids: Sequence[int]) -> None:
    """Claimed rows not attempted after all: pending again, the attempt not counted."""
    with transaction(db):
        for chunk in _chunks(ids):
            db.execute(
                "UPDATE outbox SET state = 'pending', next_attempt = 0, "
                "attempts = max(0, attempts - 1) "
                f"WHERE state = 'sending' AND id IN ({','.join('?' * len(chunk))})",
                chunk,
            )


# --- for `newshound alerts` --------------------------------------------------------------


def list_alerts(db: sqlite_utils.Database, states: Sequence[str]) -> list[dict[str, Any]]:
    """Rows in ``states``, oldest first, with the article title when there is one."""
    marks = ",".join("?" * len(states))
    rows = db.execute(
        "SELECT id, channel, kind, event_id, state, attempts, next_attempt, last_error, "
        f"created, sent_at, payload FROM outbox WHERE state IN ({marks}) ORDER BY id",
        list(states),
    ).fetchall()
    names = ("id", "channel", "kind", "event_id", "state", "attempts", "next_attempt",
             "last_error", "created", "sent_at")  # fmt: skip
    out = []
    for row in rows:
        item = dict(zip(names, row[:-1], strict=True))
        payload = json.loads(row[-1])
        item["title"] = payload.get("title") or payload.get("message")
        item["url"] = payload.get("url")
        out.append(item)
    return out


def count_by_state(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per state (pending, sending, sent, failed); states with none are absent."""
    rows = db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    return {state: int(n) for state, n in rows}


def retry_alerts(db: sqlite_utils.Database, ids: Sequence[int] | None) -> int:
    """Rows due now again with their attempts reset; ``None``: every failed row.

    Also lifts the retry gate of their channels. An open batch keeps its id and members.
    Returns how many rows changed.
    """
    if ids is None:
        where, params = "state = 'failed'", []
    else:
        where = f"state IN ('failed', 'pending') AND id IN ({','.join('?' * len(ids))})"
        params = list(ids)
    with transaction(db):
        channels = [
            r[0] for r in db.execute(f"SELECT DISTINCT channel FROM outbox WHERE {where}", params)
        ]
        cur = db.execute(
            f"UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = 0 WHERE {where}",
            params,
        )
        for name in channels:
            state = load_channel_state(db, name)
            state.retry_at, state.failures = 0.0, 0
            _save_state(db, name, state)
    return cur.rowcount


def enable_channel(db: sqlite_utils.Database, channel: str) -> bool:
    """Turn a channel disabled by a 410 back on; False if it was not disabled."""
    with transaction(db):
        state = load_channel_state(db, channel)
        if not state.disabled:
            return False
        state.disabled, state.retry_at, state.failures = None, 0.0, 0
        _save_state(db, channel, state)
    return True


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])
