"""The daemon lock: one row in ``locks`` so that only one daemon polls a database.

The holder writes a heartbeat every few seconds. Another daemon takes the lock over only
when the heartbeat is stale, or when the holder was on this host and its process is gone
(a ``kill -9`` must not keep the service down until the heartbeat ages). The takeover
happens inside one ``BEGIN IMMEDIATE`` transaction, so two starting daemons cannot both win.
"""

from __future__ import annotations

import os
import socket
import time
import uuid

import sqlite_utils

from monitor.store.schema import transaction

__all__ = ["DatabaseLock", "LockHeld"]


class LockHeld(RuntimeError):
    """Another live daemon holds the lock; the message says who and what to do."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DatabaseLock:
    """``acquire()`` or raise :class:`LockHeld`; ``heartbeat()`` while alive; ``release()``."""

    def __init__(
        self, db: sqlite_utils.Database, name: str = "daemon", *, stale_after: float = 60.0
    ) -> None:
        self.db, self.name, self.stale_after = db, name, stale_after
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.owner = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"

    def acquire(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with transaction(self.db) as db:
            row = db.execute(
                "SELECT owner, heartbeat FROM locks WHERE name = ?", [self.name]
            ).fetchone()
            if row is not None and row[0] != self.owner and not self._takeable(row, now):
                host, pid = (row[0].split(":") + ["?", "?"])[:2]
                raise LockHeld(
                    f"database {self._path()} is in use by another newshound daemon "
                    f"(pid {pid} on {host}, heartbeat {now - row[1]:.0f}s ago); stop it first, "
                    f"or start this one after {self.stale_after:.0f}s without a heartbeat"
                )
            db.execute(
                "INSERT INTO locks (name, owner, heartbeat) VALUES (?,?,?) ON CONFLICT(name) "
                "DO UPDATE SET owner = excluded.owner, heartbeat = excluded.heartbeat",
                [self.name, self.owner, now],
            )

    def _takeable(self, row: tuple[str, float], now: float) -> bool:
        owner, heartbeat = row
        if heartbeat < now - self.stale_after:
            return True
        host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        return host == self.host and pid.isdigit() and not _pid_alive(int(pid))

    def heartbeat(self, now: float | None = None) -> bool:
        """Refresh the heartbeat; False when the lock was lost (taken over meanwhile)."""
        with transaction(self.db):
            cur = self.db.conn.execute(
                "UPDATE locks SET heartbeat = ? WHERE name = ? AND owner = ?",
                [time.time() if now is None else now, self.name, self.owner],
            )
        return cur.rowcount == 1

    def release(self) -> None:
        with transaction(self.db):
            self.db.conn.execute(
                "DELETE FROM locks WHERE name = ? AND owner = ?", [self.name, self.owner]
            )

    def _path(self) -> str:
        row = self.db.conn.execute("PRAGMA database_list").fetchone()
        return row[2] if row else "?"
